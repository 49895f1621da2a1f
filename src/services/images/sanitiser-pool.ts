// The sanitising stage: jsdom needs about 0.2 ms per element, more for long attributes, so an SVG within the limits
// can take a second or more to sanitise. That runs in worker threads (WORK_LIMITS.svgSanitisers), never on the event
// loop. An upload whose budget runs out is answered at once while its worker finishes (the limits bound that work);
// only a worker still busy after the hard limit is stopped and replaced, since starting one costs about a second.
import { WorkerPool } from '../worker-pool.js';
import { BusyError, WORK_LIMITS, type Budget } from '../work-budget.js';
import { budgetSpent, ImageError, MESSAGES, type ImageErrorCode } from './errors.js';

const HARD_LIMIT_MS = 15_000;

/** What the worker answers for one SVG (sanitiser-worker.ts). */
export interface SanitiserAnswer {
  ok: boolean;
  svg?: string;
  code?: ImageErrorCode;
  message?: string;
  detail?: string;
  unexpected?: string;
}

const pool = new WorkerPool({
  name: 'SVG sanitiser',
  entry: new URL('./sanitiser-worker.ts', import.meta.url),
  limits: WORK_LIMITS.svgSanitisers,
  hardLimitMs: HARD_LIMIT_MS,
  minRunMs: 300,
  busyMessage: MESSAGES.busy,
});

/** `sanitiseSvg` in a worker thread, answered within what is left of the budget. */
export async function sanitiseInWorker(svg: string, budget: Budget): Promise<string> {
  let answer: SanitiserAnswer;
  try {
    answer = (await pool.run(svg, {
      budget,
      tooSlow: (detail) => budgetSpent(budget, detail),
      failed: (detail) => new ImageError('image_too_complex', /busy after|CPU/.test(detail) ? MESSAGES.tooSlow : MESSAGES.tooComplex, detail),
    })) as SanitiserAnswer;
  } catch (err) {
    if (err instanceof BusyError) throw new ImageError('image_too_complex', MESSAGES.busy, err.detail);
    throw err;
  }
  if (answer.ok && answer.svg !== undefined) return answer.svg;
  if (answer.code) throw new ImageError(answer.code, answer.message ?? MESSAGES.svgUnclean, answer.detail);
  throw new Error(`SVG sanitiser failed: ${answer.unexpected ?? 'no answer'}`);
}
