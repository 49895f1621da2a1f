import crypto from 'node:crypto';
import { AppError, notFound } from '../errors.js';
import {
  achievementDocument,
  bakeCredentialPng,
  bakeCredentialSvg,
  createDocumentLoader,
  encodeStatusList,
  openBadgeCredential,
  profile3Document,
  signCredential,
  statusListCredential,
  verificationMethodDocument,
  verificationMethodId,
} from '../openbadges/ob3/index.js';
import type { Assertion } from '../repos/assertions.js';
import type { BadgeClass } from '../repos/badge-classes.js';
import type { IssuerKey } from '../repos/issuer-keys.js';
import type { Issuer } from '../repos/issuers.js';
import type { AssertionsService } from './assertions.js';
import type { BadgeClassesService } from './badge-classes.js';
import { isoSeconds, type ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import type { KeysService } from './keys.js';

const fingerprintOf = (...parts: unknown[]) => crypto.createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

/**
 * Open Badges 3.0 for every award. Awarding writes nothing extra (bulk awards keep their speed): a credential is
 * signed the first time it is asked for, then kept with a fingerprint of everything it says (the unsigned document
 * and the signing key), so any edit of the award, its badge or its issuer, or a key rotation, signs it afresh.
 */
export function credentialsService(
  ctx: ServiceContext,
  deps: { issuers: IssuersService; badgeClasses: BadgeClassesService; assertions: AssertionsService; keys: KeysService },
) {
  const { repos, urls } = ctx;
  const { keys } = deps;
  // Signing needs the bundled contexts only; anything else is refused.
  const documentLoader = createDocumentLoader();
  // Concurrent first requests for one document share one signature.
  const signing = new Map<string, Promise<string | null>>();

  function once(key: string, make: () => Promise<string | null>): Promise<string | null> {
    let pending = signing.get(key);
    if (!pending) {
      pending = make().finally(() => signing.delete(key));
      signing.set(key, pending);
    }
    return pending;
  }

  // Positions handed out in this process but not yet written, so concurrent first requests agree on one.
  const reserved = new Map<string, number>();
  const lastReserved = new Map<string, number>();

  /** The award's place in its issuer's revocation list: fixed once its credential is first stored. */
  function statusIndexOf(assertion: Assertion, stored: { statusIndex: number } | null): number {
    if (stored) return stored.statusIndex;
    let index = reserved.get(assertion.id);
    if (index === undefined) {
      index = Math.max(repos.credentials.nextIndex(assertion.issuerId), (lastReserved.get(assertion.issuerId) ?? -1) + 1);
      reserved.set(assertion.id, index);
      lastReserved.set(assertion.issuerId, index);
    }
    return index;
  }

  function unsignedCredential(assertion: Assertion, statusIndex: number) {
    const badge = repos.badgeClasses.findById(assertion.badgeClassId)!;
    const issuer = repos.issuers.findById(assertion.issuerId)!;
    return openBadgeCredential({ assertion, badge, issuer, status: { index: statusIndex } }, urls);
  }

  /** The signed OpenBadgeCredential as JSON text: the exact bytes hosted and baked. */
  async function credentialJson(assertion: Assertion, attempt = 0): Promise<string> {
    const stored = repos.credentials.find(assertion.id);
    const statusIndex = statusIndexOf(assertion, stored);
    const unsigned = unsignedCredential(assertion, statusIndex);
    const { key, record } = await keys.signingKey(assertion.issuerId);
    const fingerprint = fingerprintOf(unsigned, verificationMethodId(assertion.issuerId, record, urls));
    if (stored?.fingerprint === fingerprint && stored.document) return stored.document;
    const document = await once(`credential ${assertion.id} ${fingerprint}`, async () => {
      const now = ctx.now();
      const text = JSON.stringify(await signCredential(unsigned, { key, created: isoSeconds(now), documentLoader }));
      const signed = { fingerprint, document: text };
      if (stored) repos.credentials.storeSigned(assertion.id, signed, now.toISOString());
      else if (!repos.credentials.insertSigned({ assertionId: assertion.id, issuerId: assertion.issuerId, statusIndex, signedAt: now.toISOString(), ...signed })) return null;
      reserved.delete(assertion.id);
      return text;
    });
    if (document !== null) return document;
    // Another process stored this award, or took the position, first: start again from what is stored.
    reserved.delete(assertion.id);
    if (attempt >= 3) throw new AppError(503, 'busy', 'The credential could not be stored; try again.');
    return credentialJson(assertion, attempt + 1);
  }

  /** The issuer's signed BitstringStatusListCredential (revocation), re-signed whenever its bits or key change. */
  async function statusListJson(issuerId: string): Promise<string> {
    const revoked = repos.credentials.revokedIndexes(issuerId);
    const allocated = repos.credentials.nextIndex(issuerId);
    const { key, record } = await keys.signingKey(issuerId);
    const { encodedList, length } = await encodeStatusList(revoked, allocated);
    const fingerprint = fingerprintOf(urls.statusList(issuerId), revoked, length, verificationMethodId(issuerId, record, urls));
    const cached = repos.statusLists.find(issuerId);
    if (cached?.fingerprint === fingerprint) return cached.document;
    const signed = await once(`status ${issuerId} ${fingerprint}`, async () => {
      const now = ctx.now();
      const unsigned = statusListCredential(issuerId, encodedList, isoSeconds(now), urls);
      const document = JSON.stringify(await signCredential(unsigned, { key, created: isoSeconds(now), documentLoader }));
      repos.statusLists.store(issuerId, { fingerprint, document }, now.toISOString());
      return document;
    });
    return signed!;
  }

  /** A hosted award whose credential may be downloaded: 404 when unknown, 410 once revoked. */
  function requireLive(assertionId: string): Assertion {
    const assertion = deps.assertions.findPublic(assertionId);
    if (!assertion) throw notFound('Award');
    if (assertion.revokedAt) throw new AppError(410, 'revoked', 'This badge has been revoked by its issuer.');
    return assertion;
  }

  const publicKeyOf = (k: IssuerKey) => ({
    id: verificationMethodId(k.issuerId, k, urls),
    publicKeyMultibase: k.publicKeyMultibase,
    active: k.retiredAt === null,
    createdAt: k.createdAt,
    retiredAt: k.retiredAt,
  });

  return {
    credentialJson,
    statusListJson,
    requireLive,

    /** The issuer's hosted 3.0 Profile: also the controller document of every key it has signed with. */
    async profileDocument(issuer: Issuer) {
      await keys.activeKey(issuer.id);
      return profile3Document(issuer, keys.publishedKeys(issuer.id), urls);
    },

    /** The Multikey document at a key's verification method URL; null for a key the issuer never had. */
    verificationMethodDocument(issuer: Issuer, keyId: string) {
      const key = keys.publishedKeys(issuer.id).find((k) => k.id === keyId);
      return key ? verificationMethodDocument(issuer.id, key, urls) : null;
    },

    achievementDocument: (badge: BadgeClass) => achievementDocument(badge, urls),

    async bakedPng(assertion: Assertion): Promise<Buffer> {
      const images = deps.badgeClasses.images(assertion.badgeClassId)!;
      return bakeCredentialPng(images.png, await credentialJson(assertion));
    },

    /** Null when the badge has no SVG image. */
    async bakedSvg(assertion: Assertion): Promise<string | null> {
      const images = deps.badgeClasses.images(assertion.badgeClassId)!;
      if (!images.svg) return null;
      return bakeCredentialSvg(images.svg, await credentialJson(assertion));
    },

    /** The issuer's public keys, newest last, for its members. */
    async listKeys(issuerId: string, userId: string) {
      deps.issuers.requireRole(issuerId, userId, 'awarder');
      await keys.activeKey(issuerId);
      return keys.publishedKeys(issuerId).map((k) => publicKeyOf(k));
    },

    /** Owners only: a new signing key becomes active; the old public keys stay published. */
    async rotateKey(issuerId: string, userId: string) {
      deps.issuers.requireRole(issuerId, userId, 'owner');
      await keys.rotate(issuerId);
      return keys.publishedKeys(issuerId).map((k) => publicKeyOf(k));
    },
  };
}

export type CredentialsService = ReturnType<typeof credentialsService>;
