// Class and property rules of the 1EdTech validator (openbadges-spec.md §5.2, §1.5, §1.10). Each rule yields a
// problem in plain words for the report's message and in exact terms for its detail.
import {
  describeValue,
  hasType,
  isHttpUrl,
  isIri,
  isNonEmptyString,
  isObject,
  parseDateTime,
  single,
  valuesOf,
  type Json,
  type JsonObject,
} from './json.js';

export interface Problem {
  plain: string;
  technical: string;
}

const IDENTITY_TYPES = new Set(['email', 'url', 'telephone', 'id']);
const IDENTITY_HASH = /^(sha256\$[0-9a-fA-F]{64}|md5\$[0-9a-fA-F]{32})$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const TELEPHONE = /^\+?[1-9]\d{1,14}(;ext=\d+)?$/;
const VERIFICATION_TYPES = new Set(['HostedBadge', 'hosted', 'SignedBadge', 'signed']);

export type VerificationKind = 'hosted' | 'signed';

/** `HostedBadge`/`hosted` → hosted, `SignedBadge`/`signed` → signed (aliases from the v2 context). */
export function verificationKind(assertion: JsonObject): VerificationKind | null {
  const verification = single(assertion.verification ?? assertion.verify).value;
  if (!isObject(verification)) return null;
  const type = single(verification.type).value;
  if (type === 'HostedBadge' || type === 'hosted') return 'hosted';
  if (type === 'SignedBadge' || type === 'signed') return 'signed';
  return null;
}

export function assertionProblems(doc: JsonObject): Problem[] {
  const problems: Problem[] = [];
  requireIri(problems, doc, 'id', 'it has no valid identifier');
  if (!hasType(doc, 'Assertion')) problems.push({ plain: 'it does not say it is a badge award', technical: `type ${describeValue(doc.type)} does not include "Assertion"` });
  problems.push(...identityProblems(doc.recipient));
  if (single(doc.badge).value === undefined) problems.push({ plain: 'it does not say which badge was awarded', technical: 'badge is missing' });
  problems.push(...verificationProblems(doc.verification ?? doc.verify));
  requireDateTime(problems, doc, 'issuedOn', true, 'it has no valid issue date');
  requireDateTime(problems, doc, 'expires', false, 'its expiry date is not a valid date');
  const image = single(doc.image);
  if (image.many) problems.push({ plain: 'it lists more than one image', technical: 'image has more than one value' });
  if (doc.narrative !== undefined && typeof doc.narrative !== 'string') {
    problems.push({ plain: 'its narrative is not text', technical: `narrative is ${describeValue(doc.narrative)}` });
  }
  for (const evidence of valuesOf(doc.evidence)) {
    if (!(isIri(evidence) || (isObject(evidence) && (evidence.id === undefined || typeof evidence.id === 'string')))) {
      problems.push({ plain: 'its evidence is malformed', technical: `evidence entry ${describeValue(evidence)} is neither an IRI nor an Evidence object` });
    }
  }
  return problems;
}

/** IdentityObject rules, including VC's hashed/identity consistency (§1.5). */
export function identityProblems(recipient: Json | undefined): Problem[] {
  const plain = 'it does not say properly who received it';
  const value = single(recipient).value;
  if (!isObject(value)) return [{ plain, technical: `recipient ${describeValue(recipient)} is not an IdentityObject` }];
  const problems: Problem[] = [];
  const type = single(value.type);
  if (type.many || typeof type.value !== 'string' || !IDENTITY_TYPES.has(type.value)) {
    problems.push({ plain, technical: `recipient.type ${describeValue(value.type)} must be one of email, url, telephone, id` });
  }
  if (typeof value.identity !== 'string') problems.push({ plain, technical: 'recipient.identity is missing or not a string' });
  if (typeof value.hashed !== 'boolean') problems.push({ plain, technical: 'recipient.hashed must be true or false' });
  if (value.salt !== undefined && typeof value.salt !== 'string') problems.push({ plain, technical: 'recipient.salt is not a string' });
  if (typeof value.identity === 'string' && typeof value.hashed === 'boolean') {
    const looksHashed = IDENTITY_HASH.test(value.identity);
    if (value.hashed && !looksHashed) problems.push({ plain, technical: 'recipient.hashed is true but identity is not sha256$… or md5$…' });
    if (!value.hashed && looksHashed) problems.push({ plain, technical: 'recipient.identity is a hash but hashed is false' });
    if (!value.hashed && type.value === 'email' && !EMAIL.test(value.identity)) {
      problems.push({ plain, technical: 'recipient.identity is not an email address' });
    }
  }
  return problems;
}

function verificationProblems(verification: Json | undefined): Problem[] {
  const plain = 'it does not say how it can be verified';
  const value = single(verification).value;
  if (!isObject(value)) return [{ plain, technical: 'verification is missing or not an object' }];
  const type = single(value.type);
  if (type.many || typeof type.value !== 'string' || !VERIFICATION_TYPES.has(type.value)) {
    return [{ plain, technical: `verification.type ${describeValue(value.type)} must be HostedBadge or SignedBadge` }];
  }
  return [];
}

export function badgeClassProblems(doc: JsonObject): Problem[] {
  const problems: Problem[] = [];
  requireIri(problems, doc, 'id', 'it has no valid identifier');
  if (!hasType(doc, 'BadgeClass')) problems.push({ plain: 'it does not say it is a badge description', technical: `type ${describeValue(doc.type)} does not include "BadgeClass"` });
  requireText(problems, doc, 'name', 'it has no name');
  requireText(problems, doc, 'description', 'it has no description');
  problems.push(...criteriaProblems(doc.criteria));
  if (single(doc.issuer).value === undefined) problems.push({ plain: 'it does not say who issues it', technical: 'issuer is missing' });
  for (const alignment of valuesOf(doc.alignment)) {
    if (!isObject(alignment) || !isNonEmptyString(alignment.targetName) || !isHttpUrl(alignment.targetUrl)) {
      problems.push({ plain: 'one of its alignments (links to a framework) is incomplete', technical: `alignment ${describeValue(alignment)} needs targetName and an http(s) targetUrl` });
    }
  }
  if (!valuesOf(doc.tags).every((t) => typeof t === 'string')) problems.push({ plain: 'its tags are not all text', technical: 'tags contains a non-string' });
  return problems;
}

/** Criteria: a URL, or an object with an `id` or a `narrative` (VC CRITERIA_PROPERTY_DEPENDENCIES). */
function criteriaProblems(criteria: Json | undefined): Problem[] {
  const plain = 'it does not give its criteria (what a learner had to do to earn it)';
  const { value, many } = single(criteria);
  if (value === undefined) return [{ plain, technical: 'criteria is missing' }];
  if (many) return [{ plain, technical: 'criteria has more than one value' }];
  if (typeof value === 'string') return isIri(value) ? [] : [{ plain, technical: `criteria ${describeValue(value)} is not an IRI` }];
  if (!isObject(value)) return [{ plain, technical: `criteria ${describeValue(value)} is neither a URL nor an object` }];
  if (value.id !== undefined && !isIri(value.id)) return [{ plain, technical: 'criteria.id is not an IRI' }];
  if (value.id === undefined && !isNonEmptyString(value.narrative)) return [{ plain, technical: 'criteria has neither id nor narrative' }];
  return [];
}

export function profileProblems(doc: JsonObject): Problem[] {
  const problems: Problem[] = [];
  requireIri(problems, doc, 'id', 'it has no valid identifier');
  if (!hasType(doc, 'Issuer', 'Profile')) problems.push({ plain: 'it does not say it is an issuer', technical: `type ${describeValue(doc.type)} does not include "Issuer" or "Profile"` });
  requireText(problems, doc, 'name', 'it has no name');
  if (!isHttpUrl(single(doc.url).value)) problems.push({ plain: 'it has no valid website address', technical: `url ${describeValue(doc.url)} is not an http(s) URL` });
  const email = single(doc.email).value;
  if (typeof email !== 'string' || !EMAIL.test(email)) problems.push({ plain: 'it has no valid contact email address', technical: `email ${describeValue(doc.email)} is not an email address` });
  const telephone = single(doc.telephone).value;
  if (telephone !== undefined && (typeof telephone !== 'string' || !TELEPHONE.test(telephone))) {
    problems.push({ plain: 'its telephone number is malformed', technical: `telephone ${describeValue(telephone)} is not E.164` });
  }
  if (doc.verification !== undefined && !isObject(single(doc.verification).value)) {
    problems.push({ plain: 'its verification policy is malformed', technical: 'verification is not an object' });
  }
  return problems;
}

/** Endorsement (§1.8, §5.2): an issuer's claim about another object, hosted at its id like an assertion. */
export function endorsementProblems(doc: JsonObject): Problem[] {
  const problems: Problem[] = [];
  requireIri(problems, doc, 'id', 'it has no valid identifier');
  if (!hasType(doc, 'Endorsement')) problems.push({ plain: 'it does not say it is an endorsement', technical: `type ${describeValue(doc.type)} does not include "Endorsement"` });
  const claim = single(doc.claim).value;
  if (!isObject(claim) || !isIri(claim.id)) problems.push({ plain: 'it does not say what it endorses', technical: `claim ${describeValue(doc.claim)} is not an object with an IRI id` });
  requireDateTime(problems, doc, 'issuedOn', true, 'it has no valid issue date');
  requireDateTime(problems, doc, 'expires', false, 'its expiry date is malformed');
  if (verificationKind(doc) === null) problems.push({ plain: 'it does not say how to verify it', technical: `verification ${describeValue(doc.verification)} has no known type` });
  return problems;
}

/** RevocationList (VC VALIDATE_REVOCATIONLIST_ENTRIES): entries are IRIs or objects with an IRI `id` or a `uid`. */
export function revocationListProblems(doc: JsonObject): Problem[] {
  const plain = "the issuer's list of revoked badges is malformed";
  if (!hasType(doc, 'RevocationList')) return [{ plain, technical: `type ${describeValue(doc.type)} does not include "RevocationList"` }];
  if (!Array.isArray(doc.revokedAssertions)) return [{ plain, technical: 'revokedAssertions is missing or not a list' }];
  const bad = doc.revokedAssertions.find(
    (e) => !(isIri(e) || (isObject(e) && (isIri(e.id) || typeof e.uid === 'string'))),
  );
  return bad === undefined ? [] : [{ plain, technical: `revokedAssertions entry ${describeValue(bad)} has no IRI id or uid` }];
}

function requireIri(problems: Problem[], doc: JsonObject, key: string, plain: string): void {
  const { value, many } = single(doc[key]);
  if (many || !isIri(value)) problems.push({ plain, technical: `${key} ${describeValue(doc[key])} is not an IRI (http(s) URL or urn:uuid)` });
}

function requireText(problems: Problem[], doc: JsonObject, key: string, plain: string): void {
  const { value, many } = single(doc[key]);
  if (many || !isNonEmptyString(value)) problems.push({ plain, technical: `${key} is missing, empty or not text` });
}

function requireDateTime(problems: Problem[], doc: JsonObject, key: string, required: boolean, plain: string): void {
  const { value, many } = single(doc[key]);
  if (value === undefined && !required) return;
  if (many || parseDateTime(value) === null) {
    problems.push({ plain, technical: `${key} ${describeValue(doc[key])} is not an ISO 8601 date-time with a time zone` });
  }
}
