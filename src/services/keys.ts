import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { signingKeyFromSeed, verificationMethodId, type SigningKey } from '../openbadges/ob3/index.js';
import type { IssuerKey } from '../repos/issuer-keys.js';
import type { IssuerRsaKey } from '../repos/issuer-rsa-keys.js';
import { loadOrCreateKeySecret } from '../secrets.js';
import type { ServiceContext } from './context.js';

/** A freshly generated key, ready to store (inside the caller's transaction). */
export type NewIssuerKey = Omit<IssuerKey, 'retiredAt' | 'signedWithFragmentId'>;

const SEALED_VERSION = 'v1';
const generateRsaKeyPair = promisify(crypto.generateKeyPair);

/**
 * Issuers' Ed25519 signing keys (Multikey). The private part is a 32-byte seed kept only under AES-256-GCM, with a
 * key derived from KILN_KEY_SECRET (or DATA_DIR/key-secret) and the row's ids as associated data, so a sealed seed
 * cannot be moved to another issuer's row. Seeds are never logged and never leave this module unsealed.
 */
export function keysService(ctx: ServiceContext) {
  const { repos, db } = ctx;
  let encryptionKey: Buffer | null = null;
  const unlocked = new Map<string, Promise<SigningKey>>();
  const unlockedRsa = new Map<string, crypto.KeyObject>();

  function keyForSealing(): Buffer {
    encryptionKey ??= Buffer.from(
      crypto.hkdfSync('sha256', ctx.config.keySecret ?? loadOrCreateKeySecret(ctx.config.dataDir), 'kiln', 'issuer-signing-keys', 32),
    );
    return encryptionKey;
  }

  function seal(seed: Buffer, associated: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', keyForSealing(), iv);
    cipher.setAAD(Buffer.from(associated));
    const sealed = Buffer.concat([cipher.update(seed), cipher.final()]);
    return [SEALED_VERSION, iv, cipher.getAuthTag(), sealed].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  function open(text: string, associated: string): Buffer {
    const [version, iv, tag, sealed] = text.split('.');
    if (version !== SEALED_VERSION || !iv || !tag || !sealed) throw new Error('Unrecognised sealed signing key.');
    const decipher = crypto.createDecipheriv('aes-256-gcm', keyForSealing(), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associated));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]);
    } catch {
      // The usual cause: DATA_DIR/key-secret or KILN_KEY_SECRET changed since the key was made.
      throw new Error('An issuer signing key could not be decrypted: the key secret has changed. Rotate the issuer key to sign again.');
    }
  }

  const associatedData = (key: { id: string; issuerId: string }) => `${key.issuerId}/${key.id}`;

  /** Generates a key for `issuerId`; store it with `store` (issuer creation does both inside its transaction). */
  async function generate(issuerId: string, createdAt: string): Promise<NewIssuerKey> {
    const id = crypto.randomUUID();
    const seed = crypto.randomBytes(32);
    const pair = await signingKeyFromSeed(seed, '', ctx.urls.issuerProfile3(issuerId));
    return { id, issuerId, publicKeyMultibase: pair.publicKeyMultibase, secretKey: seal(seed, associatedData({ id, issuerId })), createdAt };
  }

  function store(key: NewIssuerKey): void {
    repos.issuerKeys.insert(key);
  }

  /** The issuer's active key; issuers made before OB 3.0 get theirs on first use. */
  async function activeKey(issuerId: string): Promise<IssuerKey> {
    const existing = repos.issuerKeys.active(issuerId);
    if (existing) return existing;
    const fresh = await generate(issuerId, ctx.now().toISOString());
    // Another request may have won the race while this one generated: keep theirs.
    db.transaction(() => {
      if (!repos.issuerKeys.active(issuerId)) store(fresh);
    })();
    return repos.issuerKeys.active(issuerId)!;
  }

  /** The active key, unsealed, with its verification method id `/issuers/{issuerId}/ob3/keys/{keyId}`. */
  async function signingKey(issuerId: string): Promise<{ key: SigningKey; record: IssuerKey }> {
    const record = await activeKey(issuerId);
    let pending = unlocked.get(record.id);
    if (!pending) {
      const id = verificationMethodId(issuerId, record, ctx.urls);
      pending = signingKeyFromSeed(open(record.secretKey, associatedData(record)), id, ctx.urls.issuerProfile3(issuerId));
      unlocked.set(record.id, pending);
      pending.catch(() => unlocked.delete(record.id));
    }
    return { key: await pending, record };
  }

  // Signed Open Badges 2.0 (RS256): an RSA key per issuer, its PKCS#8 private key sealed like the seeds above, with
  // associated data of its own so a sealed RSA key and a sealed seed can never stand in for each other.
  const rsaAssociatedData = (key: { id: string; issuerId: string }) => `rsa/${key.issuerId}/${key.id}`;

  /** A new RSA-2048 key for `issuerId`, sealed; store it with `storeRsa` inside the caller's transaction. */
  async function generateRsa(issuerId: string, createdAt: string): Promise<IssuerRsaKey> {
    const { publicKey, privateKey } = await generateRsaKeyPair('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    });
    const id = crypto.randomUUID();
    return { id, issuerId, publicKeyPem: publicKey, secretKey: seal(privateKey, rsaAssociatedData({ id, issuerId })), createdAt };
  }

  return {
    generate,
    store,
    generateRsa,
    /** False when the issuer already has an RSA key (it keeps the first one). */
    storeRsa: (key: IssuerRsaKey) => repos.issuerRsaKeys.insert(key),
    /** The issuer's RSA key (public part and sealed private part), or null before signing was first switched on. */
    rsaKey: (issuerId: string) => repos.issuerRsaKeys.forIssuer(issuerId),
    /** The private key, unsealed, for RS256 signing; kept in memory only. */
    rsaPrivateKey(record: IssuerRsaKey): crypto.KeyObject {
      let key = unlockedRsa.get(record.id);
      if (!key) {
        key = crypto.createPrivateKey({ key: open(record.secretKey, rsaAssociatedData(record)), format: 'der', type: 'pkcs8' });
        unlockedRsa.set(record.id, key);
      }
      return key;
    },
    activeKey,
    signingKey,
    /** Every key the issuer has signed with, oldest first: all stay published so old credentials keep verifying. */
    publishedKeys: (issuerId: string) => repos.issuerKeys.all(issuerId),

    /** A new key becomes active; the old one is retired but stays in the controller document. */
    async rotate(issuerId: string): Promise<IssuerKey> {
      const now = ctx.now().toISOString();
      const fresh = await generate(issuerId, now);
      db.transaction(() => {
        repos.issuerKeys.retireActive(issuerId, now);
        store(fresh);
      })();
      return repos.issuerKeys.active(issuerId)!;
    },
  };
}

export type KeysService = ReturnType<typeof keysService>;
