// eddsa-rdfc-2022 Data Integrity proofs with the Digital Bazaar libraries (openbadges-spec.md §4.3). No I/O: the
// key, the time and the document loader come in as arguments.
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { BitstringStatusList } from '@digitalbazaar/vc-bitstring-status-list';
import { createDocumentLoader, type DocumentLoader } from './document-loader.js';

export type SigningKey = Ed25519Multikey.Ed25519KeyPair;

/** The Multikey for a 32-byte Ed25519 seed; `id` is the verification method URL the proof will name. */
export function signingKeyFromSeed(seed: Uint8Array, id: string, controller: string): Promise<SigningKey> {
  return Ed25519Multikey.generate({ seed, id, controller });
}

/** A Multikey from its JSON form (`publicKeyMultibase`, and `secretKeyMultibase` to sign). */
export function signingKeyFrom(multikey: object): Promise<SigningKey> {
  return Ed25519Multikey.from(multikey);
}

/**
 * Returns `document` with a DataIntegrityProof (eddsa-rdfc-2022, proofPurpose assertionMethod) made at `created`.
 * Canonicalisation (RDFC-1.0) runs in JSON-LD safe mode, so a term no context defines is an error, never dropped.
 * `proof` is an array of one: the OB 3.0 JSON Schemas want every collection as an array (spec appendix A.1), and
 * to JSON-LD, so to every Data Integrity verifier, one proof and an array holding it are the same.
 */
export async function signCredential<T extends object>(
  document: T,
  options: { key: SigningKey; created: Date | string; documentLoader?: DocumentLoader },
): Promise<T & { proof: Record<string, unknown>[] }> {
  const suite = new DataIntegrityProof({ signer: options.key.signer(), date: options.created, cryptosuite });
  const signed = (await vc.issue({
    credential: structuredClone(document),
    suite,
    documentLoader: options.documentLoader ?? createDocumentLoader(),
  })) as T & { proof: Record<string, unknown> | Record<string, unknown>[] };
  return { ...signed, proof: [signed.proof].flat() };
}

/** Spec minimum (Bitstring Status List §privacy): 16 KiB of bits, so a list reveals little about any one holder. */
export const MIN_STATUS_LIST_LENGTH = 131_072;

/** The `encodedList` for a revocation list with the given positions set; it grows in whole minimum-size steps. */
export async function encodeStatusList(revoked: number[], allocated: number): Promise<{ encodedList: string; length: number }> {
  const length = Math.max(1, Math.ceil(Math.max(allocated, ...revoked.map((i) => i + 1)) / MIN_STATUS_LIST_LENGTH)) * MIN_STATUS_LIST_LENGTH;
  const list = new BitstringStatusList({ length });
  for (const index of revoked) list.setStatus(index, true);
  return { encodedList: await list.encode(), length };
}
