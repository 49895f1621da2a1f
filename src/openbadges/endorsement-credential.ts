// Open Badges 3.0 EndorsementCredential: the same endorsement as the hosted 2.0 Endorsement, signed by the endorser.
// Pure: facts and URLs in, JSON out; the proof comes from ob3/sign.ts (the OB 3.0 signing helpers, unchanged).
import type { BadgeClassFacts, IssuerFacts, PublicUrls } from './documents.js';
import { CREDENTIAL_CONTEXTS, profile3 } from './ob3/credential.js';

export const endorsementCredentialUrl = (base: string, id: string) => `${base}/endorsements/${id}/ob3`;

export function endorsementCredential(
  facts: { id: string; comment: string; issuedOn: string; badge: BadgeClassFacts; endorser: IssuerFacts },
  urls: PublicUrls,
  base: string,
) {
  const { badge, endorser } = facts;
  return {
    '@context': CREDENTIAL_CONTEXTS,
    id: endorsementCredentialUrl(base, facts.id),
    type: ['VerifiableCredential', 'EndorsementCredential'],
    name: `${endorser.name} endorses ${badge.name}`,
    issuer: profile3(endorser, urls),
    validFrom: facts.issuedOn,
    // The subject is the badge's 3.0 Achievement, as the 2.0 claim is its BadgeClass.
    credentialSubject: { id: urls.achievement(badge.id), type: ['EndorsementSubject'], endorsementComment: facts.comment },
  };
}
