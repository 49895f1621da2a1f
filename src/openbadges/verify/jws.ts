// Signed Open Badges 2.0 (openbadges-spec.md §2): a JWS Compact Serialization whose payload is the Assertion.
import crypto from 'node:crypto';
import { isObject, parseJson, type JsonObject } from './json.js';

export interface DecodedJws {
  header: JsonObject;
  payload: JsonObject;
  /** `base64url(header) "." base64url(payload)`: the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes without verifying; a string naming the problem when it is not a JWS carrying a JSON object. */
export function decodeJws(compact: string): DecodedJws | string {
  const parts = compact.trim().split('.');
  if (parts.length !== 3) return `expected 3 dot-separated parts, found ${parts.length}`;
  const [rawHeader = '', rawPayload = '', rawSignature = ''] = parts;
  if (![rawHeader, rawPayload, rawSignature].every((p) => BASE64URL.test(p))) return 'a part is not base64url';
  const header = parseJson(Buffer.from(rawHeader, 'base64url').toString('utf8'));
  if (!isObject(header)) return 'the JWS header is not a JSON object';
  const payload = parseJson(Buffer.from(rawPayload, 'base64url').toString('utf8'));
  if (!isObject(payload)) return 'the JWS payload is not a JSON object';
  // RFC 7515 forbids padding, but some issuers emit it (1EdTech/openbadges-validator-core#210); the signed bytes keep it.
  return {
    header,
    payload,
    signingInput: `${rawHeader}.${rawPayload}`,
    signature: Buffer.from(rawSignature, 'base64url'),
  };
}

/** RS256 = RSASSA-PKCS1-v1_5 with SHA-256 over the signing input; false for a bad key as for a bad signature. */
export function verifyRs256(jws: DecodedJws, publicKeyPem: string): { ok: boolean; detail: string } {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey(publicKeyPem);
  } catch (err) {
    return { ok: false, detail: `publicKeyPem could not be read: ${(err as Error).message}` };
  }
  if (key.asymmetricKeyType !== 'rsa') return { ok: false, detail: `the key is ${key.asymmetricKeyType ?? 'unknown'}, RS256 needs RSA` };
  try {
    const ok = crypto.verify('RSA-SHA256', Buffer.from(jws.signingInput, 'ascii'), key, jws.signature);
    return { ok, detail: ok ? 'RS256 signature verified' : 'RS256 signature does not match the header and payload' };
  } catch (err) {
    return { ok: false, detail: `signature check failed: ${(err as Error).message}` };
  }
}
