import type { CliIo } from '../../src/cli-verify.js';
import type { VerificationReport } from '../../src/openbadges/verify/types.js';

/** The ids of the checks that failed. */
export const failing = (report: VerificationReport) => report.checks.filter((c) => c.outcome === 'fail').map((c) => c.id);

/** Every check that did not pass, with its message and detail, for readable assertion failures. */
export const notPassing = (report: VerificationReport) =>
  report.checks.filter((c) => c.outcome !== 'pass').map((c) => `${c.id}: ${c.message} (${c.detail})`);

/** A CLI io that records stdout and stderr. */
export function captureIo(env: NodeJS.ProcessEnv): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', env, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}
