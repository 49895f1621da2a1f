import { createHash } from 'node:crypto';

export interface IdentityObject {
  type: string;
  identity: string;
  hashed: boolean;
  salt?: string;
}

// IdentityHash = "<alg>$<hex>"; the prefix is a lowercase literal, the hex may be either case.
const IDENTITY_HASH = /^(sha256|md5)\$([0-9a-fA-F]+)$/;
const HEX_LENGTH: Record<string, number> = { sha256: 64, md5: 32 };

/**
 * Verifiers hash the supplied address as-is, so the issuer must hash one
 * canonical form: otherwise `Alice@X` and `alice@x` would never match.
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Open Badges IdentityHash: sha256 over UTF-8(identity ‖ salt), salt appended with no separator. */
export function hashIdentity(identity: string, salt: string): string {
  return `sha256$${digestHex('sha256', identity + salt)}`;
}

/** Whether an assertion's email recipient is `email`, hashed (sha256/md5) or plaintext. */
export function recipientMatches(recipient: IdentityObject, email: string): boolean {
  if (recipient.type !== 'email') return false;
  const candidate = normaliseEmail(email);
  if (!recipient.hashed) return normaliseEmail(recipient.identity) === candidate;
  const match = IDENTITY_HASH.exec(recipient.identity);
  if (!match) return false;
  const [, algorithm = '', hex = ''] = match;
  if (hex.length !== HEX_LENGTH[algorithm]) return false;
  // An absent salt means the hash was made unsalted.
  return digestHex(algorithm, candidate + (recipient.salt ?? '')) === hex.toLowerCase();
}

function digestHex(algorithm: string, text: string): string {
  return createHash(algorithm).update(text, 'utf8').digest('hex');
}
