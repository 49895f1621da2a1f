// Verifies any Open Badges 2.0 badge the way openbadges-spec.md §1.12, §2 and §5 describe, plus the revocation
// checks the 1EdTech validator misses. Pure: fetching and the clock come in through `options`.
import { normaliseEmail, recipientMatches } from '../recipient.js';
import { classifyText, detectInput, isPng, looksLikeSvg, unbake, type BadgeText, type ImageFormat } from './input.js';
import {
  authorityOf,
  describeValue,
  differingProperties,
  idOf,
  isHttpUrl,
  isObject,
  parseDateTime,
  parseJson,
  single,
  valuesOf,
  type Json,
  type JsonObject,
} from './json.js';
import { decodeJws, verifyRs256, type DecodedJws } from './jws.js';
import {
  assertionProblems,
  badgeClassProblems,
  profileProblems,
  revocationListProblems,
  verificationKind,
  type Problem,
} from './properties.js';
import { CheckLog } from './report.js';
import { FetchError, type FetchResult, type Fetcher, type VerificationResult } from './types.js';

export interface VerifyOptions {
  fetch: Fetcher;
  now: Date;
  /** When given, the recipient check compares it (trimmed, lower-cased) with the assertion's recipient. */
  email?: string | null;
  /** Upper bound on GETs for one verification, so a hostile issuer cannot keep us busy. */
  maxFetches?: number;
}

const DEFAULT_MAX_FETCHES = 12;
// Servers' clocks differ a little; a badge issued a few seconds "in the future" is not a forgery.
const CLOCK_SKEW_MS = 60_000;
const IMAGE_TYPES = new Set(['image/png', 'image/svg+xml']);
const DATA_URI = /^data:([^;,]+)?((?:;[^;,]*)*?)(;base64)?,/i;
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 410: 'Gone', 429: 'Too Many Requests', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

type VerificationMode = { kind: 'hosted' } | { kind: 'signed'; jws: DecodedJws };

interface Linked {
  doc: JsonObject;
  /** True when the document came from its own URL rather than from a copy embedded in another. */
  hosted: boolean;
}

/** Runs every check it can and always returns a report; unexpected errors become an "unverifiable" check. */
export async function verifyBadge(source: Buffer | string, options: VerifyOptions): Promise<VerificationResult> {
  const run = new Run(options);
  try {
    await verifySource(run, source);
  } catch (err) {
    run.log.fail('internal', 'unverifiable', 'Kiln could not finish checking this badge. Please try again later.', describeError(err));
  }
  return { report: run.log.report(options.now), badgeImage: run.badgeImage, badgeText: run.badgeText };
}

class Run {
  readonly log = new CheckLog();
  badgeImage: string | null = null;
  badgeText: string | null = null;
  private fetchesLeft: number;

  constructor(readonly options: VerifyOptions) {
    this.fetchesLeft = options.maxFetches ?? DEFAULT_MAX_FETCHES;
  }

  get now(): Date {
    return this.options.now;
  }

  /** A GET through the injected fetcher; every failure arrives as a FetchError. */
  async get(url: string): Promise<FetchResult> {
    if (this.fetchesLeft <= 0) {
      throw new FetchError('too_many_requests', 'the badge needed more look-ups than Kiln allows for one check', `fetch budget exhausted before ${url}`);
    }
    this.fetchesLeft -= 1;
    try {
      return await this.options.fetch(url);
    } catch (err) {
      if (err instanceof FetchError) throw err;
      throw new FetchError('network', 'the website could not be reached', describeError(err));
    }
  }
}

// ---- Where the badge is: input, unbaking, hosted URL, signed badge ----

async function verifySource(run: Run, source: Buffer | string): Promise<void> {
  const detected = detectInput(source);
  if (detected.kind === 'unknown') {
    run.log.fail(
      'input',
      'unverifiable',
      "This isn't something Kiln recognises as a badge. Upload the badge image (PNG or SVG), or paste the badge's web address or its data.",
      detected.detail,
    );
    return;
  }
  if (detected.kind === 'image') {
    run.log.pass('input', `Received a badge image (${detected.format.toUpperCase()}).`, `${detected.format}, ${detected.bytes.length} bytes`);
    const text = unbakeInto(run, detected.format, detected.bytes);
    if (text) await verifyBadgeText(run, text, 0);
    return;
  }
  run.log.pass('input', INPUT_MESSAGES[detected.badge.kind], `input detected as ${detected.badge.kind}`);
  run.badgeText = textOf(detected.badge);
  await verifyBadgeText(run, detected.badge, 0);
}

const INPUT_MESSAGES: Record<BadgeText['kind'], string> = {
  url: "Received the badge's web address.",
  json: 'Received badge data (JSON).',
  jws: 'Received a signed badge.',
};

const textOf = (badge: BadgeText) => (badge.kind === 'url' ? badge.url : badge.kind === 'jws' ? badge.jws : badge.text);

/** PROCESS_BAKED_RESOURCE: the baked text, or null once a failing check is logged. */
function unbakeInto(run: Run, format: ImageFormat, bytes: Buffer): BadgeText | null {
  const unbaked = unbake(format, bytes);
  if (!unbaked.ok) {
    const message =
      unbaked.reason === 'no_badge'
        ? "This image doesn't contain any badge data. It may be the plain badge picture rather than the awarded badge, or an app removed the data when the image was copied or resized (phones and image optimisers do this). Ask for the original file or the badge's web address."
        : "This image file is damaged, so the badge data inside it can't be read. Ask for the original file or the badge's web address.";
    run.log.fail('unbake', 'unverifiable', message, unbaked.detail);
    return null;
  }
  const text = classifyText(unbaked.text);
  if (!text) {
    run.log.fail('unbake', 'unverifiable', "The badge data inside this image is not in a form Kiln understands.", `baked text ${describeValue(unbaked.text)}`);
    return null;
  }
  run.badgeText ??= textOf(text);
  if (unbaked.legacyTextChunk) {
    run.log.warn(
      'unbake',
      'This image stores its badge the old (before 2013) way. Kiln can still read it, but newer tools may not: the issuer can provide an up-to-date copy.',
      `legacy "openbadges" tEXt chunk holding a ${text.kind}; Open Badges 2.0 baking uses iTXt`,
    );
  } else {
    run.log.pass('unbake', 'Found the badge data inside the image.', `${format} carries a ${text.kind}`);
  }
  return text;
}

async function verifyBadgeText(run: Run, badge: BadgeText, depth: number): Promise<void> {
  if (badge.kind === 'url') return verifyHosted(run, badge.url, null, depth);
  if (badge.kind === 'jws') return verifySigned(run, badge.jws);
  const doc = parseJson(badge.text);
  if (!isObject(doc)) {
    run.log.fail('badge-data', 'unverifiable', 'The badge data is damaged: it is not valid JSON.', 'JSON.parse failed or the value is not an object');
    return;
  }
  // The supplied copy only points the way; its version is reported as a pass once the hosted copy is read.
  if (!checkVersion(run, doc, false)) return;
  if (verificationKind(doc) === 'signed') {
    run.log.fail(
      'badge-data',
      'unverifiable',
      'This is a signed badge, but only its data was given, not its signature. Upload the badge image, or paste the signed badge text (three parts separated by dots).',
      'JSON input with verification.type SignedBadge: a signed badge must be given as its compact JWS',
    );
    return;
  }
  // A hosted badge's JSON is trusted only to find its URL; the document fetched from there is the badge (§1.12).
  if (!isHttpUrl(doc.id)) {
    run.log.fail('badge-data', 'unverifiable', "The badge data does not say where the issuer publishes it, so it can't be checked.", `id ${describeValue(doc.id)} is not an http(s) URL`);
    return;
  }
  await verifyHosted(run, doc.id, doc, depth);
}

async function verifyHosted(run: Run, url: string, supplied: JsonObject | null, depth: number): Promise<void> {
  const fetched = await fetchHostedAssertion(run, url, true);
  if (fetched.kind === 'stop') return;
  if (fetched.kind === 'image') {
    // The URL answered with a baked image: read it once, but never follow image to image.
    if (depth > 0) {
      run.log.fail('assertion-fetch', 'unverifiable', 'The badge points to an image instead of to its record.', `${url} answered ${fetched.format}`);
      return;
    }
    const text = unbakeInto(run, fetched.format, fetched.bytes);
    if (text) await verifyBadgeText(run, text, depth + 1);
    return;
  }
  const assertion = fetched.doc;
  if (!checkVersion(run, assertion)) return;
  if (supplied) compareCopies(run, supplied, assertion);
  run.log.pass('revocation', 'The issuer has not revoked this badge.', `${fetched.url} answered 200 without revoked: true`);
  await verifyAssertion(run, assertion, { kind: 'hosted' });
}

type AssertionFetch =
  | { kind: 'doc'; doc: JsonObject; url: string }
  | { kind: 'image'; format: ImageFormat; bytes: Buffer }
  | { kind: 'stop' };

/** GET the hosted assertion: 410 or `revoked: true` ⇒ revoked; an image ⇒ unbake; a different `id` ⇒ refetch it once. */
async function fetchHostedAssertion(run: Run, url: string, mayRefetch: boolean): Promise<AssertionFetch> {
  run.log.summary.assertion.id ??= url;
  const noun = 'the badge record';
  let res: FetchResult;
  try {
    res = await run.get(url);
  } catch (err) {
    run.log.fail('assertion-fetch', 'unverifiable', `Kiln couldn't get ${noun} from ${hostOf(url)}: ${plainOf(err)}.`, detailOf(err, url));
    return { kind: 'stop' };
  }
  if (res.status === 410) {
    run.log.pass('assertion-fetch', "Reached the badge record on the issuer's website.", `GET ${url} → 410 Gone`);
    const body = parseJson(res.body.toString('utf8'));
    run.log.fail('revocation', 'revoked', revokedMessage(isObject(body) ? body.revocationReason : undefined), `GET ${url} → 410 Gone`);
    return { kind: 'stop' };
  }
  if (res.status < 200 || res.status > 299) {
    run.log.fail(
      'assertion-fetch',
      'unverifiable',
      `The issuer's website has no badge record at ${url} (it answered "${statusText(res.status)}"). The badge may have been deleted, or the address is wrong.`,
      `GET ${url} → ${res.status}`,
    );
    return { kind: 'stop' };
  }
  const image = imageFormatOf(res);
  if (image) {
    run.log.pass('assertion-fetch', 'The address leads to a badge image.', `GET ${url} → ${res.status} ${res.contentType}`);
    return { kind: 'image', format: image, bytes: res.body };
  }
  const doc = parseJson(res.body.toString('utf8'));
  if (!isObject(doc)) {
    run.log.fail(
      'assertion-fetch',
      'unverifiable',
      `The address ${url} does not lead to badge data (the website sent ${describeContentType(res.contentType)}).`,
      `GET ${url} → ${res.status} ${res.contentType || 'no Content-Type'}, body is not a JSON object`,
    );
    return { kind: 'stop' };
  }
  run.log.pass('assertion-fetch', `Fetched the badge record from ${hostOf(res.url)}.`, `GET ${url} → ${res.status} ${res.contentType}`);
  if (doc.revoked === true) {
    run.log.fail('revocation', 'revoked', revokedMessage(doc.revocationReason), `${url} answered revoked: true`);
    return { kind: 'stop' };
  }
  // Legacy documents have no `id` to compare; the version check reports them.
  if (doc.id === url || detectVersion(doc) !== '2.0') return { kind: 'doc', doc, url };
  // VC warns and refetches the declared id (§1.11): the document at its own id is the one that counts.
  if (!isHttpUrl(doc.id) || !mayRefetch) {
    run.log.fail(
      'assertion-id',
      'invalid',
      `The badge record found at ${url} gives a different address as its own, so it is not the issuer's published record.`,
      `fetched ${url}, declared id ${describeValue(doc.id)}`,
    );
    return { kind: 'stop' };
  }
  const declared = doc.id;
  const again = await fetchHostedAssertion(run, declared, false);
  if (again.kind === 'doc') {
    run.log.warn(
      'assertion-id',
      `The badge record was found at ${url} but says its address is ${declared}; Kiln checked the record at ${declared}.`,
      `fetched ${url}, declared id ${declared}; refetched the declared id`,
    );
  } else if (again.kind === 'image') {
    run.log.fail('assertion-id', 'invalid', `The badge record says its address is ${declared}, but that address leads to an image.`, `declared id ${declared} answered an image`);
    return { kind: 'stop' };
  } else if (!run.log.hasFailed('revocation')) {
    run.log.fail('assertion-id', 'invalid', `The badge record says it is published at ${declared}, but the issuer's record there could not be used.`, `fetched ${url}, declared id ${declared} did not answer with the record`);
  }
  return again;
}

async function verifySigned(run: Run, compact: string): Promise<void> {
  const jws = decodeJws(compact);
  if (typeof jws === 'string') {
    run.log.fail('signature', 'unverifiable', "The signed badge is damaged or incomplete, so it can't be read.", jws);
    return;
  }
  const assertion = jws.payload;
  if (!checkVersion(run, assertion)) return;
  if (verificationKind(assertion) === 'hosted' && isHttpUrl(assertion.id)) {
    run.log.warn(
      'signature',
      "This badge is signed but says it is published on the issuer's website, so Kiln checked the published record instead of the signature.",
      'JWS payload has verification.type HostedBadge',
    );
    await verifyHosted(run, assertion.id, assertion, 1);
    return;
  }
  await verifyAssertion(run, assertion, { kind: 'signed', jws });
}

// ---- The assertion graph: assertion → BadgeClass → issuer Profile, then the rules that join them ----

async function verifyAssertion(run: Run, assertion: JsonObject, mode: VerificationMode): Promise<void> {
  const { summary } = run.log;
  summary.assertion = {
    id: stringOrNull(assertion.id) ?? summary.assertion.id,
    issuedOn: stringOrNull(assertion.issuedOn),
    expires: stringOrNull(assertion.expires),
  };
  reportProblems(run, 'assertion-properties', 'The badge record', assertionProblems(assertion));
  const kind = verificationKind(assertion);
  if (mode.kind === 'hosted' && kind === 'signed') {
    run.log.fail(
      'verification',
      'unverifiable',
      'This badge says it is signed, but no signature was given. Upload the badge image or paste the signed badge text.',
      'hosted document declares verification.type SignedBadge',
    );
    return;
  }

  const badge = await loadLinked(run, 'badge', assertion.badge);
  if (!badge) return;
  summary.badge = {
    name: stringOrNull(badge.doc.name),
    description: stringOrNull(badge.doc.description),
    image: stringOrNull(idOf(badge.doc.image)),
    id: stringOrNull(badge.doc.id),
  };
  reportProblems(run, 'badge-properties', 'The badge description', badgeClassProblems(badge.doc));

  const issuer = await loadLinked(run, 'issuer', badge.doc.issuer);
  if (!issuer) return;
  summary.issuer = { name: stringOrNull(issuer.doc.name), url: stringOrNull(issuer.doc.url), id: stringOrNull(issuer.doc.id) };
  reportProblems(run, 'issuer-properties', "The issuer's profile", profileProblems(issuer.doc));

  if (mode.kind === 'hosted') {
    checkHostedScope(run, assertion, issuer.doc);
  } else {
    await checkSignature(run, assertion, issuer, mode.jws);
    await checkRevocationList(run, assertion, issuer.doc);
  }
  checkTimestamps(run, assertion);
  await checkBadgeImage(run, badge.doc);
  await checkAssertionImage(run, assertion);
  checkRecipient(run, assertion);
  run.log.complete = true;
}

const ROLES = {
  badge: { noun: 'the badge description', Noun: 'The badge description', fetch: 'badge-fetch', id: 'badge-id', from: 'The badge record' },
  issuer: { noun: "the issuer's profile", Noun: "The issuer's profile", fetch: 'issuer-fetch', id: 'issuer-id', from: 'The badge description' },
} as const;

/** An `@id` property: the hosted copy when it has an http(s) id (hosted copies win), else the embedded object. */
async function loadLinked(run: Run, role: keyof typeof ROLES, value: Json | undefined): Promise<Linked | null> {
  const r = ROLES[role];
  const { value: first, many } = single(value);
  if (first === undefined || many) {
    run.log.fail(r.fetch, 'invalid', `${r.from} does not say which ${role === 'badge' ? 'badge it is for' : 'issuer it belongs to'}.`, `${role} ${describeValue(value)}`);
    return null;
  }
  const id = typeof first === 'string' ? first : isObject(first) ? first.id : undefined;
  if (isHttpUrl(id)) return fetchLinked(run, role, id);
  if (isObject(first)) {
    run.log.warn(r.fetch, `${r.Noun} is only embedded in the badge, not published on the web; Kiln used the embedded copy.`, `embedded ${role} with id ${describeValue(first.id)}`);
    return { doc: first, hosted: false };
  }
  run.log.fail(r.fetch, 'invalid', `${r.from} refers to ${r.noun} by an identifier Kiln can't look up.`, `${role} ${describeValue(first)} is not an http(s) URL or an object`);
  return null;
}

async function fetchLinked(run: Run, role: keyof typeof ROLES, url: string): Promise<Linked | null> {
  const r = ROLES[role];
  const first = await getDocument(run, url);
  if ('failure' in first) {
    run.log.fail(r.fetch, first.status === 410 ? 'revoked' : 'unverifiable', first.status === 410 ? `The issuer has withdrawn this badge (${r.noun} is gone).` : `Kiln couldn't get ${r.noun} from ${hostOf(url)}: ${first.failure}.`, first.detail);
    return null;
  }
  run.log.pass(r.fetch, `Fetched ${r.noun} from ${hostOf(url)}.`, first.detail);
  if (first.doc.id === url) return { doc: first.doc, hosted: true };
  if (!isHttpUrl(first.doc.id)) {
    run.log.warn(r.id, `${r.Noun} does not give its own web address as its identifier.`, `fetched ${url}, declared id ${describeValue(first.doc.id)}`);
    return { doc: first.doc, hosted: true };
  }
  const declared = first.doc.id;
  const again = await getDocument(run, declared);
  if ('failure' in again || again.doc.id !== declared) {
    run.log.fail(r.id, 'invalid', `${r.Noun} says it is published at ${declared}, but it is not there.`, `fetched ${url}, declared id ${declared}: ${'failure' in again ? again.detail : `declares ${describeValue(again.doc.id)}`}`);
    return null;
  }
  run.log.warn(r.id, `${r.Noun} was found at ${url} but says its address is ${declared}; Kiln used the copy at ${declared}.`, `fetched ${url}, declared id ${declared}; refetched`);
  return { doc: again.doc, hosted: true };
}

type Document = { doc: JsonObject; detail: string } | { failure: string; detail: string; status?: number };

/** GET a JSON document; the failure is phrased to complete "Kiln couldn't get X from host: …". */
async function getDocument(run: Run, url: string): Promise<Document> {
  let res: FetchResult;
  try {
    res = await run.get(url);
  } catch (err) {
    return { failure: plainOf(err), detail: detailOf(err, url) };
  }
  const detail = `GET ${url} → ${res.status} ${res.contentType || 'no Content-Type'}`;
  if (res.status < 200 || res.status > 299) return { failure: `the website answered "${statusText(res.status)}"`, detail, status: res.status };
  const doc = parseJson(res.body.toString('utf8'));
  if (!isObject(doc)) return { failure: `the website sent ${describeContentType(res.contentType)} instead of badge data`, detail: `${detail}, body is not a JSON object` };
  return { doc, detail };
}

function reportProblems(run: Run, id: string, subject: string, problems: Problem[]): void {
  if (problems.length === 0) {
    run.log.pass(id, `${subject} has everything Open Badges requires.`);
    return;
  }
  const plain = [...new Set(problems.map((p) => p.plain))];
  const more = plain.length > 1 ? ` (and ${plain.length - 1} more problem${plain.length > 2 ? 's' : ''})` : '';
  run.log.fail(id, 'invalid', `${subject} is incomplete or malformed: ${plain[0]}${more}.`, problems.map((p) => p.technical).join('; '));
}

// ---- Versions and copies ----

type Version = '2.0' | '1.1' | '1.0' | '0.5' | '3.0' | 'unknown';

/** VC `_detect_openbadges_version` (§1.1), plus OB 3.0 credentials, which need a different verifier. */
export function detectVersion(doc: JsonObject): Version {
  const context = doc['@context'];
  const types = valuesOf(doc.type);
  const contexts = valuesOf(context).filter((c): c is string => typeof c === 'string');
  if (types.includes('VerifiableCredential') || contexts.some((c) => /credentials|ob\/v3p0/.test(c))) return '3.0';
  if (Array.isArray(context)) return '2.0';
  if (typeof context === 'string') return context.includes('v2') ? '2.0' : context.includes('v1') ? '1.1' : 'unknown';
  if (context !== undefined) return 'unknown';
  if (isObject(doc.verify) || doc.uid !== undefined) return '1.0';
  if (typeof doc.recipient === 'string') return '0.5';
  return 'unknown';
}

function checkVersion(run: Run, doc: JsonObject, logPass = true): boolean {
  const version = detectVersion(doc);
  const context = `@context ${describeValue(doc['@context'])}`;
  if (version === '2.0') {
    if (logPass) run.log.pass('version', 'This is an Open Badges 2.0 badge.', context);
    return true;
  }
  if (version === '3.0') {
    run.log.fail('version', 'unverifiable', 'This is an Open Badges 3.0 credential. Kiln checks Open Badges 2.0 badges, so it cannot check this one.', context);
    return false;
  }
  if (version === 'unknown') {
    run.log.fail('version', 'unverifiable', 'The badge data does not say which version of Open Badges it follows, so it cannot be checked.', `${context}: no recognised Open Badges context`);
    return false;
  }
  const verifyUrl = isObject(doc.verify) ? ` verify.url ${describeValue(doc.verify.url)}` : '';
  run.log.fail(
    'version',
    'unverifiable',
    `This is an older Open Badges ${version} badge. Kiln checks Open Badges 2.0 badges; ask the issuer for an up-to-date copy of this badge.`,
    `${context}; detected Open Badges ${version}${verifyUrl}`,
  );
  return false;
}

function compareCopies(run: Run, supplied: JsonObject, hosted: JsonObject): void {
  const differing = differingProperties(supplied, hosted);
  if (differing.length === 0) {
    run.log.pass('baked-copy', "The badge data you supplied matches the issuer's published record.");
    return;
  }
  run.log.warn(
    'baked-copy',
    "The badge data you supplied differs from the issuer's published record. Kiln checked the published record, which is what counts; the copy may be out of date or may have been edited.",
    `supplied copy differs in: ${differing.join(', ')}`,
  );
}

// ---- Rules across documents ----

/** HostedBadge scope (§1.6): `startsWith`, then `allowedOrigins`, defaulting to the issuer id's authority (with port). */
function checkHostedScope(run: Run, assertion: JsonObject, issuer: JsonObject): void {
  const assertionId = typeof assertion.id === 'string' ? assertion.id : '';
  const policy = single(issuer.verification).value;
  const startsWith = isObject(policy) ? valuesOf(policy.startsWith).filter((v): v is string => typeof v === 'string') : [];
  let allowed = isObject(policy) ? valuesOf(policy.allowedOrigins).filter((v): v is string => typeof v === 'string') : [];
  if (startsWith.length === 0 && allowed.length === 0) {
    if (!isHttpUrl(issuer.id)) {
      run.log.warn('hosted-scope', "The issuer's identifier is not a web address, so Kiln could not confirm the badge record is on the issuer's website.", `issuer id ${describeValue(issuer.id)}`);
      return;
    }
    allowed = [authorityOf(issuer.id) ?? ''];
  }
  if (startsWith.length > 0 && !startsWith.some((prefix) => assertionId.startsWith(prefix))) {
    run.log.fail(
      'hosted-scope',
      'invalid',
      "The badge record is not stored where this issuer says its badges are published, so it can't be confirmed that the issuer made it.",
      `assertion id ${assertionId} does not start with ${startsWith.join(' or ')}`,
    );
    return;
  }
  const host = authorityOf(assertionId) ?? '';
  if (allowed.length > 0 && !allowed.some((origin) => origin.toLowerCase() === host)) {
    run.log.fail(
      'hosted-scope',
      'invalid',
      `The badge record is stored on a different website (${host}) from the issuer's (${allowed.join(', ')}), so it can't be confirmed that the issuer made it.`,
      `authority ${host} of assertion id is not in allowedOrigins [${allowed.join(', ')}]`,
    );
    return;
  }
  run.log.pass('hosted-scope', `The badge record is published on the issuer's own website (${host}).`, `assertion id ${assertionId} within the issuer's verification policy`);
}

/** SignedBadge (§2): RS256, `creator` required, listed in the hosted issuer Profile's `publicKey`, owned by the issuer. */
async function checkSignature(run: Run, assertion: JsonObject, issuer: Linked, jws: DecodedJws): Promise<void> {
  const verification = single(assertion.verification ?? assertion.verify).value;
  const creator = isObject(verification) ? idOf(verification.creator) : null;
  if (!creator) {
    run.log.fail('signature-key', 'invalid', "This badge is signed, but it does not say which key signed it, so the signature can't be checked.", 'verification.creator is missing');
    return;
  }
  if (!issuer.hosted) {
    run.log.fail('signature-key', 'unverifiable', "The issuer's profile is not published on the web, so the keys it lists can't be trusted.", 'publicKey of an embedded issuer Profile is not trusted (§2)');
    return;
  }
  const listed = valuesOf(issuer.doc.publicKey).map((k) => idOf(k)).filter((k): k is string => k !== null);
  if (!listed.includes(creator)) {
    run.log.fail(
      'signature-key',
      'invalid',
      'This badge was signed with a key that the issuer does not list as its own, so the signature does not prove the issuer made it.',
      `verification.creator ${creator} is not in the issuer's publicKey [${listed.join(', ')}]`,
    );
    return;
  }
  if (!isHttpUrl(creator)) {
    run.log.fail('signature-key', 'unverifiable', "The signing key's address is not a web address, so Kiln can't fetch it.", `creator ${creator}`);
    return;
  }
  const key = await getDocument(run, creator);
  if ('failure' in key) {
    run.log.fail('signature-key', 'unverifiable', `Kiln couldn't get the issuer's signing key from ${hostOf(creator)}: ${key.failure}.`, key.detail);
    return;
  }
  const pem = key.doc.publicKeyPem;
  const owner = idOf(key.doc.owner);
  if (typeof pem !== 'string') {
    run.log.fail('signature-key', 'unverifiable', "The issuer's signing key document does not contain a key.", `${creator} has no publicKeyPem`);
    return;
  }
  if (owner !== null && owner !== issuer.doc.id) {
    run.log.fail('signature-key', 'invalid', 'The signing key belongs to someone other than the issuer.', `key owner ${owner} is not issuer ${describeValue(issuer.doc.id)}`);
    return;
  }
  run.log.pass('signature-key', 'The badge was signed with a key the issuer lists as its own.', `creator ${creator} listed in the issuer's publicKey`);
  if (jws.header.alg !== 'RS256') {
    run.log.fail('signature', 'invalid', 'This badge is signed with a method Kiln does not accept (only RS256 is used for Open Badges).', `JWS alg ${describeValue(jws.header.alg)}`);
    return;
  }
  const verified = verifyRs256(jws, pem);
  if (verified.ok) run.log.pass('signature', 'The signature is intact: the badge has not been changed since the issuer signed it.', verified.detail);
  else run.log.fail('signature', 'invalid', 'The signature does not match: the badge was changed after it was signed, or it was not signed with this key.', verified.detail);
}

/** Signed badges are revoked through the issuer's RevocationList, matched by `id` (or legacy `uid`). */
async function checkRevocationList(run: Run, assertion: JsonObject, issuer: JsonObject): Promise<void> {
  const listUrl = idOf(issuer.revocationList);
  if (listUrl === null) {
    run.log.pass('revocation', 'The issuer publishes no list of revoked badges, so this badge has not been revoked.', 'issuer Profile has no revocationList');
    return;
  }
  if (!isHttpUrl(listUrl)) {
    run.log.fail('revocation', 'unverifiable', "The issuer's list of revoked badges has no web address, so Kiln couldn't check it.", `revocationList ${listUrl}`);
    return;
  }
  const list = await getDocument(run, listUrl);
  if ('failure' in list) {
    run.log.fail('revocation', 'unverifiable', `Kiln couldn't check whether the badge was revoked: the issuer's list of revoked badges could not be fetched (${list.failure}).`, list.detail);
    return;
  }
  const problems = revocationListProblems(list.doc);
  if (problems.length > 0) {
    run.log.fail('revocation', 'unverifiable', `Kiln couldn't check whether the badge was revoked: ${problems[0]!.plain}.`, problems[0]!.technical);
    return;
  }
  const entries = valuesOf(list.doc.revokedAssertions);
  const entry = entries.find((e) => e === assertion.id || (isObject(e) && ((e.id !== undefined && e.id === assertion.id) || (e.uid !== undefined && e.uid === assertion.uid))));
  if (entry !== undefined && !(isObject(entry) && entry.revoked === false)) {
    run.log.fail('revocation', 'revoked', revokedMessage(isObject(entry) ? entry.revocationReason : undefined), `${describeValue(assertion.id)} is listed in ${listUrl}`);
    return;
  }
  run.log.pass('revocation', "The badge is not on the issuer's list of revoked badges.", `${describeValue(assertion.id)} not listed in ${listUrl}`);
}

/** ASSERTION_TIMESTAMP_CHECKS: issuedOn ≤ now; expires ≥ issuedOn; expires > now. */
function checkTimestamps(run: Run, assertion: JsonObject): void {
  const issuedRaw = single(assertion.issuedOn).value;
  const issuedOn = parseDateTime(issuedRaw);
  if (!issuedOn) return; // already a property failure
  if (issuedOn.getTime() > run.now.getTime() + CLOCK_SKEW_MS) {
    run.log.fail('issued-on', 'not-yet-valid', `This badge's issue date (${formatDate(issuedOn)}) is in the future, so it is not valid yet.`, `issuedOn ${issuedRaw} is after ${run.now.toISOString()}`);
  } else {
    run.log.pass('issued-on', `Issued on ${formatDate(issuedOn)}.`, `issuedOn ${issuedRaw}`);
  }
  const expiresRaw = single(assertion.expires).value;
  if (expiresRaw === undefined) {
    run.log.pass('expires', 'This badge does not expire.', 'no expires');
    return;
  }
  const expires = parseDateTime(expiresRaw);
  if (!expires) return;
  if (expires.getTime() < issuedOn.getTime()) {
    run.log.fail('expires', 'invalid', "The badge's expiry date is before its issue date, so its dates are wrong.", `expires ${expiresRaw} is before issuedOn ${issuedRaw}`);
  } else if (expires.getTime() <= run.now.getTime()) {
    run.log.fail('expires', 'expired', `This badge expired on ${formatDate(expires)}.`, `expires ${expiresRaw} is not after ${run.now.toISOString()}`);
  } else {
    run.log.pass('expires', `Valid until ${formatDate(expires)}.`, `expires ${expiresRaw}`);
  }
}

/** IMAGE_VALIDATION for the BadgeClass: required; PNG/SVG data URI, or a URL answering 2xx with a PNG/SVG type. */
async function checkBadgeImage(run: Run, badge: JsonObject): Promise<void> {
  const { value, many } = single(badge.image);
  const src = typeof value === 'string' ? value : isObject(value) && typeof value.id === 'string' ? value.id : null;
  if (value === undefined || many || src === null) {
    run.log.fail('badge-image', 'invalid', 'The badge has no usable picture, which every Open Badge must have.', `BadgeClass image ${describeValue(badge.image)}`);
    return;
  }
  const image = await loadImage(run, src, true);
  if ('failure' in image) {
    run.log.fail('badge-image', 'invalid', `The badge's picture ${image.failure}.`, image.detail);
    return;
  }
  run.badgeImage = image.dataUri;
  run.log.pass('badge-image', "The badge's picture loads and is a PNG or SVG image.", image.detail);
}

/** The assertion's own image is optional, but when given it must be a fetchable URL (no data URI) (§1.4). */
async function checkAssertionImage(run: Run, assertion: JsonObject): Promise<void> {
  const { value } = single(assertion.image);
  if (value === undefined) return;
  const src = typeof value === 'string' ? value : isObject(value) && typeof value.id === 'string' ? value.id : null;
  if (src === null) {
    run.log.fail('assertion-image', 'invalid', "The awarded badge's image reference is malformed.", `Assertion image ${describeValue(value)}`);
    return;
  }
  const image = await loadImage(run, src, false);
  if ('failure' in image) run.log.fail('assertion-image', 'invalid', `The awarded badge's image ${image.failure}.`, image.detail);
  else run.log.pass('assertion-image', "The awarded badge's image loads.", image.detail);
}

type LoadedImage = { dataUri: string; detail: string } | { failure: string; detail: string };

async function loadImage(run: Run, src: string, dataUriAllowed: boolean): Promise<LoadedImage> {
  if (src.toLowerCase().startsWith('data:')) {
    if (!dataUriAllowed) return { failure: 'is embedded as data rather than given as a web address', detail: 'Assertion image must be a URL, not a data URI' };
    const type = DATA_URI.exec(src)?.[1]?.toLowerCase() ?? '';
    if (!IMAGE_TYPES.has(type)) return { failure: 'is not a PNG or SVG image', detail: `data URI of type ${type || 'unknown'}` };
    return { dataUri: src, detail: `data URI (${type})` };
  }
  if (!isHttpUrl(src)) return { failure: "has an address Kiln can't load", detail: `image ${describeValue(src)} is neither an http(s) URL nor a data URI` };
  let res: FetchResult;
  try {
    res = await run.get(src);
  } catch (err) {
    return { failure: `could not be loaded from ${hostOf(src)}: ${plainOf(err)}`, detail: detailOf(err, src) };
  }
  const detail = `GET ${src} → ${res.status} ${res.contentType || 'no Content-Type'}`;
  if (res.status < 200 || res.status > 299) return { failure: `could not be loaded: the website answered "${statusText(res.status)}"`, detail };
  if (!IMAGE_TYPES.has(res.contentType)) return { failure: 'is not a PNG or SVG image', detail };
  return { dataUri: `data:${res.contentType};base64,${res.body.toString('base64')}`, detail };
}

/** VERIFY_RECIPIENT_IDENTIFIER (§1.5), with the supplied address trimmed and lower-cased. */
function checkRecipient(run: Run, assertion: JsonObject): void {
  const email = run.options.email?.trim();
  if (!email) return;
  const address = normaliseEmail(email);
  const recipient = single(assertion.recipient).value;
  if (!isObject(recipient) || typeof recipient.identity !== 'string' || typeof recipient.hashed !== 'boolean' || typeof recipient.type !== 'string') {
    run.log.fail('recipient', 'invalid', `Kiln could not compare ${address} with the recipient, because the badge does not say properly who received it.`, `recipient ${describeValue(recipient)}`);
    return;
  }
  if (recipient.type !== 'email') {
    run.log.warn('recipient', `This badge identifies its recipient by ${recipient.type}, not by email address, so Kiln could not compare the address you gave.`, `recipient.type ${recipient.type}`);
    return;
  }
  const salt = typeof recipient.salt === 'string' ? recipient.salt : undefined;
  run.log.summary.recipientChecked = true;
  const how = recipient.hashed ? `hashed identity ${recipient.identity.split('$')[0]}, ${salt === undefined ? 'unsalted' : 'salted'}` : 'plain identity';
  if (recipientMatches({ type: 'email', identity: recipient.identity, hashed: recipient.hashed, salt }, address)) {
    run.log.pass('recipient', `This badge was issued to ${address}.`, `${how}: match`);
  } else {
    run.log.fail(
      'recipient',
      'invalid',
      `This badge was not issued to ${address}. Check the address for typing mistakes, or ask the recipient which address they gave the issuer.`,
      `${how}: no match for the normalised address`,
    );
  }
}

// ---- Wording ----

function revokedMessage(reason: Json | undefined): string {
  const because = typeof reason === 'string' && reason.trim() !== '' ? ` The reason given: "${reason.trim().slice(0, 300)}".` : '';
  return `The issuer has revoked this badge, so it is no longer valid.${because}`;
}

function imageFormatOf(res: FetchResult): ImageFormat | null {
  if (res.contentType === 'image/png' || isPng(res.body)) return 'png';
  if (res.contentType === 'image/svg+xml') return 'svg';
  if (res.contentType !== 'application/json' && res.contentType !== 'application/ld+json' && looksLikeSvg(res.body.toString('utf8', 0, 4096))) {
    return 'svg';
  }
  return null;
}

function describeContentType(type: string): string {
  if (type === 'text/html') return 'a web page';
  return type ? `"${type}"` : 'something unlabelled';
}

const statusText = (status: number) => `${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;

function hostOf(url: string): string {
  return authorityOf(url) ?? url;
}

const plainOf = (err: unknown) => (err instanceof FetchError ? err.message : 'the website could not be reached');
const detailOf = (err: unknown, url: string) => (err instanceof FetchError ? `${err.code}: ${err.detail}` : `GET ${url}: ${describeError(err)}`);

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300);
  return String(err).slice(0, 300);
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const formatDate = (date: Date) => DATE_FORMAT.format(date);
