// A worker thread of the verifier (verifier-pool.ts): runs the pure pipeline on one badge at a time, asking the main
// thread for every fetch.
import { verifyBadge } from '../openbadges/verify/pipeline.js';
import { FetchError, type Fetcher } from '../openbadges/verify/types.js';
import type { FetchReply, VerificationAnswer, VerificationJob } from './verifier-pool.js';
import { serveJobs, type AskMainThread } from './worker-jobs.js';

/** A fetcher that asks the main thread; bodies arrive as Uint8Array and become Buffers again. */
const fetchThrough =
  (ask: AskMainThread): Fetcher =>
  async (url) => {
    const reply = (await ask({ url })) as FetchReply;
    if (reply.ok) return { ...reply.result, body: Buffer.from(reply.result.body) };
    if (reply.fetchError) throw new FetchError(reply.fetchError.code, reply.fetchError.message, reply.fetchError.detail);
    throw new Error(reply.failed ?? 'fetch failed');
  };

async function verify(value: unknown, ask: AskMainThread): Promise<VerificationAnswer> {
  const job = value as VerificationJob;
  const source = typeof job.source === 'string' ? job.source : Buffer.from(job.source);
  return { result: await verifyBadge(source, { fetch: fetchThrough(ask), now: job.now, email: job.email }) };
}

void serveJobs(verify, async () => {
  await verifyBadge('warm-up', { fetch: () => Promise.reject(new Error('no fetch while warming up')), now: new Date(0) });
});
