// The budgets and quotas of expensive work on untrusted input: image decoding and sanitising, designer renders, bulk
// imports and badge verification. Every such job has a time budget that its queueing is charged to, and takes a slot
// from a small pool in which one account or one client address holds at most its share, so a noisy tenant waits (or
// hears "busy") while everyone else keeps being served. Pool sizes and start-up live in WORK_LIMITS, in one place.
import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from '../errors.js';

export interface PoolLimits {
  /** Jobs running at once, site-wide (worker threads or child processes for the pools that have them). */
  size: number;
  /** Of those, at most this many for one account or one client address. */
  perTenant: number;
  /** Jobs one account or address may have waiting; one more is refused at once as "busy". */
  queuedPerTenant: number;
}

/**
 * Every pool of expensive work. `startAtBoot` pools start their workers when the server starts (about a second each),
 * the others on first use; tune memory against latency here. Worker threads cost about 115 MB each (jsdom, the
 * verifier's libraries), so none starts at boot: an idle server stays small, the first upload or check after start
 * (or after IDLE_STOP_MS without one, src/services/worker-pool.ts) waits about a second, outside its time budget.
 */
export const WORK_LIMITS = {
  /** The decoder child processes: each may hold ~100 MB of pixels. */
  imageDecoders: { size: 2, perTenant: 1, queuedPerTenant: 4 },
  /** The SVG sanitiser's worker threads (jsdom). */
  svgSanitisers: { size: 2, perTenant: 1, queuedPerTenant: 4, memoryMb: 256, startAtBoot: false },
  /** The verifier's worker threads, which run the whole pipeline on untrusted badges. */
  verifiers: { size: 2, perTenant: 1, queuedPerTenant: 4, memoryMb: 256, startAtBoot: false },
  /** Designer renders (sharp in process, on libuv's pool of 4 threads). */
  designerRenders: { size: 2, perTenant: 1, queuedPerTenant: 4 },
  /** Bulk CSV imports: parsed and awarded in chunks that yield to the event loop. */
  bulkImports: { size: 2, perTenant: 1, queuedPerTenant: 8 },
} as const satisfies Record<string, PoolLimits & { memoryMb?: number; startAtBoot?: boolean }>;

/** Wall-clock budgets (ms). Waiting for a slot is charged, so a burst is answered within them, some with "busy". */
export const TIME_BUDGETS = {
  /** Hostile images must be refused within 2 s; 1.5 s leaves room for stopping the decoder and answering. */
  image: 1500,
  /** A verification fetches up to 12 documents, each within 5 s; beyond this the check is abandoned. */
  verification: 20_000,
  /** CPU a verification may spend in its worker before the worker is stopped: no honest badge needs it. */
  verificationCpu: 3000,
  /** Renders and imports are Kiln's own bounded work: these only bound how long one waits for a slot. */
  designerRender: 5000,
  bulkImport: 60_000,
} as const;

/** Who is asking: the signed-in account (or API token's user) and the client address, whichever are known. */
export interface Tenant {
  account: string | null;
  address: string | null;
}

const tenants = new AsyncLocalStorage<() => Tenant>();

/** Runs `fn` (a request's handling) with `tenant` read on demand, since the account is known only after auth. */
export function runAsTenant<T>(tenant: () => Tenant, fn: () => T): T {
  return tenants.run(tenant, fn);
}

/** The tenant of the request being handled; work started outside a request (CLI, tests) shares one anonymous tenant. */
export function currentTenant(): Tenant {
  return tenants.getStore()?.() ?? { account: null, address: null };
}

const keysOf = (tenant: Tenant) => [
  ...(tenant.account ? [`account:${tenant.account}`] : []),
  ...(tenant.address ? [`address:${tenant.address}`] : []),
  ...(!tenant.account && !tenant.address ? ['anonymous'] : []),
];

/** Refused at once: the site, or this tenant's share of it, is full. `message` is for the person asking. */
export class BusyError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'BusyError';
  }
}

/** One job's wall-clock budget; `waitedMs` is the part spent queueing behind other jobs. */
export class Budget {
  readonly started = performance.now();
  waitedMs = 0;
  /** Time not charged to the job (a worker's first start is Kiln's cost, not the upload's). */
  private forgivenMs = 0;
  private waitingSince: number | null = null;

  constructor(readonly totalMs: number) {}

  elapsedMs(): number {
    return performance.now() - this.started - this.forgivenMs;
  }

  remainingMs(): number {
    return this.totalMs - this.elapsedMs();
  }

  forgive(ms: number): void {
    this.forgivenMs += ms;
  }

  /** Whether most of the budget went on waiting for others (so far, a wait still under way included). */
  mostlyWaited(): boolean {
    const current = this.waitingSince === null ? 0 : performance.now() - this.waitingSince;
    return this.waitedMs + current > this.totalMs / 2;
  }

  /** Waits for `slot`, charging the time to the budget. */
  async waitFor<T>(slot: Promise<T>): Promise<T> {
    const from = performance.now();
    this.waitingSince = from;
    try {
      return await slot;
    } finally {
      this.waitingSince = null;
      this.waitedMs += performance.now() - from;
    }
  }
}

interface Waiter {
  keys: string[];
  grant: () => void;
}

/**
 * A pool of `size` slots shared fairly: a tenant (each of its keys: account and address) holds at most `perTenant`
 * slots and queues at most `queuedPerTenant` jobs. A freed slot goes to the oldest waiter still under its share,
 * so a tenant flooding the queue never delays the others by more than one job.
 */
export class TenantSlots {
  private active = 0;
  private readonly held = new Map<string, number>();
  private readonly queued = new Map<string, number>();
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly name: string,
    readonly limits: PoolLimits,
    private readonly busyMessage: string,
  ) {}

  /** Resolves with a release function once the tenant has a slot; rejects with BusyError, or when `budget` runs out. */
  acquire(tenant: Tenant, budget: Budget, budgetError: () => Error): Promise<() => void> {
    const keys = keysOf(tenant);
    if (this.canRun(keys)) return Promise.resolve(this.take(keys));
    const full = keys.find((k) => (this.queued.get(k) ?? 0) >= this.limits.queuedPerTenant);
    if (full) {
      return Promise.reject(new BusyError(this.busyMessage, `${this.name}: ${full} already has ${this.limits.queuedPerTenant} jobs waiting`));
    }
    return budget.waitFor(
      new Promise<() => void>((resolve, reject) => {
        const waiter: Waiter = {
          keys,
          grant: () => {
            clearTimeout(timer);
            this.unqueue(keys);
            resolve(this.take(keys));
          },
        };
        // Waiting past the budget is pointless: the answer would come too late anyway.
        const timer = setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          this.unqueue(keys);
          reject(budgetError());
        }, Math.max(0, budget.remainingMs()));
        for (const k of keys) this.queued.set(k, (this.queued.get(k) ?? 0) + 1);
        this.waiting.push(waiter);
      }),
    );
  }

  /** The tenant's jobs here, running or waiting (the most of any of its keys). */
  jobsOf(tenant: Tenant): number {
    return Math.max(...keysOf(tenant).map((k) => (this.held.get(k) ?? 0) + (this.queued.get(k) ?? 0)));
  }

  /** Slots in use and jobs waiting, for tests and figures. */
  usage(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  private canRun(keys: string[]): boolean {
    return this.active < this.limits.size && keys.every((k) => (this.held.get(k) ?? 0) < this.limits.perTenant);
  }

  private take(keys: string[]): () => void {
    this.active++;
    for (const k of keys) this.held.set(k, (this.held.get(k) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      for (const k of keys) {
        const n = (this.held.get(k) ?? 1) - 1;
        if (n === 0) this.held.delete(k);
        else this.held.set(k, n);
      }
      this.grantNext();
    };
  }

  private unqueue(keys: string[]): void {
    for (const k of keys) {
      const n = (this.queued.get(k) ?? 1) - 1;
      if (n === 0) this.queued.delete(k);
      else this.queued.set(k, n);
    }
  }

  private grantNext(): void {
    const at = this.waiting.findIndex((w) => this.canRun(w.keys));
    if (at < 0) return;
    const [next] = this.waiting.splice(at, 1);
    next!.grant();
  }
}

/**
 * Runs `work` holding one of `slots` for the current tenant: 429 when the tenant's share is full, 503 when no slot
 * frees within `budgetMs`. For work that answers with the API's errors (designer renders, bulk imports).
 */
export async function withTenantSlot<T>(slots: TenantSlots, budgetMs: number, work: () => Promise<T>): Promise<T> {
  const budget = new Budget(budgetMs);
  let release: () => void;
  try {
    release = await slots.acquire(currentTenant(), budget, () => new AppError(503, 'busy', 'Kiln is busy just now. Please try again in a minute.'));
  } catch (err) {
    if (err instanceof BusyError) throw new AppError(429, 'too_many_jobs', err.message);
    throw err;
  }
  try {
    return await work();
  } finally {
    release();
  }
}
