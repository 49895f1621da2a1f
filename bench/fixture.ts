import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { createApp, type Kiln } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrate, openDatabase, type Db } from '../src/db/database.js';
import { ValidationError } from '../src/errors.js';
import type { BadgeClass } from '../src/repos/badge-classes.js';

export interface BenchKiln {
  kiln: Kiln;
  db: Db;
  dataDir: string;
  dbFile: string;
  userId: string;
  issuerId: string;
  badgeId: string;
  close(): void;
}

// A badge that looks like a real one (gradient, ring, text), so the uploaded PNG is the size of a real one.
export const BADGE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#c0392b"/><stop offset="1" stop-color="#f39c12"/></linearGradient></defs>
  <circle cx="256" cy="256" r="240" fill="url(#g)"/>
  <circle cx="256" cy="256" r="200" fill="none" stroke="#fff" stroke-width="12" stroke-dasharray="18 10"/>
  <text x="256" y="240" font-family="sans-serif" font-size="54" font-weight="bold" fill="#fff" text-anchor="middle">DIGITAL</text>
  <text x="256" y="305" font-family="sans-serif" font-size="40" fill="#fff" text-anchor="middle">STORYTELLER</text>
</svg>`;

/**
 * Kiln built as src/server.ts builds it: createApp on a real SQLite file (WAL, synchronous FULL) in a temp dir,
 * logging at the default level (info) to stdout, which the bench points at /dev/null. The issuer, badge class and
 * user are made through the services, with an uploaded SVG image that Kiln sanitises and rasterises.
 */
export async function startBenchKiln(publicUrl: string): Promise<BenchKiln> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-'));
  const config = loadConfig({ PUBLIC_URL: publicUrl, DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  const dbFile = path.join(config.dataDir, 'kiln.db');
  const db = openDatabase(dbFile);
  migrate(db);
  const kiln = createApp({ db, config, sessionSecret: 'bench-secret', logger: pino({ level: config.logLevel }) });
  const { services } = kiln;
  const user = await services.accounts.addUser({ email: 'facilitator@riverside.example.org', password: 'correct horse battery', admin: true });
  const issuer = await services.issuers.create(user.id, {
    name: 'Riverside Youth Club',
    url: 'https://riverside.example.org',
    email: 'badges@riverside.example.org',
    description: 'Open youth work in the Riverside district.',
  });
  // Uploads are decoded in a child process with a time budget; on a machine busy with other work the first try can
  // run out of it, which says nothing about serving, so the setup simply tries again.
  const upload = { bytes: await sharp(Buffer.from(BADGE_SVG)).png().toBuffer(), type: 'image/png' };
  let badge: BadgeClass | undefined;
  for (let attempt = 1; !badge; attempt++) {
    try {
      badge = await services.badgeClasses.create(
        issuer.id,
        user.id,
        {
          name: 'Digital Storyteller',
          description: 'Made and shared a short digital story about their neighbourhood.',
          imageCaption: 'A round orange badge reading Digital Storyteller',
          criteriaNarrative: 'Plan, record and edit a *two-minute* story, then **share** it with the group.\n\n- a plan\n- a recording\n- an edit',
          tags: ['media', 'storytelling'],
          alignments: [{ targetName: 'Digital Competence 3.1', targetUrl: 'https://example.org/framework/3.1' }],
          expiresAfterDays: 730,
        },
        upload,
      );
    } catch (err) {
      if (!(err instanceof ValidationError) || attempt >= 5) throw err;
    }
  }
  return {
    kiln,
    db,
    dataDir,
    dbFile,
    userId: user.id,
    issuerId: issuer.id,
    badgeId: badge.id,
    close() {
      db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
