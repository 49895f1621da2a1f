import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { newSite, openSiteDb, removeSite, reportFigure, seed, startServer, stopServer, tempDir, type Running, type Site } from '../helpers/child-server.js';

describe('/health', () => {
  let site: Site | null = null;
  let running: Running | null = null;

  afterAll(async () => {
    if (running) await stopServer(running, 'SIGKILL');
    removeSite(site);
  });

  it('answers 503 while another process holds the database write lock, when awards cannot be written either, and 200 again once it is released', async () => {
    site = await newSite('health');
    const seeded = await seed(site);
    const s = site;
    running = await startServer(s);
    const award = () =>
      fetch(`${s.baseUrl}/api/v1/badges/${seeded.badgeId}/assertions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${seeded.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ recipient: { email: 'health@example.org' } }),
      });
    const health = async () => {
      const started = performance.now();
      const res = await fetch(`${s.baseUrl}/health`);
      return { status: res.status, body: await res.json(), ms: performance.now() - started };
    };

    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });
    // A maintenance job or a sqlite3 shell left inside a transaction.
    const other = openSiteDb(s);
    other.exec('BEGIN IMMEDIATE');
    const locked = await health();
    const refusedAward = await award();
    other.exec('ROLLBACK');
    other.close();
    const released = await health();
    const accepted = await award();

    expect(locked).toMatchObject({ status: 503, body: { status: 'unavailable' } });
    // Refused as temporarily unavailable, never a 500, and nothing written.
    expect(refusedAward.status).toBe(503);
    expect(released).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(accepted.status).toBe(201);
    reportFigure('health', { whileLocked: locked.status, answeredInMs: Math.round(locked.ms), awardWhileLocked: refusedAward.status, afterRelease: released.status });
    expect(locked.ms).toBeLessThan(2_000);
  }, 120_000);

  it('answers 503 once the database connection is closed', async () => {
    const dir = tempDir('health-closed');
    const db = openDatabase(path.join(dir, 'kiln.db'));
    migrate(db);
    const { app } = createApp({ db, config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), sessionSecret: 'health' });
    expect((await request(app).get('/health')).status).toBe(200);
    db.close();
    const res = await request(app).get('/health');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable' });
  });
});
