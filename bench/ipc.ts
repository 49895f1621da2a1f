import type { OutgoingHttpHeaders } from 'node:http';

export interface FloorRoute {
  status: number;
  headers: OutgoingHttpHeaders;
  /** base64 */
  body: string;
}

export type ChildRequest = { type: 'cpu' } | { type: 'rss' } | { type: 'stats' } | { type: 'stop' };

/**
 * A server child announces itself with `ready`, answers `cpu` with its own CPU time (so the table can show
 * whether the server or the load generator was the bottleneck), `rss` with its resident memory, `stats` with its
 * public cache's counters and exits on `stop` or when the bench goes away.
 */
export function serveIpc(ready: Record<string, unknown>, close: () => void, stats: () => unknown = () => null): void {
  const stop = () => {
    close();
    process.exit(0);
  };
  process.on('message', (message: ChildRequest) => {
    if (message.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage() });
    if (message.type === 'rss') process.send!({ type: 'rss', rss: process.memoryUsage.rss() });
    if (message.type === 'stats') process.send!({ type: 'stats', stats: stats() });
    if (message.type === 'stop') stop();
  });
  // The bench itself went away (finished or failed): so does the server.
  process.on('disconnect', stop);
  process.send!({ type: 'ready', ...ready });
}
