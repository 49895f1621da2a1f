import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrate, openDatabase, type Db } from '../../src/db/database.js';
import { pngImage } from '../helpers/app.js';
import { reportFigure, root, tempDir } from '../helpers/child-server.js';

const migrationsDir = path.join(root, 'migrations');
const files = fs.readdirSync(migrationsDir).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();

/** The schema as SQLite keeps it, with whitespace runs collapsed (the text of each CREATE is what is compared). */
function schemaOf(db: Db): string[] {
  return (db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as Array<{ type: string; name: string; tbl_name: string; sql: string | null }>).map(
    (r) => `${r.type} ${r.name} on ${r.tbl_name}: ${(r.sql ?? '').replace(/\s+/g, ' ').trim()}`,
  );
}

/** An issuer, a badge class and an award as the very first schema (001) stored them, written with its own columns. */
async function oldAward(db: Db): Promise<string> {
  const at = '2025-01-15T10:00:00.000Z';
  db.prepare("INSERT INTO users (id, email, password_hash, is_admin, created_at) VALUES ('u1', 'old@example.org', 'x', 1, ?)").run(at);
  db.prepare("INSERT INTO issuers (id, name, url, email, created_at, updated_at) VALUES ('i1', 'Old Club', 'https://old.example.org', 'badges@old.example.org', ?, ?)").run(at, at);
  db.prepare("INSERT INTO issuer_members (issuer_id, user_id, role, created_at) VALUES ('i1', 'u1', 'owner', ?)").run(at);
  db.prepare(
    "INSERT INTO badge_classes (id, issuer_id, name, description, image_png, criteria_narrative, created_at, updated_at) VALUES ('b1', 'i1', 'Old Badge', 'From before.', ?, 'Did it.', ?, ?)",
  ).run(await pngImage(), at, at);
  const id = '0b8f7c1e-4a6d-4e2b-9c3f-5d1a2b3c4d5e';
  db.prepare(
    `INSERT INTO assertions (id, badge_class_id, issuer_id, recipient_email, salt, identity_hash, issued_on, created_at)
     VALUES (?, 'b1', 'i1', 'learner@example.org', '00112233445566778899aabbccddeeff', 'sha256$00', ?, ?)`,
  ).run(id, at, at);
  return id;
}

describe('migrations', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  const fresh = () => {
    const dir = tempDir('migrate');
    dirs.push(dir);
    return { dir, db: openDatabase(path.join(dir, 'kiln.db')) };
  };

  it('bring a database at every earlier schema, holding an award, to exactly the schema of a fresh database, and today\'s code serves that award', async () => {
    const { db: freshDb } = fresh();
    expect(migrate(freshDb)).toEqual(files);
    const expected = schemaOf(freshDb);
    freshDb.close();
    expect(expected.length).toBeGreaterThan(40);

    const compared: string[] = [];
    for (let k = 1; k < files.length; k++) {
      const { dir, db } = fresh();
      // A Kiln that shipped with migrations 001…k only: its own migrations folder, then today's.
      const earlier = path.join(dir, 'migrations');
      fs.mkdirSync(earlier);
      for (const f of files.slice(0, k)) fs.copyFileSync(path.join(migrationsDir, f), path.join(earlier, f));
      expect(migrate(db, earlier)).toEqual(files.slice(0, k));
      const awardId = await oldAward(db);
      db.close();
      const reopened = openDatabase(path.join(dir, 'kiln.db'));
      expect(migrate(reopened)).toEqual(files.slice(k));
      expect(schemaOf(reopened)).toEqual(expected);
      expect(reopened.prepare('SELECT name FROM schema_migrations ORDER BY name').pluck().all()).toEqual(files);
      expect(reopened.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(reopened.pragma('foreign_key_check')).toEqual([]);
      // Applying again does nothing.
      expect(migrate(reopened)).toEqual([]);
      const config = loadConfig({ PUBLIC_URL: 'https://kiln.example.org', DATA_DIR: dir, LOG_LEVEL: 'silent' });
      const { app } = createApp({ db: reopened, config, sessionSecret: 'migrations' });
      const hosted = await request(app).get(`/assertions/${awardId}`);
      expect(hosted.status).toBe(200);
      expect(hosted.body.recipient.identity).toBe('sha256$00');
      expect((await request(app).get(`/credentials/${awardId}`)).status).toBe(200);
      reopened.close();
      compared.push(files[k - 1]!);
    }
    reportFigure('migrations', { migrations: files.length, earlierSchemasUpgraded: compared.length, schemaObjects: expected.length, differences: 0 });
    expect(compared).toHaveLength(files.length - 1);
  });
});
