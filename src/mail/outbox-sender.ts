import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { OutboxMessage } from '../repos/outbox.js';
import type { Services } from '../services/index.js';
import { maskSecretLinks } from '../services/secret-links.js';

/*
 * The background sender: it delivers what the outbox table holds, one message at a time.
 *
 * Delivery guarantee, honestly stated. SMTP has no way to ask a server "did you already take message X?", so
 * exactly-once delivery cannot be promised across a crash at every instant. What we do:
 *  1. A message is claimed in a transaction (queued → sending, attempts + 1) and that commit is durable
 *     (synchronous=FULL) before a byte goes to the SMTP server.
 *  2. The moment the server answers 250 to the message, the row is marked sent, again durably.
 *  3. On start, rows still marked `sending` belong to a process that died between 1 and 2. They are sent again:
 *     at-least-once, because a lost award email is worse than a repeated one.
 *  4. Every outbox row has its own Message-ID (`<row id@host>`), and a resend reuses it and the original Date.
 *     So the one message that can be in doubt at a crash (we send one at a time) is, if it went out twice, the
 *     same message twice, which mail stores and clients (Gmail, Outlook, Thunderbird, any deduplicating store)
 *     collapse into one. Killing the process anywhere else loses nothing and repeats nothing.
 * The in-doubt window is the round trip between the server's 250 and our commit: microseconds on a local relay.
 */

export const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 6 * 60 * 60_000;

/** Back-off after the nth failed attempt: 30 s, 1 min, 2 min, … capped at 6 h. */
export const retryDelayMs = (attempts: number) => Math.min(BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);

export interface OutboxSenderOptions {
  services: Services;
  smtpUrl: string | undefined;
  from: string;
  logger: Logger;
  now?: () => Date;
  /** How often to look for due retries when nothing wakes the sender. */
  idleMs?: number;
  /** For tests: a ready transport instead of one made from smtpUrl. */
  transport?: Transporter;
}

export interface OutboxSender {
  /** True when mail can leave (SMTP_URL is set); otherwise it stays in the outbox for admins to read. */
  readonly enabled: boolean;
  start(): void;
  /** Stops taking new messages, waits for the one in flight, closes the connection. */
  stop(): Promise<void>;
  /** Sends everything due now, then resolves with how many were attempted (tests and the CLI). */
  drain(): Promise<number>;
}

export function createOutboxSender(options: OutboxSenderOptions): OutboxSender {
  const { services, logger } = options;
  const repo = services.ctx.repos.outbox;
  const now = options.now ?? (() => new Date());
  const idleMs = options.idleMs ?? 5_000;
  const transport: Transporter | null =
    options.transport ?? (options.smtpUrl ? nodemailer.createTransport({ url: options.smtpUrl, pool: true, maxConnections: 1 }) : null);
  const messageHost = new URL(services.ctx.config.publicUrl).hostname || 'kiln.localhost';

  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let unsubscribe: (() => void) | null = null;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });
  }

  // What stays in the outbox once a message is sent or has failed for good: a sign-in link there would still work.
  const kept = (message: OutboxMessage) => ({
    textBody: maskSecretLinks(message.textBody, services.ctx.config.publicUrl),
    htmlBody: maskSecretLinks(message.htmlBody, services.ctx.config.publicUrl),
  });

  async function deliver(message: OutboxMessage): Promise<void> {
    const attachments: Array<{ filename: string; content: Buffer; contentType: string }> = [];
    if (message.assertionId) {
      const award = services.assertions.findPublic(message.assertionId);
      if (!award || award.revokedAt) {
        repo.cancel(message.id, 'The award was revoked before the email was sent.');
        return;
      }
      attachments.push({ filename: 'badge.png', content: services.assertions.bakedPng(award), contentType: 'image/png' });
    }
    try {
      await transport!.sendMail({
        from: options.from,
        to: message.toName ? { name: message.toName, address: message.toAddress } : message.toAddress,
        subject: message.subject,
        text: message.textBody,
        html: message.htmlBody,
        messageId: `<${message.id}@${messageHost}>`,
        date: new Date(message.createdAt),
        attachments,
      });
    } catch (err) {
      const { responseCode, message: text } = err as { responseCode?: number; message?: string };
      const reason = (text ?? 'unknown error').slice(0, 500);
      // 5xx is the server saying "never": retrying would only repeat the refusal.
      if ((responseCode && responseCode >= 500) || message.attempts >= MAX_ATTEMPTS) {
        repo.markFailed(message.id, reason, kept(message));
        logger.warn({ outboxId: message.id, responseCode }, 'email failed');
      } else {
        repo.retryLater(message.id, new Date(now().getTime() + retryDelayMs(message.attempts)).toISOString(), reason);
        logger.info({ outboxId: message.id, attempts: message.attempts }, 'email deferred');
      }
      return;
    }
    repo.markSent(message.id, now().toISOString(), kept(message));
    logger.debug({ outboxId: message.id }, 'email sent');
  }

  /** One pass over everything due now. */
  async function sendDue(): Promise<number> {
    let n = 0;
    for (;;) {
      if (!running && loop) break;
      const message = repo.claimNext(now().toISOString());
      if (!message) break;
      n += 1;
      try {
        await deliver(message);
      } catch (err) {
        // Baking or the database failed: put it back for later rather than leave it claimed.
        repo.retryLater(message.id, new Date(now().getTime() + retryDelayMs(message.attempts)).toISOString(), 'internal error');
        logger.error({ err, outboxId: message.id }, 'email could not be prepared');
      }
    }
    return n;
  }

  async function run(): Promise<void> {
    while (running) {
      await sendDue();
      if (!running) break;
      const next = repo.nextAttemptAt();
      const untilNext = next ? Math.max(50, Date.parse(next) - now().getTime()) : idleMs;
      await sleep(Math.min(untilNext, idleMs));
    }
  }

  return {
    enabled: transport !== null,
    start() {
      if (!transport || running) return;
      running = true;
      const requeued = repo.requeueInDoubt(now().toISOString());
      if (requeued > 0) logger.warn({ requeued }, 'emails in doubt after a restart are sent again with their original Message-ID');
      unsubscribe = services.mail.onQueued(() => wakeUp?.());
      loop = run().catch((err: unknown) => logger.error({ err }, 'the outbox sender stopped'));
    },
    async stop() {
      running = false;
      unsubscribe?.();
      wakeUp?.();
      await loop;
      loop = null;
      transport?.close();
    },
    async drain() {
      if (!transport) return 0;
      return sendDue();
    },
  };
}
