import { bakePng } from '../openbadges/png.js';
import { cryptographicKeyJson, publicKeyUrl, signedAssertionJson, signJwsRs256, withSignedRevocations } from '../openbadges/signed.js';
import { bakeSvg } from '../openbadges/svg.js';
import type { Assertion } from '../repos/assertions.js';
import type { AssertionsService } from './assertions.js';
import type { BadgeClassesService } from './badge-classes.js';
import type { ServiceContext } from './context.js';
import type { KeysService } from './keys.js';

/**
 * Signed Open Badges 2.0 (openbadges-spec.md §2), for issuers that switch it on (`signedAssertions`). Their baked
 * badges carry a compact RS256 JWS of the assertion (id `urn:uuid:…`, `verification.creator` = the issuer's hosted
 * CryptographicKey) instead of the hosted JSON. Nothing is stored: the JWS is made from the award on each bake, and
 * RS256 is deterministic, so it is the same bytes every time. The hosted assertion URL keeps serving the HostedBadge
 * document, so badges downloaded before the switch, and the award page, keep working; revoking lists the award in
 * the issuer's RevocationList under both ids, and once an issuer has a key it stays published even if signing is
 * switched off again, so signed badges already handed out keep verifying.
 */
export function signedAssertionsService(ctx: ServiceContext, deps: { keys: KeysService; badgeClasses: BadgeClassesService }) {
  const { repos, urls } = ctx;
  const { keys, badgeClasses } = deps;

  /** The compact JWS for an award of an issuer that signs, else null. */
  function signedJws(assertion: Assertion): string | null {
    if (!repos.issuers.findById(assertion.issuerId)?.signedAssertions) return null;
    const key = keys.rsaKey(assertion.issuerId);
    if (!key) return null;
    const payload = signedAssertionJson(assertion, publicKeyUrl(urls, assertion.issuerId, key.id), urls);
    return signJwsRs256(payload, keys.rsaPrivateKey(key));
  }

  return {
    signedJws,

    /** The hosted CryptographicKey, or null when the issuer has no such key. */
    keyDocument(issuerId: string, keyId: string) {
      const key = repos.issuerRsaKeys.find(issuerId, keyId);
      return key ? cryptographicKeyJson(issuerId, key, urls) : null;
    },

    /**
     * The assertions service with baking and the revocation list made signing-aware, so every baked download (award
     * page, API, email attachment) of a signing issuer carries the JWS.
     */
    signing(assertions: AssertionsService): AssertionsService {
      return {
        ...assertions,
        bakedPng(assertion: Assertion): Buffer {
          const jws = signedJws(assertion);
          if (jws === null) return assertions.bakedPng(assertion);
          return bakePng(badgeClasses.images(assertion.badgeClassId)!.png, jws);
        },
        /** Baking 2.0 for a signed badge: `<openbadges:assertion verify="{JWS}"/>`, self-closing. */
        bakedSvg(assertion: Assertion): string | null {
          const jws = signedJws(assertion);
          if (jws === null) return assertions.bakedSvg(assertion);
          const images = badgeClasses.images(assertion.badgeClassId)!;
          return images.svg ? bakeSvg(images.svg, jws, null) : null;
        },
        revocationListJson(issuerId: string) {
          const list = assertions.revocationListJson(issuerId);
          return keys.rsaKey(issuerId) ? withSignedRevocations(list, repos.assertions.revokedForIssuer(issuerId)) : list;
        },
      };
    },
  };
}

export type SignedAssertionsService = ReturnType<typeof signedAssertionsService>;
