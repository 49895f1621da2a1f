import type { Fetcher, VerificationResult } from '../openbadges/verify/types.js';
import { createSafeFetch, type LocalFetch, type LookupFn } from './safe-fetch.js';
import { verifyInWorker } from './verifier-pool.js';

export interface VerifierDeps {
  /** Config.allowPrivateNetworks. */
  allowPrivateNetworks: boolean;
  /** Answers URLs under our own PUBLIC_URL without the network (see `inProcessFetch` in web/verify.ts). */
  local?: LocalFetch;
  now?: () => Date;
  /** Replaces the safe fetcher entirely (tests). */
  fetch?: Fetcher;
  /** DNS for the safe fetcher (tests). */
  lookup?: LookupFn;
  isAllowedAddress?: (address: string) => boolean;
}

export interface VerifyRequest {
  /** A baked PNG/SVG (or an uploaded text file), or text: a URL, assertion JSON or a compact JWS. */
  source: Buffer | string;
  email?: string | null;
}

export interface VerifierService {
  verify(request: VerifyRequest): Promise<VerificationResult>;
}

/** The verification use case: the pure pipeline in a worker thread (verifier-pool.ts), given the SSRF-safe fetcher and the clock. */
export function verifierService(deps: VerifierDeps): VerifierService {
  const fetch =
    deps.fetch ??
    createSafeFetch({
      allowPrivateNetworks: deps.allowPrivateNetworks,
      local: deps.local,
      lookup: deps.lookup,
      isAllowedAddress: deps.isAllowedAddress,
    });
  const now = deps.now ?? (() => new Date());
  return {
    verify({ source, email }) {
      return verifyInWorker({ source, now: now(), email: email ?? null }, fetch);
    },
  };
}
