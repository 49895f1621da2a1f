// Open Badges 3.0 documents (openbadges-spec.md §4.2), built from the same records as the 2.0 ones. Pure: records,
// URLs and facts in, JSON out; the proof is added by sign.ts.
import type { AssertionFacts, BadgeClassFacts, IssuerFacts, PublicUrls } from '../documents.js';
import { MULTIKEY_CONTEXT, OB3_CONTEXT, VC_V2_CONTEXT } from './document-loader.js';

/** The credential's contexts, in the order the spec fixes. */
export const CREDENTIAL_CONTEXTS = [VC_V2_CONTEXT, OB3_CONTEXT];
// `related` entries name the other version's class by full IRI: neither context defines the other's terms.
const OB2_BADGE_CLASS_IRI = 'https://w3id.org/openbadges#BadgeClass';

export interface PublicKeyFacts {
  /** Kiln's id of the key: the last segment of its verification method URL. */
  id: string;
  publicKeyMultibase: string;
  /** Keys made before verification methods had URLs of their own also signed as `{profile}#{publicKeyMultibase}`. */
  signedWithFragmentId?: boolean;
}

export interface StatusEntryFacts {
  /** The credential's position in its issuer's revocation list. */
  index: number;
}

/**
 * The key's own URL, `/issuers/{issuerId}/ob3/keys/{keyId}`, which answers the Multikey document itself: verifiers
 * dereference a verification method with a plain GET (a `#fragment` never reaches the server), so the URL must name
 * the key document, not the controller document around it. Its controller is the issuer's 3.0 profile (§4.3).
 */
export function verificationMethodId(issuerId: string, key: PublicKeyFacts, urls: PublicUrls): string {
  return urls.verificationMethod(issuerId, key.id);
}

/** The id keys signed with before they had URLs: `{issuer 3.0 profile}#{publicKeyMultibase}`, still listed for them. */
export function fragmentVerificationMethodId(issuerId: string, key: PublicKeyFacts, urls: PublicUrls): string {
  return `${urls.issuerProfile3(issuerId)}#${key.publicKeyMultibase}`;
}

/**
 * Terms a controller document uses that neither the VC 2.0 nor the OB 3.0 context defines, with the IRIs of the
 * W3C Controlled Identifiers (cid/v1) and Multikey (security/multikey/v1) contexts. Inline, so a verifier in JSON-LD
 * safe mode (which refuses undefined terms) needs no context beyond the two every OB 3.0 verifier already has.
 */
export const CONTROLLER_DOCUMENT_TERMS = {
  verificationMethod: { '@id': 'https://w3id.org/security#verificationMethod', '@type': '@id' },
  assertionMethod: { '@id': 'https://w3id.org/security#assertionMethod', '@type': '@id', '@container': '@set' },
  Multikey: {
    '@id': 'https://w3id.org/security#Multikey',
    '@context': {
      '@protected': true,
      id: '@id',
      type: '@type',
      controller: { '@id': 'https://w3id.org/security#controller', '@type': '@id' },
      publicKeyMultibase: { '@id': 'https://w3id.org/security#publicKeyMultibase', '@type': 'https://w3id.org/security#multibase' },
    },
  },
} as const;

/** The issuer as a 3.0 Profile: embedded in every credential, and the body of the hosted controller document. */
export function profile3(issuer: IssuerFacts, urls: PublicUrls) {
  return {
    id: urls.issuerProfile3(issuer.id),
    type: ['Profile'],
    name: issuer.name,
    url: issuer.url,
    email: issuer.email,
    ...(issuer.description ? { description: issuer.description } : {}),
    ...(issuer.hasImage ? { image: { id: urls.issuerImage(issuer.id), type: 'Image' } } : {}),
    // The same organisation's 2.0 Profile (migrating guide: otherIdentifier links the two). The schema wants
    // IdentifierEntry's type as a plain string, not the array other classes take.
    otherIdentifier: [{ type: 'IdentifierEntry', identifier: urls.issuer(issuer.id), identifierType: 'identifier' }],
  };
}

/** The hosted verification method: the Multikey document a verifier gets when it dereferences the proof's key. */
export function verificationMethodDocument(issuerId: string, key: PublicKeyFacts, urls: PublicUrls) {
  return {
    '@context': MULTIKEY_CONTEXT,
    id: verificationMethodId(issuerId, key, urls),
    type: 'Multikey',
    controller: urls.issuerProfile3(issuerId),
    publicKeyMultibase: key.publicKeyMultibase,
  };
}

/**
 * The hosted 3.0 Profile, which is also the controller document of the issuer's keys: every key it has ever
 * signed with stays listed, so credentials signed before a rotation keep verifying; keys from before verification
 * methods had URLs are listed under their old fragment id too, so badges baked with it keep verifying.
 */
export function profile3Document(issuer: IssuerFacts, keys: PublicKeyFacts[], urls: PublicUrls) {
  const controller = urls.issuerProfile3(issuer.id);
  const method = (id: string, key: PublicKeyFacts) => ({ id, type: 'Multikey', controller, publicKeyMultibase: key.publicKeyMultibase });
  const methods = keys.flatMap((key) => [
    method(verificationMethodId(issuer.id, key, urls), key),
    ...(key.signedWithFragmentId ? [method(fragmentVerificationMethodId(issuer.id, key, urls), key)] : []),
  ]);
  return {
    '@context': [...CREDENTIAL_CONTEXTS, CONTROLLER_DOCUMENT_TERMS],
    ...profile3(issuer, urls),
    verificationMethod: methods,
    assertionMethod: methods.map((m) => m.id),
  };
}

/** The badge class as a 3.0 Achievement: criteria, image object, alignments with types, `tag` (not `tags`). */
export function achievement(badge: BadgeClassFacts, urls: PublicUrls) {
  return {
    id: urls.achievement(badge.id),
    type: ['Achievement'],
    achievementType: 'Badge',
    name: badge.name,
    description: badge.description,
    criteria: {
      ...(badge.criteriaUrl ? { id: badge.criteriaUrl } : {}),
      ...(badge.criteriaNarrative ? { narrative: badge.criteriaNarrative } : {}),
    },
    image: { id: urls.badgeImage(badge.id), type: 'Image', ...(badge.imageCaption ? { caption: badge.imageCaption } : {}) },
    // Empty arrays are omitted (§4.1 serialisation).
    ...(badge.alignments.length > 0
      ? {
          alignment: badge.alignments.map((a) => ({
            type: ['Alignment'],
            targetName: a.targetName,
            targetUrl: a.targetUrl,
            ...(a.targetDescription ? { targetDescription: a.targetDescription } : {}),
            ...(a.targetFramework ? { targetFramework: a.targetFramework } : {}),
            ...(a.targetCode ? { targetCode: a.targetCode } : {}),
          })),
        }
      : {}),
    ...(badge.tags.length > 0 ? { tag: badge.tags } : {}),
    related: [{ id: urls.badge(badge.id), type: ['Related', OB2_BADGE_CLASS_IRI], version: 'Open Badges v2p0' }],
  };
}

export function achievementDocument(badge: BadgeClassFacts, urls: PublicUrls) {
  return { '@context': CREDENTIAL_CONTEXTS, ...achievement(badge, urls) };
}

/** The unsigned OpenBadgeCredential for one award. */
export function openBadgeCredential(
  facts: { assertion: AssertionFacts & { issuerId: string }; badge: BadgeClassFacts; issuer: IssuerFacts; status: StatusEntryFacts },
  urls: PublicUrls,
) {
  const { assertion, badge, issuer, status } = facts;
  const statusList = urls.statusList(assertion.issuerId);
  return {
    '@context': CREDENTIAL_CONTEXTS,
    id: urls.credential(assertion.id),
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    // Optional in the VCDM 2.0 model, required by the older schema: always sent (§7 Q6).
    name: badge.name,
    description: badge.description,
    image: { id: urls.badgeImage(badge.id), type: 'Image', ...(badge.imageCaption ? { caption: badge.imageCaption } : {}) },
    issuer: profile3(issuer, urls),
    validFrom: assertion.issuedOn,
    ...(assertion.expires ? { validUntil: assertion.expires } : {}),
    awardedDate: assertion.issuedOn,
    credentialSubject: {
      type: ['AchievementSubject'],
      // 2.0 `recipient` becomes a hashed IdentityObject: the same salt and hash, so one email matches both forms.
      identifier: [
        {
          type: 'IdentityObject',
          hashed: true,
          identityHash: assertion.identityHash,
          identityType: 'emailAddress',
          salt: assertion.salt,
        },
      ],
      achievement: achievement(badge, urls),
      ...(assertion.narrative ? { narrative: assertion.narrative } : {}),
    },
    ...(assertion.evidence.length > 0
      ? {
          evidence: assertion.evidence.map((e) => ({
            ...(e.url ? { id: e.url } : {}),
            type: ['Evidence'],
            ...(e.name ? { name: e.name } : {}),
            ...(e.narrative ? { narrative: e.narrative } : {}),
          })),
        }
      : {}),
    credentialStatus: {
      id: `${statusList}#${status.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(status.index),
      statusListCredential: statusList,
    },
  };
}

export type OpenBadgeCredentialJson = ReturnType<typeof openBadgeCredential>;

/** The unsigned revocation list: `encodedList` is the GZIP'd, base64url bitstring made by the status-list library. */
export function statusListCredential(issuerId: string, encodedList: string, validFrom: string, urls: PublicUrls) {
  const id = urls.statusList(issuerId);
  return {
    '@context': [VC_V2_CONTEXT],
    id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    // The same issuer id as the credentials it covers: verifiers check the two match.
    issuer: urls.issuerProfile3(issuerId),
    validFrom,
    credentialSubject: { id: `${id}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList },
  };
}
