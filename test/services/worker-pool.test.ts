import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/services/worker-pool.js';
import { Budget, BusyError, runAsTenant } from '../../src/services/work-budget.js';

class Stopped extends Error {}

function spinPool(limits = { size: 1, perTenant: 1, queuedPerTenant: 1, memoryMb: 64 }, idleStopMs?: number) {
  return new WorkerPool({
    ...(idleStopMs !== undefined ? { idleStopMs } : {}),
    name: 'spinner',
    entry: new URL('../helpers/spin-worker.ts', import.meta.url),
    limits,
    hardLimitMs: 20_000,
    minRunMs: 100,
    busyMessage: 'busy',
  });
}

const jobOptions = (budgetMs: number, cpuLimitMs?: number) => ({
  budget: new Budget(budgetMs),
  tooSlow: (detail: string) => new Stopped(`too slow: ${detail}`),
  failed: (detail: string) => new Stopped(`failed: ${detail}`),
  ...(cpuLimitMs !== undefined ? { cpuLimitMs } : {}),
  onRequest: async (value: unknown) => ({ from: 'main', value }),
});

describe('worker pool for untrusted work', () => {
  it('stops its workers after a while without a job (their memory is returned) and starts them again for the next one', async () => {
    const pool = spinPool(undefined, 300);
    expect(pool.workerCount).toBe(0);
    expect(await pool.run({ spinMs: 1 }, jobOptions(30_000))).toEqual({ spun: 1 });
    expect(pool.workerCount).toBe(1);
    await expect.poll(() => pool.workerCount, { timeout: 5000 }).toBe(0);
    expect(await pool.run({ spinMs: 2 }, jobOptions(30_000))).toEqual({ spun: 2 });
  });

  it('stops a worker that spends more CPU than allowed, answers at once, and serves the next job with a fresh worker', async () => {
    const pool = spinPool();
    expect(await pool.run({ spinMs: 10 }, jobOptions(30_000))).toEqual({ spun: 10 }); // started and warm
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const started = performance.now();
    const stopped = await pool.run({ spinMs: 60_000 }, jobOptions(30_000, 500)).catch((err: unknown) => err);
    const ms = performance.now() - started;
    loop.disable();
    expect(stopped).toBeInstanceOf(Stopped);
    expect(String((stopped as Error).message)).toMatch(/failed: spinner used over 500 ms of CPU/);
    // A minute of spinning is cut short after half a second of CPU (generous bound for a loaded machine).
    expect(ms).toBeLessThan(5000);
    // The spinning happened off the event loop.
    expect(loop.max / 1e6).toBeLessThan(300);
    expect(await pool.run({ ask: 'ping' }, jobOptions(30_000))).toEqual({ echoed: { from: 'main', value: 'ping' } });
  });

  it('answers "too slow" when the budget runs out while the worker keeps its slot until it finishes', async () => {
    const pool = spinPool();
    await pool.run({ spinMs: 1 }, jobOptions(30_000));
    const slow = await pool.run({ spinMs: 1500 }, jobOptions(300 + 200)).catch((err: unknown) => err);
    expect(String((slow as Error).message)).toMatch(/too slow/);
    expect(pool.slots.usage().active).toBe(1);
    await expect.poll(() => pool.slots.usage().active, { timeout: 5000 }).toBe(0);
  });

  it('gives one tenant at most its share and refuses its overflow as busy, while another tenant is served', async () => {
    const pool = spinPool({ size: 2, perTenant: 1, queuedPerTenant: 1, memoryMb: 64 });
    await Promise.all([pool.run({ spinMs: 1 }, jobOptions(30_000)), pool.run({ spinMs: 1 }, jobOptions(30_000))]);
    const noisy = () => ({ account: 'noisy', address: '192.0.2.1' });
    const quiet = () => ({ account: 'quiet', address: '192.0.2.2' });
    const running = runAsTenant(noisy, () => pool.run({ spinMs: 1500 }, jobOptions(30_000)));
    const queued = runAsTenant(noisy, () => pool.run({ spinMs: 10 }, jobOptions(30_000)));
    const overflow = await runAsTenant(noisy, () => pool.run({ spinMs: 10 }, jobOptions(30_000))).catch((err: unknown) => err);
    expect(overflow).toBeInstanceOf(BusyError);
    const started = performance.now();
    expect(await runAsTenant(quiet, () => pool.run({ spinMs: 10 }, jobOptions(30_000)))).toEqual({ spun: 10 });
    // Served by the second worker while the noisy tenant's first job still runs.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await running).toEqual({ spun: 1500 });
    expect(await queued).toEqual({ spun: 10 });
  });
});
