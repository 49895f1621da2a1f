import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function hostOf(target: unknown): string | null {
  if (typeof target === 'string') {
    try {
      return new URL(target).hostname;
    } catch {
      return null;
    }
  }
  if (target instanceof URL) return target.hostname;
  if (target && typeof target === 'object') {
    const o = target as { hostname?: string; host?: string; url?: string };
    if (o.url) return hostOf(o.url);
    return o.hostname ?? o.host?.replace(/:\d+$/, '') ?? 'localhost';
  }
  return null;
}

/**
 * Outbound connections beyond loopback throw (and are counted) until `restore()`: fetch, http(s).request/get and
 * net.connect, the doors every HTTP client in node_modules goes through.
 */
export function blockNetwork() {
  const attempts: string[] = [];
  const refuse = (host: string | null) => {
    attempts.push(String(host));
    throw new Error(`network access to ${String(host)} is blocked in this test`);
  };
  const guard = <F extends (...args: never[]) => unknown>(original: F, hostArg: (args: Parameters<F>) => unknown): F =>
    ((...args: Parameters<F>) => {
      const host = hostOf(hostArg(args));
      if (!host || !LOOPBACK.has(host)) refuse(host);
      return original(...args);
    }) as F;

  const saved = {
    fetch: globalThis.fetch,
    httpRequest: http.request,
    httpGet: http.get,
    httpsRequest: https.request,
    httpsGet: https.get,
    netConnect: net.connect,
    netCreateConnection: net.createConnection,
  };
  globalThis.fetch = guard(saved.fetch, (args) => args[0]);
  http.request = guard(saved.httpRequest, (args) => args[0]);
  http.get = guard(saved.httpGet, (args) => args[0]);
  https.request = guard(saved.httpsRequest, (args) => args[0]);
  https.get = guard(saved.httpsGet, (args) => args[0]);
  net.connect = guard(saved.netConnect, (args) => (typeof args[0] === 'number' ? (args[1] ?? 'localhost') : args[0])) as typeof net.connect;
  net.createConnection = guard(saved.netCreateConnection, (args) =>
    typeof args[0] === 'number' ? (args[1] ?? 'localhost') : args[0],
  ) as typeof net.createConnection;

  return {
    attempts,
    restore() {
      globalThis.fetch = saved.fetch;
      http.request = saved.httpRequest;
      http.get = saved.httpGet;
      https.request = saved.httpsRequest;
      https.get = saved.httpsGet;
      net.connect = saved.netConnect;
      net.createConnection = saved.netCreateConnection;
    },
  };
}
