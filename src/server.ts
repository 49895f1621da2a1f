import http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { createApp } from './app.js';
import { createOutboxSender } from './mail/outbox-sender.js';
import { ConfigError, isLocalPublicUrl, loadConfig } from './config.js';
import { migrate, openDatabase } from './db/database.js';
import { loadOrCreateSecrets } from './secrets.js';
import { startWorkerPoolsAtBoot } from './services/worker-pool.js';
import { startupMessage } from './startup-message.js';

function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel });
  const db = openDatabase(path.join(config.dataDir, 'kiln.db'));
  const applied = migrate(db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  if (isLocalPublicUrl(config.publicUrl)) {
    logger.warn({ publicUrl: config.publicUrl }, 'PUBLIC_URL is a local address: badges issued now cannot be verified elsewhere');
  }
  const kiln = createApp({ db, config, sessionSecret: loadOrCreateSecrets(config.dataDir).sessionSecret, logger });
  const server = http.createServer(kiln.handle);
  server.keepAliveTimeout = 65_000;
  // HOST unset: all interfaces, Node's default.
  server.listen({ port: config.port, host: config.host }, () => {
    logger.info({ host: config.host ?? 'all interfaces', port: config.port, publicUrl: config.publicUrl }, 'Kiln is listening');
    // For the person at the terminal, on stderr so stdout stays one JSON log line per event.
    const { publicUrl, smtpUrl } = config;
    const facts = { publicUrl, publicUrlIsLocal: isLocalPublicUrl(publicUrl), smtpConfigured: Boolean(smtpUrl) };
    process.stderr.write(startupMessage({ ...facts, address: server.address(), hasAccounts: kiln.services.accounts.hasAccounts() }));
  });
  // Mail leaves in the background from the outbox table; without SMTP_URL it stays there for admins to read.
  const mailer = createOutboxSender({ services: kiln.services, smtpUrl: config.smtpUrl, from: config.mailFrom, logger });
  mailer.start();
  // The SVG sanitiser's and the verifier's worker threads, so the first upload or check does not wait for them.
  startWorkerPoolsAtBoot();

  // Finish in-flight requests, then close the database so the WAL is checkpointed.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const mailStopped = mailer.stop();
    server.close(async () => {
      await mailStopped;
      db.close();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
    }, 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
