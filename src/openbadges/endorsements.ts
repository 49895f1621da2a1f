// Open Badges 2.0 Endorsement (openbadges-spec.md §1.8, §5.2): an issuer's claim about another object, hosted at its id.
// Pure: facts and URLs in, JSON out.
import { OB2_CONTEXT } from './documents.js';

export interface EndorsementFacts {
  id: string;
  badgeClassId: string;
  endorserIssuerId: string;
  comment: string;
  issuedOn: string;
  withdrawalReason: string | null;
}

export interface EndorsementUrls {
  endorsement(id: string): string;
  badge(id: string): string;
  issuer(id: string): string;
}

/** The public path of an endorsement: the id is PUBLIC_URL + this (DESIGN.md: served exactly at its id). */
export const endorsementUrl = (base: string, id: string) => `${base}/endorsements/${id}`;

export function endorsementJson(e: EndorsementFacts, urls: EndorsementUrls) {
  return {
    '@context': OB2_CONTEXT,
    type: 'Endorsement',
    id: urls.endorsement(e.id),
    // The claim names the endorsed BadgeClass by its id; the comment is Markdown text (§1.8).
    claim: { id: urls.badge(e.badgeClassId), endorsementComment: e.comment },
    issuer: urls.issuer(e.endorserIssuerId),
    issuedOn: e.issuedOn,
    verification: { type: 'HostedBadge' },
  };
}

/** What a withdrawn endorsement answers, with status 410, like a revoked assertion (§1.11). */
export function withdrawnEndorsementJson(e: Pick<EndorsementFacts, 'id' | 'withdrawalReason'>, urls: Pick<EndorsementUrls, 'endorsement'>) {
  return {
    '@context': OB2_CONTEXT,
    id: urls.endorsement(e.id),
    revoked: true,
    revocationReason: e.withdrawalReason ?? '',
  };
}
