import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDocumentLoader,
  DocumentRefusedError,
  signCredential,
  signingKeyFrom,
  verifyCredential,
} from '../../../src/openbadges/ob3/index.js';
import { blockNetwork } from '../../helpers/no-network.js';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../fixtures/ob3', name), 'utf8')) as Record<string, any>;

const unsigned = fixture('unsigned.json');
const signed = fixture('signed.json');
const key = fixture('key.json');
const { secretKeyMultibase: _secret, ...publicKey } = key;
// The example's issuer publishes this one key; the loader holds its controller document, as a verifier would.
const controllerDocument = { id: key.controller, verificationMethod: [publicKey], assertionMethod: [key.id] };
const loader = createDocumentLoader(new Map([[key.controller, controllerDocument]]));
const now = new Date('2024-06-01T00:00:00Z');

describe('eddsa-rdfc-2022 signing (OB 3.0 implementation guide test vector)', () => {
  let network: ReturnType<typeof blockNetwork>;
  beforeAll(() => {
    network = blockNetwork();
  });
  afterAll(() => {
    network.restore();
    // Nothing tried to reach out: every context came from the bundle.
    expect(network.attempts).toEqual([]);
  });

  it('reproduces the published proofValue exactly', async () => {
    const result = await signCredential(unsigned, { key: await signingKeyFrom(key), created: signed.proof.created });

    expect(result.proof).toEqual([signed.proof]);
    expect(result.proof[0]!.proofValue).toBe('z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr');
  });

  it('verifies the published signed credential', async () => {
    const checks = await verifyCredential(signed, { documentLoader: loader, now });

    expect(checks.filter((c) => c.outcome === 'fail')).toEqual([]);
    expect(checks.find((c) => c.id === 'credential-proof')?.outcome).toBe('pass');
  });

  it('fails the signature once any field is changed', async () => {
    const tampered = structuredClone(signed);
    tampered.credentialSubject.achievement.name = 'Teamwork (gold)';

    const checks = await verifyCredential(tampered, { documentLoader: loader, now });

    expect(checks.find((c) => c.id === 'credential-proof')).toMatchObject({ outcome: 'fail', effect: 'invalid' });
  });

  it('refuses every URL that is not a bundled context or a document the caller holds', async () => {
    const bare = createDocumentLoader();

    await expect(bare('https://www.w3.org/ns/credentials/v2')).resolves.toMatchObject({ documentUrl: 'https://www.w3.org/ns/credentials/v2' });
    await expect(bare('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json')).resolves.toBeTruthy();
    await expect(bare('https://w3id.org/security/data-integrity/v2')).resolves.toBeTruthy();
    await expect(bare('https://www.w3.org/ns/credentials/status/v1')).resolves.toBeTruthy();
    await expect(bare('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json')).rejects.toBeInstanceOf(DocumentRefusedError);
    await expect(bare('https://www.w3.org/2018/credentials/v1')).rejects.toBeInstanceOf(DocumentRefusedError);
    await expect(bare(key.id)).rejects.toBeInstanceOf(DocumentRefusedError);
  });

  it('reports a credential whose key cannot be resolved as unverifiable, not valid', async () => {
    const checks = await verifyCredential(signed, { documentLoader: createDocumentLoader(), now });

    expect(checks.find((c) => c.id === 'key-controller')).toMatchObject({ outcome: 'fail', effect: 'unverifiable' });
  });
});
