import { parentPort } from 'node:worker_threads';
import { ImageError, sanitiseSvg } from './images.js';

/**
 * A worker thread of `sanitiseInWorker` (images.ts): jsdom needs about a second for a large SVG, which must not stall
 * the event loop. Answers each SVG text with the sanitised text, or the ImageError's fields.
 */
const port = parentPort!;

port.on('message', (svg: string) => {
  try {
    port.postMessage({ ok: true, svg: sanitiseSvg(svg) });
  } catch (err) {
    if (err instanceof ImageError) port.postMessage({ ok: false, code: err.code, message: err.message, detail: err.detail });
    else port.postMessage({ ok: false, unexpected: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});

// jsdom and DOMPurify are set up before the first real upload arrives.
sanitiseSvg('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
port.postMessage('ready');
