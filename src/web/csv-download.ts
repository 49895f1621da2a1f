import type { Response } from 'express';

/** A file name from a badge's or issuer's name: lower-case letters, digits and dashes. */
export const slugOf = (name: string, fallback = 'badge') =>
  name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || fallback;

const startCsv = (res: Response, filename: string) =>
  res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${filename}"`);

/** A download spreadsheets open as UTF-8 (the BOM says so). */
export function sendCsv(res: Response, filename: string, csv: string) {
  startCsv(res, filename).send(`\uFEFF${csv}`);
}

/**
 * The same download written chunk by chunk as `chunks` yields them, waiting while the client reads (a large export
 * never sits whole in memory); stops early when the client goes away.
 */
export async function streamCsv(res: Response, filename: string, chunks: AsyncIterable<string>) {
  startCsv(res, filename);
  res.write('\uFEFF');
  for await (const chunk of chunks) {
    if (res.destroyed) break;
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  res.end();
}

function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
