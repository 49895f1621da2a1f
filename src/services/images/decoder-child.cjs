'use strict';
// The image decoder's child process (decoder.ts spawns it with plain `node`: no tsx, so it starts in ~150 ms).
// argv: the path of sharp's entry, then JSON parameters. Only the libvips loader for the sniffed type is unblocked;
// dimensions are re-checked; the square PNG goes to stdout, or a JSON { stage, message } to stderr with exit code 3.
const sharp = require(process.argv[2]);
const p = JSON.parse(process.argv[3]);
sharp.cache(false);
sharp.concurrency(1);
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({ operation: [p.loader] });
const fail = (stage, message) => {
  process.stderr.write(JSON.stringify({ stage, message: String(message) }));
  process.exitCode = 3;
};
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const input = Buffer.concat(chunks);
  const base = { limitInputPixels: p.maxPixels, failOn: 'error', autoOrient: true };
  let stage = 'metadata';
  try {
    const meta = await sharp(input, base).metadata();
    const w = (meta.autoOrient && meta.autoOrient.width) || meta.width;
    const h = (meta.autoOrient && meta.autoOrient.height) || meta.height;
    if (!w || !h) return fail('metadata', 'no dimensions');
    if (w > p.maxSide || h > p.maxSide) return fail('limits', w + ' x ' + h);
    const long = Math.max(w, h);
    const side = p.isSvg ? Math.min(p.maxOutput, Math.max(long, p.minSvgOutput)) : Math.min(p.maxOutput, long);
    const options = p.isSvg ? { ...base, density: (72 * side) / long } : base;
    stage = 'render';
    const png = await sharp(input, options)
      .resize(side, side, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .png()
      .toBuffer();
    process.stdout.write(png);
  } catch (err) {
    fail(stage, err && err.message ? err.message : err);
  }
});
