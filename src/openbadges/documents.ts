// Open Badges 2.0 hosted documents (openbadges-spec.md §1.2–1.13). Pure: records and the public base URL in, JSON out.

export const OB2_CONTEXT = 'https://w3id.org/openbadges/v2';

export interface PublicUrls {
  issuer(id: string): string;
  issuerImage(id: string): string;
  revocations(issuerId: string): string;
  badge(id: string): string;
  badgeImage(id: string): string;
  badgeImageSvg(id: string): string;
  assertion(id: string): string;
  bakedPng(id: string): string;
  bakedSvg(id: string): string;
  // Open Badges 3.0 forms (src/openbadges/ob3): different ids, linked to the 2.0 ones with `related`.
  issuerProfile3(id: string): string;
  achievement(badgeId: string): string;
  credential(assertionId: string): string;
  bakedCredentialPng(assertionId: string): string;
  bakedCredentialSvg(assertionId: string): string;
  statusList(issuerId: string): string;
  verificationMethod(issuerId: string, keyId: string): string;
}

/** Every hosted id is PUBLIC_URL + path; these are baked into badges that live for decades. */
export function publicUrls(base: string): PublicUrls {
  return {
    issuer: (id) => `${base}/issuers/${id}`,
    issuerImage: (id) => `${base}/issuers/${id}/image`,
    revocations: (id) => `${base}/issuers/${id}/revocations`,
    badge: (id) => `${base}/badges/${id}`,
    badgeImage: (id) => `${base}/badges/${id}/image`,
    badgeImageSvg: (id) => `${base}/badges/${id}/image.svg`,
    assertion: (id) => `${base}/assertions/${id}`,
    bakedPng: (id) => `${base}/assertions/${id}/baked.png`,
    bakedSvg: (id) => `${base}/assertions/${id}/baked.svg`,
    issuerProfile3: (id) => `${base}/issuers/${id}/ob3`,
    achievement: (id) => `${base}/badges/${id}/ob3`,
    credential: (id) => `${base}/credentials/${id}`,
    bakedCredentialPng: (id) => `${base}/credentials/${id}/baked.png`,
    bakedCredentialSvg: (id) => `${base}/credentials/${id}/baked.svg`,
    statusList: (id) => `${base}/issuers/${id}/status/revocation`,
    verificationMethod: (issuerId, keyId) => `${base}/issuers/${issuerId}/ob3/keys/${keyId}`,
  };
}

export interface IssuerFacts {
  id: string;
  name: string;
  url: string;
  email: string;
  description: string;
  hasImage: boolean;
}

/** An OB 2.0 AlignmentObject (§1.7); the optional fields are left out when empty. */
export interface Alignment {
  targetName: string;
  targetUrl: string;
  targetDescription?: string;
  targetFramework?: string;
  targetCode?: string;
}

export interface BadgeClassFacts {
  id: string;
  issuerId: string;
  name: string;
  description: string;
  imageCaption: string;
  criteriaNarrative: string;
  criteriaUrl: string | null;
  tags: string[];
  alignments: Alignment[];
}

export interface AssertionFacts {
  id: string;
  badgeClassId: string;
  salt: string;
  identityHash: string;
  issuedOn: string;
  expires: string | null;
  narrative: string | null;
  evidence: Array<{ url?: string; narrative?: string; name?: string }>;
}

/**
 * The same object's Open Badges 3.0 form, at its own id (migrating guide: never one combined document). The 3.0
 * class is named by full IRI because the 2.0 context does not define it.
 */
const related = (id: string, ob3Class: string) => ({
  id,
  type: [`https://purl.imsglobal.org/spec/vc/ob/vocab.html#${ob3Class}`],
  version: 'Open Badges v3p0',
});

export function issuerProfileJson(issuer: IssuerFacts, urls: PublicUrls) {
  return {
    '@context': OB2_CONTEXT,
    type: 'Issuer',
    id: urls.issuer(issuer.id),
    name: issuer.name,
    url: issuer.url,
    email: issuer.email,
    ...(issuer.description ? { description: issuer.description } : {}),
    ...(issuer.hasImage ? { image: urls.issuerImage(issuer.id) } : {}),
    related: [related(urls.issuerProfile3(issuer.id), 'Profile')],
    // No `verification` policy: the default (assertion ids on the issuer's origin) is exactly ours, and
    // validators reject allowedOrigins that carry ports or localhost (§1.6).
  };
}

/** `endorsements`: ids of the badge's current (not withdrawn) hosted Endorsements; the property appears only when there are some. */
export function badgeClassJson(badge: BadgeClassFacts, urls: PublicUrls, endorsements: string[] = []) {
  const image = urls.badgeImage(badge.id);
  return {
    '@context': OB2_CONTEXT,
    type: 'BadgeClass',
    id: urls.badge(badge.id),
    name: badge.name,
    description: badge.description,
    // The caption is the image's alt text (§1.7); without one, the plain URL is the most widely understood form.
    image: badge.imageCaption ? { id: image, caption: badge.imageCaption } : image,
    // Always an object (§1.13): consumers that expect one break on a bare URL.
    criteria: {
      ...(badge.criteriaUrl ? { id: badge.criteriaUrl } : {}),
      ...(badge.criteriaNarrative ? { narrative: badge.criteriaNarrative } : {}),
    },
    issuer: urls.issuer(badge.issuerId),
    tags: badge.tags,
    alignment: badge.alignments.map((a) => ({
      targetName: a.targetName,
      targetUrl: a.targetUrl,
      ...(a.targetDescription ? { targetDescription: a.targetDescription } : {}),
      ...(a.targetFramework ? { targetFramework: a.targetFramework } : {}),
      ...(a.targetCode ? { targetCode: a.targetCode } : {}),
    })),
    related: [related(urls.achievement(badge.id), 'Achievement')],
    ...(endorsements.length > 0 ? { endorsement: endorsements } : {}),
  };
}

export function assertionJson(assertion: AssertionFacts, urls: PublicUrls) {
  return {
    '@context': OB2_CONTEXT,
    type: 'Assertion',
    id: urls.assertion(assertion.id),
    recipient: { type: 'email', hashed: true, salt: assertion.salt, identity: assertion.identityHash },
    badge: urls.badge(assertion.badgeClassId),
    verification: { type: 'HostedBadge' },
    issuedOn: assertion.issuedOn,
    ...(assertion.expires ? { expires: assertion.expires } : {}),
    // The baked image, never the plain badge image (§1.4).
    image: urls.bakedPng(assertion.id),
    related: [related(urls.credential(assertion.id), 'OpenBadgeCredential')],
    ...(assertion.narrative ? { narrative: assertion.narrative } : {}),
    ...(assertion.evidence.length > 0
      ? {
          evidence: assertion.evidence.map((e) => ({
            ...(e.url ? { id: e.url } : {}),
            ...(e.name ? { name: e.name } : {}),
            ...(e.narrative ? { narrative: e.narrative } : {}),
          })),
        }
      : {}),
  };
}

/** What a revoked hosted assertion answers, with status 410 (§1.11). */
export function revokedAssertionJson(assertion: { id: string; revocationReason: string | null }, urls: PublicUrls) {
  return {
    '@context': OB2_CONTEXT,
    id: urls.assertion(assertion.id),
    revoked: true,
    revocationReason: assertion.revocationReason ?? '',
  };
}

export function revocationListJson(
  issuerId: string,
  revoked: Array<{ id: string; revocationReason: string | null }>,
  urls: PublicUrls,
) {
  return {
    '@context': OB2_CONTEXT,
    type: 'RevocationList',
    id: urls.revocations(issuerId),
    issuer: urls.issuer(issuerId),
    revokedAssertions: revoked.map((r) => ({
      id: urls.assertion(r.id),
      revoked: true,
      ...(r.revocationReason ? { revocationReason: r.revocationReason } : {}),
    })),
  };
}
