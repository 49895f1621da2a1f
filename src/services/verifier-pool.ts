// Verification of untrusted badges runs off the event loop: the whole pipeline (unbaking, JSON, JWS, JSON-LD proofs)
// in worker threads (WORK_LIMITS.verifiers), under a wall-clock and a CPU budget, with each client address and account
// limited to its share. Fetches are made here, on the main thread, through the SSRF-safe fetcher, which also answers
// Kiln's own documents in-process; the worker asks for them (verifier-worker.ts).
import { AppError } from '../errors.js';
import { CheckLog } from '../openbadges/verify/report.js';
import { FetchError, type Fetcher, type FetchResult, type VerificationResult } from '../openbadges/verify/types.js';
import { WorkerPool } from './worker-pool.js';
import { Budget, BusyError, TIME_BUDGETS, WORK_LIMITS } from './work-budget.js';

/** One verification, as posted to a worker. */
export interface VerificationJob {
  source: Buffer | string;
  now: Date;
  email: string | null;
}

/** A worker's fetch request and the main thread's reply. */
export interface FetchRequest {
  url: string;
}
export type FetchReply =
  | { ok: true; result: FetchResult }
  | { ok: false; fetchError?: { code: FetchError['code']; message: string; detail: string }; failed?: string };

export type VerificationAnswer = { result: VerificationResult } | { unexpected: string };

const BUSY = 'Kiln is checking many badges just now. Please try again in a minute.';
const TOO_MANY = 'You have several badge checks running already. Please wait for them to finish and try again.';

class VerificationStopped extends Error {
  constructor(readonly detail: string) {
    super('verification stopped');
  }
}

const pool = new WorkerPool({
  name: 'badge verifier',
  entry: new URL('./verifier-worker.ts', import.meta.url),
  limits: WORK_LIMITS.verifiers,
  // A worker still busy after its budget is stopped: its answer would come too late to use.
  hardLimitMs: TIME_BUDGETS.verification + 2000,
  minRunMs: 1000,
  busyMessage: TOO_MANY,
});

/**
 * Runs the verification pipeline in a worker. Input that makes it overrun its budget is reported as unverifiable;
 * a tenant with too many checks under way hears 429, and a site too busy to start one in time 503.
 */
export async function verifyInWorker(job: VerificationJob, fetch: Fetcher): Promise<VerificationResult> {
  const budget = new Budget(TIME_BUDGETS.verification);
  let answer: VerificationAnswer;
  try {
    answer = (await pool.run(job, {
      budget,
      cpuLimitMs: TIME_BUDGETS.verificationCpu,
      tooSlow: (detail) => (budget.mostlyWaited() ? new AppError(503, 'verifier_busy', BUSY) : new VerificationStopped(detail)),
      failed: (detail) => new VerificationStopped(detail),
      onRequest: (request) => answerFetch(fetch, request as FetchRequest),
    })) as VerificationAnswer;
  } catch (err) {
    if (err instanceof BusyError) throw new AppError(429, 'too_many_checks', TOO_MANY);
    if (err instanceof VerificationStopped) return stoppedResult(job.now, err.detail);
    throw err;
  }
  if ('result' in answer) return answer.result;
  throw new Error(`badge verifier failed: ${answer.unexpected}`);
}

async function answerFetch(fetch: Fetcher, request: FetchRequest): Promise<FetchReply> {
  try {
    return { ok: true, result: await fetch(request.url) };
  } catch (err) {
    if (err instanceof FetchError) return { ok: false, fetchError: { code: err.code, message: err.message, detail: err.detail } };
    return { ok: false, failed: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

function stoppedResult(now: Date, detail: string): VerificationResult {
  const log = new CheckLog();
  log.fail(
    'time-limit',
    'unverifiable',
    'Kiln stopped checking this badge because it took too long. A real badge is checked in a few seconds: this one may be damaged or built to be slow.',
    detail,
  );
  return { report: log.report(now), badgeImage: null, badgeText: null };
}
