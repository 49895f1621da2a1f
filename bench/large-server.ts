import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrate, openDatabase } from '../src/db/database.js';
import { startWorkerPoolsAtBoot } from '../src/services/worker-pool.js';
import { serveIpc } from './ipc.js';
import { LARGE_PUBLIC_URL } from './large-public-url.js';

/**
 * Child process: Kiln started as src/server.ts starts it (logging at info, the worker pools WORK_LIMITS starts at boot), on the
 * database bench/large-db.ts built, so its RSS is a fresh server's and not the builder's.
 */
const dataDir = process.argv[2]!;
const config = loadConfig({ PUBLIC_URL: LARGE_PUBLIC_URL, DATA_DIR: dataDir, LOG_LEVEL: 'info' });
const db = openDatabase(path.join(dataDir, 'kiln.db'));
migrate(db);
const kiln = createApp({ db, config, sessionSecret: 'bench-secret', logger: pino({ level: config.logLevel }), publicCacheBytes: process.env.CACHE_BYTES ? Number(process.env.CACHE_BYTES) : undefined });
startWorkerPoolsAtBoot();
const server = http.createServer(kiln.handle);
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
serveIpc({ port: (server.address() as AddressInfo).port }, () => {
  server.closeAllConnections();
  server.close();
  db.close();
}, () => kiln.cache.stats());
