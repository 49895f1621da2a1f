// Verifies any Open Badges 2.0 badge the way openbadges-spec.md §1.12, §2 and §5 describe, plus the revocation
// checks the 1EdTech validator misses. Pure: fetching and the clock come in through `options`.
import { verifyCredentialDocument } from './credential.js';
import { classifyText, detectInput, isPng, looksLikeSvg, unbake, type BadgeText, type ImageFormat } from './input.js';
import { describeValue, differingProperties, hasType, idOf, isHttpUrl, isObject, parseJson, single, valuesOf, type Json, type JsonObject } from './json.js';
import { decodeJws, type DecodedJws } from './jws.js';
import { assertionProblems, badgeClassProblems, endorsementProblems, profileProblems, verificationKind, type Problem } from './properties.js';
import {
  checkAssertionImage,
  checkBadgeImage,
  checkHostedScope,
  checkRecipient,
  checkRevocationList,
  checkSignature,
  checkTimestamps,
  type Linked,
} from './rules.js';
import {
  describeContentType,
  describeError,
  detailOf,
  getDocument,
  hostOf,
  plainOf,
  revokedMessage,
  Run,
  statusText,
  stringOrNull,
  type VerifyOptions,
} from './run.js';
import type { FetchResult, VerificationResult } from './types.js';

export type { VerifyOptions } from './run.js';

type VerificationMode = { kind: 'hosted' } | { kind: 'signed'; jws: DecodedJws };

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
  // An Open Badges 3.0 credential carries its proof: it is checked as given, with no hosted copy to prefer.
  if (detectVersion(doc) === '3.0') return verifyCredentialDocument(run, doc);
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
  if (fetched.kind === 'stop') {
    if (fetched.revoked) await describeRevoked(run, fetched.revoked, supplied);
    return;
  }
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
  if (detectVersion(assertion) === '3.0') return verifyCredentialDocument(run, assertion);
  if (!checkVersion(run, assertion)) return;
  if (supplied) compareCopies(run, supplied, assertion);
  if (hasType(assertion, 'Endorsement') && !hasType(assertion, 'Assertion')) return verifyEndorsement(run, assertion, fetched.url);
  run.log.pass('revocation', 'The issuer has not revoked this badge.', `${fetched.url} answered 200 without revoked: true`);
  await verifyAssertion(run, assertion, { kind: 'hosted' });
}

/**
 * A hosted 2.0 Endorsement is not a badge award but is verified like one (§1.8): its properties, its issuer's
 * Profile, that it is hosted where that issuer publishes, and its dates. Withdrawn ones answer 410, as above.
 */
async function verifyEndorsement(run: Run, endorsement: JsonObject, url: string): Promise<void> {
  const claim = single(endorsement.claim).value;
  const about = isObject(claim) ? stringOrNull(claim.id) : null;
  run.log.pass('endorsement', `This is an endorsement, not a badge award: its issuer vouches for ${about ?? 'another badge, issuer or award'}.`, `type Endorsement, claim.id ${describeValue(about)}`);
  run.log.summary.assertion = { id: stringOrNull(endorsement.id), issuedOn: stringOrNull(endorsement.issuedOn), expires: stringOrNull(endorsement.expires) };
  run.log.summary.badge.id = about;
  reportProblems(run, 'endorsement-properties', 'The endorsement', endorsementProblems(endorsement));
  run.log.pass('revocation', 'The endorser has not withdrawn this endorsement.', `${url} answered 200 without revoked: true`);
  const issuer = await loadLinked(run, 'issuer', endorsement.issuer);
  if (!issuer) return;
  summariseIssuer(run, issuer.doc);
  reportProblems(run, 'issuer-properties', "The endorser's profile", profileProblems(issuer.doc));
  checkHostedScope(run, endorsement, issuer.doc);
  checkTimestamps(run, endorsement);
  run.log.complete = true;
}

type AssertionFetch =
  | { kind: 'doc'; doc: JsonObject; url: string }
  | { kind: 'image'; format: ImageFormat; bytes: Buffer }
  | { kind: 'stop'; revoked?: JsonObject };

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
    return { kind: 'stop', revoked: isObject(body) ? body : undefined };
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
    return { kind: 'stop', revoked: doc };
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

const summariseBadge = (run: Run, badge: JsonObject) => {
  run.log.summary.badge = {
    name: stringOrNull(badge.name),
    description: stringOrNull(badge.description),
    image: stringOrNull(idOf(badge.image)),
    id: stringOrNull(badge.id),
  };
};

const summariseIssuer = (run: Run, issuer: JsonObject) => {
  run.log.summary.issuer = { name: stringOrNull(issuer.name), url: stringOrNull(issuer.url), id: stringOrNull(issuer.id) };
};

/**
 * A revoked badge still says what it was: its dates from the copy the file or the revocation notice carries, and its
 * badge and issuer from where that copy points, so a verifier learns what was revoked and by whom. The verdict stays
 * revoked whatever these lookups find.
 */
async function describeRevoked(run: Run, notice: JsonObject, supplied: JsonObject | null): Promise<void> {
  const copy = notice.badge !== undefined ? notice : supplied;
  if (!copy) return;
  run.log.summary.assertion.issuedOn = stringOrNull(copy.issuedOn);
  run.log.summary.assertion.expires = stringOrNull(copy.expires);
  const badge = await loadLinked(run, 'badge', copy.badge);
  if (!badge) return;
  summariseBadge(run, badge.doc);
  const issuer = await loadLinked(run, 'issuer', badge.doc.issuer);
  if (issuer) summariseIssuer(run, issuer.doc);
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
  summariseBadge(run, badge.doc);
  reportProblems(run, 'badge-properties', 'The badge description', badgeClassProblems(badge.doc));

  const issuer = await loadLinked(run, 'issuer', badge.doc.issuer);
  if (!issuer) return;
  summariseIssuer(run, issuer.doc);
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
    // JSON and baked credentials never get here (verifyCredentialDocument); only a credential signed as a JWT does.
    run.log.fail(
      'version',
      'unverifiable',
      'This is an Open Badges 3.0 credential signed as a JWT. Kiln checks 3.0 credentials that carry their proof inside them, the form most issuers use, so it cannot check this one.',
      context,
    );
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

function imageFormatOf(res: FetchResult): ImageFormat | null {
  if (res.contentType === 'image/png' || isPng(res.body)) return 'png';
  if (res.contentType === 'image/svg+xml') return 'svg';
  if (res.contentType !== 'application/json' && res.contentType !== 'application/ld+json' && looksLikeSvg(res.body.toString('utf8', 0, 4096))) {
    return 'svg';
  }
  return null;
}
