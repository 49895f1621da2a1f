// A worker for test/services/worker-pool.test.ts: answers `{ spinMs }` after burning that much CPU, `{ ask }` by asking
// the main thread and echoing its reply.
import { serveJobs } from '../../src/services/worker-jobs.js';

void serveJobs(async (job, ask) => {
  const { spinMs, ask: question } = job as { spinMs?: number; ask?: unknown };
  if (question !== undefined) return { echoed: await ask(question) };
  const until = performance.now() + (spinMs ?? 0);
  while (performance.now() < until);
  return { spun: spinMs };
}, () => undefined);
