import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface MimePart {
  headers: Record<string, string>;
  body: Buffer;
  parts: MimePart[];
}

export interface ReceivedMail {
  to: string[];
  from: string;
  raw: string;
  messageId: string;
  subject: string;
  text: string;
  html: string;
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
}

/** Decodes RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=) in a header. */
function decodeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeQuotedPrintable(text.replace(/_/g, ' ')).toString('utf8'),
  );
}

function decodeQuotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  const s = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes);
}

/** A small MIME reader, enough for what nodemailer writes: nested multiparts, base64 and quoted-printable. */
export function parseMime(raw: string): MimePart {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const bodyText = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const chunks = bodyText.split(`--${boundary}`).slice(1);
    const parts = chunks.filter((c) => !c.startsWith('--')).map((c) => parseMime(c.replace(/^\r?\n/, '').replace(/\r?\n$/, '')));
    return { headers, body: Buffer.alloc(0), parts };
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const body =
    encoding === 'base64'
      ? Buffer.from(bodyText.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(bodyText)
        : Buffer.from(bodyText, 'utf8');
  return { headers, body, parts: [] };
}

function leaves(part: MimePart): MimePart[] {
  return part.parts.length > 0 ? part.parts.flatMap(leaves) : [part];
}

export function readMail(raw: string, to: string[], from: string): ReceivedMail {
  const root = parseMime(raw);
  const all = leaves(root);
  const isAttachment = (p: MimePart) => /attachment/i.test(p.headers['content-disposition'] ?? '');
  const textOf = (type: string) => all.find((p) => !isAttachment(p) && (p.headers['content-type'] ?? '').startsWith(type))?.body.toString('utf8') ?? '';
  return {
    to,
    from,
    raw,
    messageId: root.headers['message-id'] ?? '',
    subject: decodeWords(root.headers.subject ?? ''),
    text: textOf('text/plain'),
    html: textOf('text/html'),
    attachments: all.filter(isAttachment).map((p) => ({
      filename: /filename="?([^";]+)"?/i.exec(p.headers['content-disposition'] ?? '')?.[1] ?? '',
      contentType: (p.headers['content-type'] ?? '').split(';')[0]!,
      content: p.body,
    })),
  };
}

export interface TestSmtp {
  url: string;
  mails: ReceivedMail[];
  /** Called with each complete message before the server answers; return an error to refuse it with that SMTP code. */
  onMessage: ((mail: ReceivedMail, session: SMTPServerSession) => Promise<{ code: number; message: string } | void> | { code: number; message: string } | void) | null;
  /** Called as a message's DATA begins (before it is complete). */
  onDataStart: ((session: SMTPServerSession) => void) | null;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real SMTP server on loopback (no TLS, no auth), keeping every message it accepted. */
export async function startSmtp(): Promise<TestSmtp> {
  const result: TestSmtp = {
    url: '',
    mails: [],
    onMessage: null,
    onDataStart: null,
    async waitFor(count, timeoutMs = 20_000) {
      const started = Date.now();
      while (result.mails.length < count) {
        if (Date.now() - started > timeoutMs) throw new Error(`only ${result.mails.length} of ${count} mails arrived`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {},
  };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    authOptional: true,
    logger: false,
    size: 20 * 1024 * 1024,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      result.onDataStart?.(session);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const mail = readMail(
          Buffer.concat(chunks).toString('utf8'),
          session.envelope.rcptTo.map((r) => r.address),
          session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        );
        try {
          const refusal = await result.onMessage?.(mail, session);
          if (refusal) {
            callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
            return;
          }
        } catch (err) {
          callback(err as Error);
          return;
        }
        result.mails.push(mail);
        callback();
      });
    },
  });
  // A sender killed mid-message resets its connection: expected here, not an error.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  result.url = `smtp://127.0.0.1:${port}`;
  result.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return result;
}
