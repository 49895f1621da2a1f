// A worker thread of the SVG sanitiser (sanitiser-pool.ts): answers each SVG text with the sanitised text, or the
// ImageError's fields.
import { serveJobs } from '../worker-jobs.js';
import { ImageError } from './errors.js';
import type { SanitiserAnswer } from './sanitiser-pool.js';
import { sanitiseSvg } from './svg-sanitise.js';

function answer(svg: unknown): SanitiserAnswer {
  try {
    return { ok: true, svg: sanitiseSvg(String(svg)) };
  } catch (err) {
    if (err instanceof ImageError) return { ok: false, code: err.code, message: err.message, detail: err.detail };
    return { ok: false, unexpected: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}

// jsdom and DOMPurify are set up before the first real upload arrives.
void serveJobs(answer, () => sanitiseSvg('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'));
