import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBenchKiln } from './fixture.js';
import { serveIpc } from './ipc.js';

/** Child process: Kiln as production runs it (one process, http.createServer(kiln.handle)), with one award to serve. */
const server = http.createServer();
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const bench = await startBenchKiln(`http://127.0.0.1:${port}`);
server.on('request', bench.kiln.handle);
const [award] = bench.kiln.services.assertions.award(bench.badgeId, bench.userId, {
  recipients: [{ email: 'Learner.One@Example.org', name: 'Learner One' }],
  narrative: 'Recorded *The river at dawn*, a two-minute story with three interviews.',
  evidence: [{ url: 'https://riverside.example.org/stories/river-at-dawn', name: 'The river at dawn' }],
});

serveIpc({ port, assertionId: award!.id }, () => {
  server.closeAllConnections();
  server.close();
  bench.close();
});
