import http from 'node:http';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

/**
 * One HTTP request from a chosen loopback address (127.0.0.0/8 all reaches a server on 127.0.0.1 on Linux), so a
 * test can be several clients, as the rate limiters see them, without trusting any header.
 */
export function send(
  server: { baseUrl: string },
  options: { method?: string; path: string; from?: string; cookie?: string; headers?: Record<string, string>; form?: Record<string, string> },
): Promise<Answer> {
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const url = new URL(options.path, server.baseUrl);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? (body ? 'POST' : 'GET'),
        localAddress: options.from ?? '127.0.0.1',
        agent: false,
        headers: {
          Accept: 'text/html',
          ...(options.cookie ? { Cookie: options.cookie } : {}),
          ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const sessionCookie = (a: Answer): string | null => {
  const raw = (a.headers['set-cookie'] ?? []).find((c) => c.startsWith('kiln.sid='));
  return raw ? raw.split(';')[0]! : null;
};

/** A fresh visitor at `from`: its session cookie and the CSRF token of the form on `path`. */
export async function visit(server: { baseUrl: string }, path: string, from: string, cookie?: string): Promise<{ cookie: string; csrf: string; page: Answer }> {
  const page = await send(server, { path, from, cookie });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error(`no form on ${path}: ${page.status}`);
  return { cookie: sessionCookie(page) ?? cookie!, csrf, page };
}

/** The nth distinct loopback client address (127.0.1.2, 127.0.1.3, …), never 127.0.0.1 itself. */
export const loopbackClient = (n: number) => `127.0.${Math.floor(n / 250) + 1}.${(n % 250) + 2}`;
