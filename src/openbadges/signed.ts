// Signed Open Badges 2.0 (openbadges-spec.md §2, §5.1 tasks 20–23): the assertion as the payload of an RS256 JWS, the
// CryptographicKey that verifies it, and what the issuer Profile and RevocationList add for it. Pure: the private key
// comes in as an argument (RS256 is deterministic, so one award always gives the same JWS).
import crypto from 'node:crypto';
import { assertionJson, OB2_CONTEXT, type AssertionFacts, type PublicUrls } from './documents.js';

/**
 * A signed assertion's `id` is a `urn:uuid:` (v4, which the validator's URN pattern requires) rather than the hosted
 * URL: the hosted URL keeps serving the HostedBadge document, and one id must not name two different documents.
 */
export const signedAssertionId = (assertionId: string) => `urn:uuid:${assertionId}`;

/** Where an issuer's RSA public key is hosted as a CryptographicKey (the `creator` of its signed assertions). */
export const publicKeyUrl = (urls: PublicUrls, issuerId: string, keyId: string) => `${urls.issuer(issuerId)}/public-keys/${keyId}`;

/** The JWS payload: the hosted Assertion with its urn:uuid id and `verification: {type: SignedBadge, creator}`. */
export function signedAssertionJson(assertion: AssertionFacts, creator: string, urls: PublicUrls) {
  return {
    ...assertionJson(assertion, urls),
    id: signedAssertionId(assertion.id),
    // `creator` is required in practice: without it the validator never fetches the key (§2, validator-core#227).
    verification: { type: 'SignedBadge', creator },
  };
}

export function cryptographicKeyJson(issuerId: string, key: { id: string; publicKeyPem: string }, urls: PublicUrls) {
  return {
    '@context': OB2_CONTEXT,
    type: 'CryptographicKey',
    id: publicKeyUrl(urls, issuerId, key.id),
    owner: urls.issuer(issuerId),
    publicKeyPem: key.publicKeyPem,
  };
}

/**
 * The issuer Profile of an issuer that has signed: its key in `publicKey` (verifiers trust only keys the hosted
 * Profile lists) and `revocationList`, where signed assertions are revoked. A single key is a plain IRI.
 */
export function withSigningKeys<P extends object>(profile: P, keyUrls: string[], revocationList: string) {
  if (keyUrls.length === 0) return profile;
  return { ...profile, publicKey: keyUrls.length === 1 ? keyUrls[0]! : keyUrls, revocationList };
}

/** The RevocationList with each revoked award also listed by its signed id (verifiers match entries by `id`). */
export function withSignedRevocations<L extends { revokedAssertions: object[] }>(list: L, revoked: Array<{ id: string; revocationReason: string | null }>): L {
  const signed = revoked.map((r) => ({ id: signedAssertionId(r.id), revoked: true, ...(r.revocationReason ? { revocationReason: r.revocationReason } : {}) }));
  return { ...list, revokedAssertions: [...list.revokedAssertions, ...signed] };
}

/** JWS Compact Serialization, RS256 (RSASSA-PKCS1-v1_5 with SHA-256), unpadded base64url (RFC 7515). */
export function signJwsRs256(payload: object, privateKey: crypto.KeyObject): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = crypto.sign('RSA-SHA256', Buffer.from(`${header}.${body}`, 'ascii'), privateKey).toString('base64url');
  return `${header}.${body}.${signature}`;
}
