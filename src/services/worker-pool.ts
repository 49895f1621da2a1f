// Worker threads for work on untrusted input that must not run on the event loop (the SVG sanitiser, the verifier).
// One job per worker at a time. A job is answered within its budget; a worker that overruns its hard limit, or spends
// more CPU than allowed, is stopped and replaced, since starting one costs about a second.
import { Worker } from 'node:worker_threads';
import { Budget, currentTenant, TenantSlots, type PoolLimits } from './work-budget.js';

/** Worker → pool: a job's answer, or a request the pool answers for it (the verifier's fetches). */
export type FromWorker = 'ready' | { kind: 'answer'; value: unknown } | { kind: 'request'; id: number; value: unknown };
/** Pool → worker. */
export type ToWorker = { kind: 'job'; value: unknown } | { kind: 'reply'; id: number; value: unknown };

export interface WorkerPoolOptions {
  name: string;
  /** The worker's module (TypeScript, run through tsx). */
  entry: URL;
  /** From WORK_LIMITS: `startAtBoot` pools start with the server (startWorkerPoolsAtBoot), the others on first use. */
  limits: PoolLimits & { memoryMb: number; startAtBoot?: boolean };
  /** A worker still busy this long after its job started is stopped, whether or not anyone still waits for it. */
  hardLimitMs: number;
  /** With less budget than this left when a worker is free, the job is not started. */
  minRunMs: number;
  /** Messages for the person asking. */
  busyMessage: string;
  /** Workers stop after this long without a job (default IDLE_STOP_MS). */
  idleStopMs?: number;
}

export interface JobOptions {
  budget: Budget;
  /** The error for a job whose budget runs out (waiting or running). */
  tooSlow: (detail: string) => Error;
  /** The error for a worker that died or overran its hard or CPU limit. */
  failed: (detail: string) => Error;
  /** Stops the worker when it has spent this much CPU time on the job. */
  cpuLimitMs?: number;
  /** Answers the worker's requests during the job. */
  onRequest?: (value: unknown) => Promise<unknown>;
}

const pools: WorkerPool[] = [];

/** Starts the workers of every pool marked `startAtBoot` in WORK_LIMITS, so the first job does not wait for them. */
export function startWorkerPoolsAtBoot(): void {
  for (const pool of pools) if (pool.startsAtBoot) pool.start();
}

/** A pool with no job for this long stops its workers (each holds tens of MB); the next job starts them again. */
export const IDLE_STOP_MS = 60_000;

export class WorkerPool {
  readonly slots: TenantSlots;
  private started = false;
  private readonly spares: Array<Promise<Worker>> = [];
  private running = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: WorkerPoolOptions) {
    this.slots = new TenantSlots(options.name, options.limits, options.busyMessage);
    pools.push(this);
  }

  get startsAtBoot(): boolean {
    return this.options.limits.startAtBoot === true;
  }

  /** Starts every worker in the background (the server calls this at start); otherwise they start on first use. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.options.limits.size; i++) this.spares.push(this.startQuietly());
  }

  /** Runs one job for the current tenant, answered within `budget` (the worker may finish later, up to its hard limit). */
  async run(job: unknown, options: JobOptions): Promise<unknown> {
    this.running += 1;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    try {
      return await this.runJob(job, options);
    } finally {
      this.running -= 1;
      if (this.running === 0) {
        this.idleTimer = setTimeout(() => this.stopIdle(), this.options.idleStopMs ?? IDLE_STOP_MS);
        this.idleTimer.unref();
      }
    }
  }

  /** Workers started and not stopped (idle spares and busy ones). */
  get workerCount(): number {
    return this.spares.length + this.running;
  }

  /** Stops every spare worker once nothing has run for IDLE_STOP_MS. */
  private stopIdle(): void {
    this.idleTimer = null;
    if (this.running > 0) return;
    this.started = false;
    for (const spare of this.spares.splice(0)) spare.then((worker) => void worker.terminate(), () => {});
  }

  private async runJob(job: unknown, options: JobOptions): Promise<unknown> {
    this.start();
    const { budget } = options;
    const release = await this.slots.acquire(currentTenant(), budget, () => options.tooSlow(`no ${this.options.name} free in time`));
    let answer: Promise<unknown>;
    let deadlineMs: number;
    try {
      // A worker's start (once after boot, or after one was stopped) is Kiln's cost, not the job's.
      const startFrom = performance.now();
      const worker = await (this.spares.pop() ?? this.startWorker()).catch((err: unknown) => {
        this.spares.push(this.startQuietly());
        throw err;
      });
      budget.forgive(performance.now() - startFrom);
      deadlineMs = budget.remainingMs();
      if (deadlineMs < this.options.minRunMs) {
        this.spares.push(Promise.resolve(worker));
        throw options.tooSlow(`only ${Math.round(deadlineMs)} ms left, ${Math.round(budget.waitedMs)} ms spent waiting`);
      }
      answer = this.ask(worker, job, options);
      // The slot is this worker: it is free again when the worker answers, whenever that is.
      answer
        .then(
          () => this.spares.push(Promise.resolve(worker)),
          () => {
            void worker.terminate();
            this.spares.push(this.startQuietly());
          },
        )
        .finally(release);
    } catch (err) {
      release();
      throw err;
    }
    return withDeadline(answer, deadlineMs, () => options.tooSlow(`${this.options.name} took over ${Math.round(deadlineMs)} ms`));
  }

  /** A worker starting in the background: whoever takes it from the spares sees a failure to start. */
  private startQuietly(): Promise<Worker> {
    const starting = this.startWorker();
    starting.catch(() => {});
    return starting;
  }

  private startWorker(): Promise<Worker> {
    // Kiln runs its TypeScript through tsx; a worker starts bare (no inherited loaders), so it registers tsx itself.
    const source = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(this.options.entry.href)}); });`;
    const worker = new Worker(source, { eval: true, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: this.options.limits.memoryMb } });
    // An idle worker never keeps the process alive (tests, SIGTERM), and its failure is never an uncaught error.
    worker.unref();
    worker.on('error', () => {});
    return new Promise((resolve, reject) => {
      const failed = (err: unknown) => reject(err instanceof Error ? err : new Error(`${this.options.name} did not start: ${String(err)}`));
      worker.once('message', (message: unknown) => {
        worker.off('error', failed);
        worker.off('exit', failed);
        if (message === 'ready') resolve(worker);
        else failed(message);
      });
      worker.once('error', failed);
      worker.once('exit', failed);
    });
  }

  /** The worker's answer; rejects when the worker dies (out of memory: too complex) or overruns a limit. */
  private ask(worker: Worker, job: unknown, options: JobOptions): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const cpuAtStart = worker.performance.eventLoopUtilization();
      const settle = (fn: () => void) => {
        clearTimeout(hardLimit);
        if (cpuWatch) clearInterval(cpuWatch);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        fn();
      };
      const onMessage = (message: FromWorker) => {
        if (message === 'ready') return;
        if (message.kind === 'answer') {
          settle(() => resolve(message.value));
          return;
        }
        const { id } = message;
        const reply = options.onRequest ? options.onRequest(message.value) : Promise.reject(new Error('no requests expected'));
        reply.then(
          (value) => worker.postMessage({ kind: 'reply', id, value } satisfies ToWorker),
          (err: unknown) => worker.postMessage({ kind: 'reply', id, value: { failed: String(err) } } satisfies ToWorker),
        );
      };
      const onError = (err: Error) => settle(() => reject(options.failed(`${this.options.name} failed: ${err.message}`)));
      const onExit = (code: number) => settle(() => reject(options.failed(`${this.options.name} exited with ${code}`)));
      const hardLimit = setTimeout(
        () => settle(() => reject(options.failed(`${this.options.name} still busy after ${this.options.hardLimitMs} ms`))),
        this.options.hardLimitMs,
      );
      // The worker's own event-loop activity is its CPU time on this job (one job per worker).
      const { cpuLimitMs } = options;
      const cpuWatch =
        cpuLimitMs === undefined
          ? null
          : setInterval(() => {
              if (worker.performance.eventLoopUtilization(cpuAtStart).active > cpuLimitMs) {
                settle(() => reject(options.failed(`${this.options.name} used over ${cpuLimitMs} ms of CPU`)));
              }
            }, 50);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ kind: 'job', value: job } satisfies ToWorker);
    });
  }
}

function withDeadline<T>(work: Promise<T>, deadlineMs: number, tooSlow: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(tooSlow()), deadlineMs);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
