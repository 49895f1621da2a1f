import { AppError, notFound } from '../../errors.js';
import type { Assertion } from '../../repos/assertions.js';
import type { Services } from '../../services/index.js';
import { contentTypeOf, type DocumentVariant } from '../negotiate.js';
import { documentResponse, fileResponse, type PublicResponse } from './send.js';

// A sanitised SVG is still served as a sandboxed document, in case a browser opens it directly.
const SVG_CSP = { 'content-security-policy': "default-src 'none'; img-src data:; sandbox" };
const OB3_SVG_CSP = { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox" };
// Open Badges 3.0 credentials are JSON-LD of the more specific type the spec recommends (openbadges-spec.md §4.4).
export const VC_TYPE = 'application/vc+ld+json; charset=utf-8';

const downloadName = (assertionId: string) => `badge-${assertionId.slice(0, 8)}`;
const attachment = (name: string) => ({ 'content-disposition': `attachment; filename="${name}"` });

/** The tags of everything an award's documents embed (migrations/011_public_changes.sql). */
const awardTags = (a: Assertion) => [`assertion:${a.id}`, `badge:${a.badgeClassId}`, `issuer:${a.issuerId}`];
const signedAwardTags = (a: Assertion) => [...awardTags(a), `keys:${a.issuerId}`];

/**
 * Every public hosted document and image (JSON variants; the HTML pages stay in Express), as a PublicResponse with
 * the tags of what it was made from. Unknown ids throw 404 and withdrawn ones 410, as the routes always did.
 * Used by the Express routes and by the fast path (./fast-path.ts) alike, so both answer the same bytes.
 * A resolver that writes to the database (signing on first request, a key made on first use) must be async: the
 * fast path reads the change log again only after an async one (PublicCache.store, `madeAtOnce`).
 */
export function publicResolvers(services: Services) {
  const { issuers, badgeClasses, assertions, credentials, endorsements } = services;

  const requireIssuer = (id: string) => {
    const issuer = issuers.findPublic(id);
    if (!issuer) throw notFound('Issuer');
    return issuer;
  };
  const requireBadge = (id: string) => {
    const badge = badgeClasses.findIncludingDeleted(id);
    if (!badge) throw notFound('Badge');
    if (badge.deletedAt) throw new AppError(410, 'gone', 'This badge has been withdrawn by its issuer.');
    return badge;
  };
  const requireAward = (id: string) => {
    const assertion = assertions.findPublic(id);
    if (!assertion) throw notFound('Award');
    return assertion;
  };
  const requireLiveAward = (id: string) => {
    const assertion = requireAward(id);
    if (assertion.revokedAt) throw new AppError(410, 'revoked', 'This badge has been revoked by its issuer and can no longer be downloaded.');
    return assertion;
  };

  return {
    issuer(id: string, variant: DocumentVariant): PublicResponse {
      return documentResponse(variant, issuers.profileJson(requireIssuer(id)), [`issuer:${id}`]);
    },

    issuerImage(id: string): PublicResponse {
      const png = issuers.image(id);
      if (!png) throw notFound('Image');
      return fileResponse(png, 'image/png', [`issuer:${id}`]);
    },

    revocations(id: string, variant: DocumentVariant): PublicResponse {
      requireIssuer(id);
      return documentResponse(variant, assertions.revocationListJson(id), [`issuer:${id}`, `revocations:${id}`]);
    },

    /** Signed 2.0: the issuer's RSA public key (CryptographicKey). JSON-LD for every client: a key has no page. */
    publicKey(issuerId: string, keyId: string, variant: DocumentVariant): PublicResponse {
      const key = services.signedAssertions.keyDocument(issuerId, keyId);
      if (!key) throw notFound('Key');
      return documentResponse(variant, key, [`issuer:${issuerId}`]);
    },

    badgeClass(id: string, variant: DocumentVariant): PublicResponse {
      const badge = requireBadge(id);
      return documentResponse(variant, badgeClasses.json(badge), [`badge:${id}`, `issuer:${badge.issuerId}`]);
    },

    badgeImage(id: string): PublicResponse {
      const images = badgeClasses.images(id);
      if (!images) throw notFound('Image');
      return fileResponse(images.png, 'image/png', [`badge:${id}`]);
    },

    badgeImageSvg(id: string): PublicResponse {
      const images = badgeClasses.images(id);
      if (!images?.svg) throw notFound('Image');
      return fileResponse(Buffer.from(images.svg), 'image/svg+xml', [`badge:${id}`], SVG_CSP);
    },

    /** The hosted assertion: 410 with `revoked: true` once revoked. */
    assertion(id: string, variant: DocumentVariant): PublicResponse {
      const assertion = requireAward(id);
      if (assertion.revokedAt) return documentResponse(variant, assertions.revokedDocumentOf(assertion), awardTags(assertion), 410);
      return documentResponse(variant, assertions.documentOf(assertion), awardTags(assertion));
    },

    bakedPng(id: string): PublicResponse {
      const assertion = requireLiveAward(id);
      return fileResponse(assertions.bakedPng(assertion), 'image/png', awardTags(assertion), attachment(`${downloadName(assertion.id)}.png`));
    },

    /** The hosted assertion's bytes as a download (the award page's "Open Badges 2.0 data"); 410 once revoked. */
    assertionFile(id: string): PublicResponse {
      const assertion = requireLiveAward(id);
      const json = Buffer.from(JSON.stringify(assertions.documentOf(assertion)));
      return fileResponse(json, contentTypeOf('ld'), awardTags(assertion), attachment(`${downloadName(assertion.id)}.json`));
    },

    bakedSvg(id: string): PublicResponse {
      const assertion = requireLiveAward(id);
      const svg = assertions.bakedSvg(assertion);
      if (svg === null) throw notFound('SVG image');
      return fileResponse(Buffer.from(svg), 'image/svg+xml', awardTags(assertion), { ...SVG_CSP, ...attachment(`${downloadName(assertion.id)}.svg`) });
    },

    /** The 3.0 Profile, which is also the controller document listing every key the issuer signs with. */
    async issuerProfile3(id: string, variant: DocumentVariant): Promise<PublicResponse> {
      const issuer = requireIssuer(id);
      return documentResponse(variant, await credentials.profileDocument(issuer), [`issuer:${id}`, `keys:${id}`]);
    },

    /** A verification method: the Multikey document at its own URL. */
    verificationMethod(issuerId: string, keyId: string, variant: DocumentVariant): PublicResponse {
      const issuer = issuers.findPublic(issuerId);
      const key = issuer ? credentials.verificationMethodDocument(issuer, keyId) : null;
      if (!key) throw notFound('Key');
      return documentResponse(variant, key, [`issuer:${issuerId}`, `keys:${issuerId}`]);
    },

    /** The issuer's signed BitstringStatusListCredential (statusPurpose revocation). */
    async statusList(id: string, variant: DocumentVariant): Promise<PublicResponse> {
      requireIssuer(id);
      const json = await credentials.statusListJson(id);
      return documentResponse(variant, null, [`issuer:${id}`, `keys:${id}`, `revocations:${id}`, `status:${id}`], 200, VC_TYPE, json);
    },

    achievement(id: string, variant: DocumentVariant): PublicResponse {
      const badge = requireBadge(id);
      return documentResponse(variant, credentials.achievementDocument(badge), [`badge:${id}`, `issuer:${badge.issuerId}`]);
    },

    /** The signed OpenBadgeCredential; once revoked, 410 like the 2.0 assertion (the status list says so too). */
    async credential(id: string, variant: DocumentVariant): Promise<PublicResponse> {
      const assertion = requireAward(id);
      if (assertion.revokedAt) {
        const gone = { id: services.ctx.urls.credential(assertion.id), revoked: true, revocationReason: assertion.revocationReason ?? '' };
        return documentResponse(variant, gone, awardTags(assertion), 410);
      }
      // The stored text is JSON.stringify output already: sent as it is, not parsed and written again.
      return documentResponse(variant, null, signedAwardTags(assertion), 200, VC_TYPE, await credentials.credentialJson(assertion));
    },

    /** "Download credential (.json)": the same bytes as the hosted credential, as a file whatever the browser asks. */
    async credentialFile(id: string): Promise<PublicResponse> {
      const assertion = credentials.requireLive(id);
      const json = Buffer.from(await credentials.credentialJson(assertion));
      return fileResponse(json, VC_TYPE, signedAwardTags(assertion), attachment(`${downloadName(assertion.id)}-ob3.json`));
    },

    async bakedPng3(id: string): Promise<PublicResponse> {
      const assertion = credentials.requireLive(id);
      const png = await credentials.bakedPng(assertion);
      return fileResponse(png, 'image/png', signedAwardTags(assertion), attachment(`${downloadName(assertion.id)}-ob3.png`));
    },

    async bakedSvg3(id: string): Promise<PublicResponse> {
      const assertion = credentials.requireLive(id);
      const svg = await credentials.bakedSvg(assertion);
      if (svg === null) throw notFound('SVG image');
      return fileResponse(Buffer.from(svg), 'image/svg+xml', signedAwardTags(assertion), { ...OB3_SVG_CSP, ...attachment(`${downloadName(assertion.id)}-ob3.svg`) });
    },

    /** A hosted endorsement (OB 2.0): 410 with `revoked: true` once withdrawn, like a revoked assertion. */
    endorsement(id: string, variant: DocumentVariant): PublicResponse {
      const e = endorsements.findPublic(id);
      if (!e) throw notFound('Endorsement');
      const tags = [`endorsement:${id}`, `badge:${e.badgeClassId}`, `issuer:${e.endorserIssuerId}`];
      if (e.withdrawnAt !== null) return documentResponse(variant, endorsements.withdrawnJson(e), tags, 410);
      return documentResponse(variant, endorsements.json(e), tags);
    },

    /** The signed OB 3.0 EndorsementCredential; 410 like the 2.0 document once withdrawn. */
    async endorsementCredential(id: string, variant: DocumentVariant): Promise<PublicResponse> {
      const e = endorsements.findPublic(id);
      if (!e) throw notFound('Endorsement');
      const tags = [`endorsement:${id}`, `badge:${e.badgeClassId}`, `issuer:${e.endorserIssuerId}`, `keys:${e.endorserIssuerId}`];
      if (e.withdrawnAt) {
        const gone = { id: endorsements.credentialUrl(e.id), revoked: true, revocationReason: e.withdrawalReason ?? '' };
        return documentResponse(variant, gone, tags, 410);
      }
      return documentResponse(variant, await endorsements.credential(e), tags, 200, VC_TYPE);
    },
  };
}

export type PublicResolvers = ReturnType<typeof publicResolvers>;
