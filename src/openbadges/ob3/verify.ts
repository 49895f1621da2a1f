// Verifying an Open Badges 3.0 credential with an embedded eddsa-rdfc-2022 proof (openbadges-spec.md §4.3, §4.4).
// No I/O of its own: documents come through the caller's loader and status-list fetcher, the time through `now`.
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import { recipientMatches } from '../recipient.js';
import { DocumentRefusedError, VC_V2_CONTEXT, type DocumentLoader } from './document-loader.js';

/** The verifier's check shape; a failing check names its effect on the verdict, as src/openbadges/verify does. */
export interface CredentialCheck {
  id: string;
  outcome: 'pass' | 'warning' | 'fail';
  message: string;
  detail: string;
  effect?: 'revoked' | 'invalid' | 'expired' | 'not-yet-valid' | 'unverifiable';
}

export interface VerifyCredentialOptions {
  /** Bundled contexts plus the issuer's controller document (see createDocumentLoader); nothing else is loaded. */
  documentLoader: DocumentLoader;
  /** Fetches a BitstringStatusListCredential by URL; without it the status cannot be checked. */
  fetchStatusList?: (url: string) => Promise<unknown>;
  now: Date;
  /** When given, the credential must name this email as its (hashed) recipient. */
  recipientEmail?: string;
}

const OB3_CONTEXT_PATTERN = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d+\.\d+)?\.json$/;
const CREDENTIAL_TYPES = ['OpenBadgeCredential', 'AchievementCredential'];
const ENDORSEMENT_TYPE = 'EndorsementCredential';

/** An EndorsementCredential is an issuer's claim about a badge, issuer or award, not a badge: it has no recipient. */
export const isEndorsementCredential = (credential: unknown): boolean =>
  isObject(credential) && asArray(credential.type).includes(ENDORSEMENT_TYPE) && !asArray(credential.type).some((t) => CREDENTIAL_TYPES.includes(String(t)));

type Json = Record<string, unknown>;
type Problem = { effect: NonNullable<CredentialCheck['effect']>; message: string; detail: string };

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const idOf = (v: unknown): string | null => (typeof v === 'string' ? v : isObject(v) && typeof v.id === 'string' ? v.id : null);

/** Every check, in order; the credential is genuine when none fails. */
export async function verifyCredential(credential: unknown, options: VerifyCredentialOptions): Promise<CredentialCheck[]> {
  const checks: CredentialCheck[] = [];
  const pass = (id: string, message: string, detail = '') => checks.push({ id, outcome: 'pass', message, detail });
  const fail = (id: string, p: Problem) => checks.push({ id, outcome: 'fail', ...p });

  const shape = shapeProblem(credential);
  if (shape || !isObject(credential)) {
    fail('credential-format', shape ?? { effect: 'invalid', message: 'This is not an Open Badges 3.0 credential.', detail: '' });
    return checks;
  }
  const endorsement = isEndorsementCredential(credential);
  pass('credential-format', 'This is an Open Badges 3.0 credential.', String(credential.id ?? ''));
  if (endorsement) {
    const about = idOf(credential.credentialSubject);
    pass('endorsement', `This is an endorsement, not a badge award: its issuer vouches for ${about}.`, `EndorsementCredential about ${about}`);
  }
  const issuerId = idOf(credential.issuer)!;

  const proof = await proofProblem(credential, issuerId, options.documentLoader);
  if (proof) fail(proof.check, proof);
  else pass('credential-proof', "The issuer's signature is valid and made with a key the issuer publishes.", issuerId);

  const now = options.now.getTime();
  const validFrom = Date.parse(String(credential.validFrom));
  const validUntil = credential.validUntil === undefined ? null : Date.parse(String(credential.validUntil));
  if (validFrom > now) {
    fail('validity', { effect: 'not-yet-valid', message: 'This credential is not valid yet.', detail: `validFrom ${String(credential.validFrom)}` });
  } else if (validUntil !== null && !(validUntil > now)) {
    fail('validity', { effect: 'expired', message: 'This credential has expired.', detail: `validUntil ${String(credential.validUntil)}` });
  } else {
    pass('validity', 'The credential is within its validity period.');
  }

  await checkRevocation(credential, issuerId, options, checks);

  if (options.recipientEmail !== undefined && endorsement) {
    checks.push({ id: 'recipient', outcome: 'warning', message: 'An endorsement is not issued to a person, so there is no recipient to compare with the email address you gave.', detail: '' });
  } else if (options.recipientEmail !== undefined) {
    const subject = credential.credentialSubject as Json;
    const matches = asArray(subject.identifier).some(
      (entry) =>
        isObject(entry) &&
        entry.identityType === 'emailAddress' &&
        typeof entry.identityHash === 'string' &&
        recipientMatches(
          { type: 'email', identity: entry.identityHash, hashed: entry.hashed === true, ...(typeof entry.salt === 'string' ? { salt: entry.salt } : {}) },
          options.recipientEmail!,
        ),
    );
    if (matches) pass('recipient', 'The credential was issued to the email address you gave.');
    else fail('recipient', { effect: 'invalid', message: 'The credential was not issued to the email address you gave.', detail: '' });
  }
  return checks;
}

function shapeProblem(credential: unknown): Problem | null {
  const invalid = (message: string, detail = ''): Problem => ({ effect: 'invalid', message, detail });
  if (!isObject(credential)) return invalid('This is not a credential: it is not a JSON object.');
  const contexts = asArray(credential['@context']);
  if (contexts[0] !== VC_V2_CONTEXT || typeof contexts[1] !== 'string' || !OB3_CONTEXT_PATTERN.test(contexts[1])) {
    return invalid('The credential does not start with the Verifiable Credentials 2.0 and Open Badges 3.0 contexts.', JSON.stringify(contexts).slice(0, 300));
  }
  const types = asArray(credential.type);
  if (!types.includes('VerifiableCredential') || !types.some((t) => CREDENTIAL_TYPES.includes(String(t)) || t === ENDORSEMENT_TYPE)) {
    return invalid('The credential is not typed as an OpenBadgeCredential or an EndorsementCredential.', JSON.stringify(types));
  }
  if (!idOf(credential.issuer)) return invalid('The credential names no issuer.');
  const subject = credential.credentialSubject;
  if (isEndorsementCredential(credential)) {
    // EndorsementSubject: the id of what is endorsed (§B.1 EndorsementSubject); there is no achievement or recipient.
    if (!isObject(subject) || typeof subject.id !== 'string') return invalid('The endorsement does not say what it endorses.');
  } else {
    if (!isObject(subject) || !isObject(subject.achievement)) return invalid('The credential names no achievement.');
    if (subject.id === undefined && asArray(subject.identifier).length === 0) return invalid('The credential names no recipient.');
  }
  if (Number.isNaN(Date.parse(String(credential.validFrom)))) return invalid('The credential has no valid validFrom date.');
  return null;
}

/** Key provenance (the key's controller is the issuer and lists the key for assertions), then the signature. */
async function proofProblem(document: Json, issuerId: string, loader: DocumentLoader): Promise<(Problem & { check: string }) | null> {
  const proofs = asArray(document.proof).filter(isObject);
  const proof = proofs.find((p) => p.type === 'DataIntegrityProof' && p.cryptosuite === 'eddsa-rdfc-2022');
  if (!proof) {
    return { check: 'credential-proof', effect: 'invalid', message: 'The credential carries no eddsa-rdfc-2022 signature.', detail: JSON.stringify(proofs.map((p) => p.type)) };
  }
  const methodId = idOf(proof.verificationMethod);
  if (!methodId) return { check: 'key-controller', effect: 'invalid', message: 'The signature names no key.', detail: '' };
  let method: unknown;
  let controller: unknown;
  try {
    method = (await loader(methodId)).document;
    const controllerId = isObject(method) ? idOf(method.controller) : null;
    if (controllerId !== issuerId) {
      return { check: 'key-controller', effect: 'invalid', message: 'The signing key does not belong to the issuer.', detail: `Key controller ${String(controllerId)} does not match issuer ${issuerId}` };
    }
    controller = (await loader(controllerId)).document;
  } catch (err) {
    return { check: 'key-controller', effect: 'unverifiable', message: "The issuer's signing key could not be retrieved.", detail: errorText(err) };
  }
  if (!isObject(controller) || controller.id !== issuerId || !asArray(controller.assertionMethod).some((m) => idOf(m) === methodId)) {
    return { check: 'key-controller', effect: 'invalid', message: 'The issuer does not list the signing key for issuing credentials.', detail: methodId };
  }
  const result = await vc.verifyCredential({
    credential: document,
    suite: new DataIntegrityProof({ cryptosuite }),
    documentLoader: loader,
    // The controller document was checked above; handing it over spares the library a JSON-LD frame of it.
    controller,
    // Status and the validity window are checks of their own; here only the signature is in question.
    checkStatus: async () => ({ verified: true }),
    now: new Date(String(document.validFrom)),
  });
  if (result.verified) return null;
  const error = firstError(result);
  if (hasCause(error, DocumentRefusedError)) {
    return { check: 'credential-proof', effect: 'unverifiable', message: 'The credential uses a JSON-LD context Kiln does not know, so its signature cannot be checked.', detail: errorText(error) };
  }
  return { check: 'credential-proof', effect: 'invalid', message: 'The signature does not match the credential: it was changed after signing or signed with another key.', detail: errorText(error) };
}

async function checkRevocation(credential: Json, issuerId: string, options: VerifyCredentialOptions, checks: CredentialCheck[]) {
  const statuses = asArray(credential.credentialStatus).filter(isObject);
  if (statuses.length === 0) {
    checks.push({ id: 'revocation', outcome: 'warning', message: 'The issuer publishes no revocation status for this credential.', detail: '' });
    return;
  }
  const entry = statuses.find((s) => s.type === 'BitstringStatusListEntry' && s.statusPurpose === 'revocation');
  if (!entry || typeof entry.statusListCredential !== 'string') {
    checks.push({ id: 'revocation', outcome: 'warning', message: 'The credential uses a status method Kiln does not check.', detail: JSON.stringify(statuses.map((s) => s.type)) });
    return;
  }
  const url = entry.statusListCredential;
  const fail = (p: Problem) => checks.push({ id: 'revocation', outcome: 'fail', ...p });
  if (!options.fetchStatusList) return fail({ effect: 'unverifiable', message: 'The revocation list could not be checked.', detail: url });
  let list: unknown;
  try {
    list = await options.fetchStatusList(url);
  } catch (err) {
    return fail({ effect: 'unverifiable', message: 'The revocation list could not be retrieved.', detail: `${url}: ${errorText(err)}` });
  }
  if (!isObject(list) || list.id !== url || idOf(list.issuer) !== issuerId) {
    return fail({ effect: 'invalid', message: 'The revocation list was not published by the issuer.', detail: url });
  }
  const listProof = await proofProblem(list, issuerId, options.documentLoader);
  if (listProof) return fail({ ...listProof, effect: listProof.effect === 'invalid' ? 'invalid' : 'unverifiable', message: `The revocation list's signature is not valid: ${listProof.message}` });
  const status = await checkStatus({
    credential,
    documentLoader: async (u) => {
      if (u !== url) throw new DocumentRefusedError(u);
      return { contextUrl: null, documentUrl: u, document: structuredClone(list) };
    },
    verifyBitstringStatusListCredential: false,
    verifyMatchingIssuers: true,
  });
  if (!status.verified) return fail({ effect: 'unverifiable', message: 'The revocation list could not be read.', detail: errorText(status.error) });
  if (status.results?.some((r) => r.status)) {
    return fail({ effect: 'revoked', message: 'The issuer has revoked this credential.', detail: `${url} index ${String(entry.statusListIndex)}` });
  }
  checks.push({ id: 'revocation', outcome: 'pass', message: 'The issuer has not revoked this credential.', detail: url });
}

function firstError(result: { error?: unknown; results?: Array<{ error?: unknown }> }): unknown {
  const nested = result.error as { errors?: unknown[] } | undefined;
  return nested?.errors?.[0] ?? result.results?.find((r) => r.error)?.error ?? result.error;
}

/** Errors wrap their causes as `cause` (Error) or `details.cause` (jsonld). */
const causeOf = (e: unknown): unknown => (e as { cause?: unknown }).cause ?? (e as { details?: { cause?: unknown } }).details?.cause;

function hasCause(err: unknown, type: new (...args: never[]) => Error): boolean {
  for (let e = err, depth = 0; e && depth < 6; e = causeOf(e), depth++) {
    if (e instanceof type) return true;
  }
  return false;
}

/** The message chain, outermost first, so the root cause (e.g. the refused URL) is visible. */
function errorText(err: unknown): string {
  const messages: string[] = [];
  for (let e = err, depth = 0; e && depth < 6; e = causeOf(e), depth++) messages.push(e instanceof Error ? e.message : String(e));
  return messages.join(' ← ').slice(0, 500);
}
