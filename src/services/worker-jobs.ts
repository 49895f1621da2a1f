// The worker side of worker-pool.ts: answers one job at a time, and lets the job ask the main thread for things
// only it may do (the verifier's fetches go through the SSRF-safe fetcher and the app's own in-process answers).
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './worker-pool.js';

export type AskMainThread = (value: unknown) => Promise<unknown>;

/** Serves jobs with `handle` once `warmUp` (loading and exercising the heavy modules) is done. */
export async function serveJobs(handle: (job: unknown, ask: AskMainThread) => unknown, warmUp: () => unknown): Promise<void> {
  const port = parentPort!;
  // Background work, like the image decoder's child processes: on Linux, priority 0 means this thread only, so the
  // event loop keeps its CPU and one tenant's long job leaves room for another tenant's decoder.
  try {
    os.setPriority(0, 10);
  } catch {
    // Not permitted here (some containers): the worker runs at normal priority.
  }
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  const post = (message: FromWorker) => port.postMessage(message);
  const ask: AskMainThread = (value) =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      post({ kind: 'request', id, value });
    });
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'reply') {
      pending.get(message.id)?.(message.value);
      pending.delete(message.id);
      return;
    }
    void Promise.resolve()
      .then(() => handle(message.value, ask))
      .then(
        (value) => post({ kind: 'answer', value }),
        (err: unknown) => post({ kind: 'answer', value: { unexpected: err instanceof Error ? (err.stack ?? err.message) : String(err) } }),
      );
  });
  await warmUp();
  post('ready');
}
