// The decoding stage: every upload's pixels are decoded and re-encoded in a child process (libvips checks its own
// timeout only between tiles, and one SVG filter or long text run can take 20 s+), a few at a time, with each
// account and address limited to its share (WORK_LIMITS.imageDecoders).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import os from 'node:os';
import { currentTenant, TenantSlots, WORK_LIMITS, type Budget } from '../work-budget.js';
import { acquireSlot, ImageError, MAX_INPUT_PIXELS, MAX_SIDE, MESSAGES, timeLeft } from './errors.js';
import { mapSharpError } from './raster-checks.js';
import { PNG_SIGNATURE, type ImageType } from './sniff.js';

const MAX_OUTPUT_SIDE = 1024;
// Vectors rasterise losslessly, so a 24×24 viewBox is rendered at a useful size.
const MIN_SVG_OUTPUT_SIDE = 512;
// Starting node and sharp alone takes ~150 ms; less time than this left is hopeless.
const MIN_RENDER_MS = 300;
const MAX_RENDER_OUTPUT_BYTES = 16 * 1024 * 1024;
const CHILD_SCRIPT = fileURLToPath(new URL('./decoder-child.cjs', import.meta.url));

/** 10 for a tenant's only image; each more it has running or waiting lowers its renders' CPU weight, down to 19. */
const niceness = (tenantJobs: number) => Math.min(19, 10 + 3 * Math.max(0, tenantJobs - 1));

const LOADERS: Record<ImageType, string> = {
  png: 'VipsForeignLoadPngBuffer',
  jpeg: 'VipsForeignLoadJpegBuffer',
  webp: 'VipsForeignLoadWebpBuffer',
  svg: 'VipsForeignLoadSvgBuffer',
};

const sharpEntry = createRequire(import.meta.url).resolve('sharp');

const decoderSlots = new TenantSlots('image decoder', WORK_LIMITS.imageDecoders, MESSAGES.busy);

/** Decodes and re-encodes `input` in a child process, killed when the rest of the upload's budget runs out. */
export async function renderInSandbox(input: Buffer, type: ImageType, budget: Budget): Promise<Buffer> {
  const release = await acquireSlot(decoderSlots, budget);
  try {
    return await runSandbox(input, type, timeLeft(budget, MIN_RENDER_MS), niceness(decoderSlots.jobsOf(currentTenant())));
  } finally {
    release();
  }
}

function runSandbox(input: Buffer, type: ImageType, deadlineMs: number, niceness: number): Promise<Buffer> {
  const params = {
    loader: LOADERS[type],
    isSvg: type === 'svg',
    maxPixels: MAX_INPUT_PIXELS,
    maxSide: MAX_SIDE,
    maxOutput: MAX_OUTPUT_SIDE,
    minSvgOutput: MIN_SVG_OUTPUT_SIDE,
  };
  // Loaders such as tsx in NODE_OPTIONS would only slow the child down.
  const { NODE_OPTIONS: _unused, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD_SCRIPT, sharpEntry, JSON.stringify(params)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
    });
    // Rendering is background work: on a busy machine the server's own thread gets the CPU first, and a tenant with
    // many images under way gets less of it than one with a single image.
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, niceness);
      } catch {
        // Not permitted here (some containers): the render simply runs at normal priority.
      }
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let errText = '';
    let failure: ImageError | null = null;
    const stop = (reason: ImageError) => {
      failure ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => stop(new ImageError('image_too_complex', MESSAGES.tooSlow, `killed after ${Math.round(deadlineMs)} ms`)),
      deadlineMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_RENDER_OUTPUT_BYTES) stop(new ImageError('image_corrupt', MESSAGES.corrupt, 'output too large'));
      else out.push(chunk);
    });
    // The report is the last line; librsvg and GLib may write warnings before it, so only the tail is kept.
    child.stderr.on('data', (chunk: Buffer) => {
      errText = (errText + chunk.toString('utf8')).slice(-8192);
    });
    // If the child dies before reading its input, 'close' reports why.
    child.stdin.on('error', () => {});
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else if (code === 0) resolve(checkRenderOutput(Buffer.concat(out)));
      else reject(sandboxFailure(errText, code, signal));
    });
    child.stdin.end(input);
  });
}

function checkRenderOutput(png: Buffer): Buffer {
  if (png.length < 24 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new Error('Image sandbox exited without writing a PNG');
  }
  return png;
}

function sandboxFailure(stderr: string, code: number | null, signal: NodeJS.Signals | null): Error {
  let report: { stage?: string; message?: string } | null = null;
  try {
    report = JSON.parse(stderr.trimEnd().split('\n').pop() ?? '') as { stage?: string; message?: string };
  } catch {
    // Not our report: the child crashed in native code, or could not start at all.
  }
  if (report?.stage === 'limits') return new ImageError('image_too_large', MESSAGES.tooManyPixels, report.message);
  if (report) return mapSharpError(new Error(report.message));
  if (signal) return new ImageError('image_corrupt', MESSAGES.corrupt, `decoder died: ${signal}`);
  // Exit code 1 with free text is Node itself failing (e.g. sharp not loadable): a server fault.
  return new Error(`Image sandbox failed (exit ${code}): ${stderr.slice(0, 500)}`);
}
