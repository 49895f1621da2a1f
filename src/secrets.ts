import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from './db/database.js';

export interface Secrets {
  sessionSecret: string;
}

/** Generated once into DATA_DIR (mode 0600), never committed, never logged. */
export function loadOrCreateSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  ensurePrivateDir(dataDir);
  if (fs.existsSync(file)) {
    fs.chmodSync(file, 0o600); // a copy restored by hand may have come back world-readable
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
  }
  const secrets: Secrets = { sessionSecret: crypto.randomBytes(32).toString('base64url') };
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * The secret that encrypts issuers' private signing keys (OB 3.0), when KILN_KEY_SECRET is not set: generated once
 * into DATA_DIR/key-secret (mode 0600). Created exclusively, so a server and a CLI starting together agree on it.
 * Losing it makes the stored private keys useless (rotate to new keys); the public keys stay published.
 */
export function loadOrCreateKeySecret(dataDir: string): string {
  const file = path.join(dataDir, 'key-secret');
  ensurePrivateDir(dataDir);
  if (!fs.existsSync(file)) {
    // Written in full under a private name, then linked into place: link fails if someone else won the race.
    const draft = `${file}.${process.pid}.${crypto.randomUUID()}`;
    fs.writeFileSync(draft, crypto.randomBytes(32).toString('base64url'), { mode: 0o600 });
    try {
      fs.linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(draft, { force: true });
    }
  }
  fs.chmodSync(file, 0o600);
  return fs.readFileSync(file, 'utf8').trim();
}
