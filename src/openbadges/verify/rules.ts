// The rules that join the assertion, its BadgeClass and its issuer (openbadges-spec.md §1.5, §1.6, §2, §5.1 tasks 14-24).
import { normaliseEmail, recipientMatches } from '../recipient.js';
import { authorityOf, describeValue, idOf, isHttpUrl, isObject, parseDateTime, single, valuesOf, type JsonObject } from './json.js';
import { verifyRs256, type DecodedJws } from './jws.js';
import { revocationListProblems } from './properties.js';
import { detailOf, formatDate, getDocument, hostOf, plainOf, revokedMessage, statusText, type Run } from './run.js';
import type { FetchResult } from './types.js';

// Servers' clocks differ a little; a badge issued a few seconds "in the future" is not a forgery.
const CLOCK_SKEW_MS = 60_000;
const IMAGE_TYPES = new Set(['image/png', 'image/svg+xml']);
const DATA_URI = /^data:([^;,]+)?((?:;[^;,]*)*?)(;base64)?,/i;

export interface Linked {
  doc: JsonObject;
  /** True when the document came from its own URL rather than from a copy embedded in another. */
  hosted: boolean;
}

/** HostedBadge scope (§1.6): `startsWith`, then `allowedOrigins`, defaulting to the issuer id's authority (with port). */
export function checkHostedScope(run: Run, assertion: JsonObject, issuer: JsonObject): void {
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
export async function checkSignature(run: Run, assertion: JsonObject, issuer: Linked, jws: DecodedJws): Promise<void> {
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
export async function checkRevocationList(run: Run, assertion: JsonObject, issuer: JsonObject): Promise<void> {
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
export function checkTimestamps(run: Run, assertion: JsonObject): void {
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
export async function checkBadgeImage(run: Run, badge: JsonObject): Promise<void> {
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
export async function checkAssertionImage(run: Run, assertion: JsonObject): Promise<void> {
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

/** A PNG or SVG picture as a data URI, from a URL (through the run's fetcher) or a data URI when allowed. */
export async function loadImage(run: Run, src: string, dataUriAllowed: boolean): Promise<LoadedImage> {
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
export function checkRecipient(run: Run, assertion: JsonObject): void {
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
