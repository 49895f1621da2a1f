import http, { type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveIpc, type FloorRoute } from './ipc.js';

/** Child process: the floor. Bare node:http answering fixed paths with bytes and headers held in memory. */
const routes = new Map<string, { status: number; headers: OutgoingHttpHeaders; body: Buffer }>();

process.once('message', async (message: { routes: Record<string, FloorRoute> }) => {
  for (const [path, r] of Object.entries(message.routes)) {
    routes.set(path, { status: r.status, headers: r.headers, body: Buffer.from(r.body, 'base64') });
  }
  const server = http.createServer((req, res) => {
    // `/{name}/{anything}` answers the `/{name}` route: the floor's side of a scenario over many ids.
    const url = req.url ?? '';
    const route = routes.get(url) ?? routes.get(url.slice(0, url.indexOf('/', 1)));
    if (!route) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(route.status, route.headers);
    res.end(route.body);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serveIpc({ port: (server.address() as AddressInfo).port }, () => {
    server.closeAllConnections();
    server.close();
  });
});
