// Share links for an award page: plain URLs to each network's own share form, so the page loads no third-party
// script and works without JavaScript. Pure: the award's facts in, URLs out.

export interface ShareLink {
  /** What the link says, e.g. "Share on Facebook". */
  label: string;
  href: string;
}

/** LinkedIn's add-to-profile link for a certification (name, organisation, issue and expiry month, URL and id). */
export function linkedInAddToProfile(
  assertion: { id: string; issuedOn: string; expires: string | null },
  badgeName: string,
  issuerName: string,
  certUrl: string,
): string {
  const issued = new Date(assertion.issuedOn);
  const params = new URLSearchParams({
    startTask: 'CERTIFICATION_NAME',
    name: badgeName,
    organizationName: issuerName,
    issueYear: String(issued.getUTCFullYear()),
    issueMonth: String(issued.getUTCMonth() + 1),
    certUrl,
    certId: assertion.id,
  });
  if (assertion.expires) {
    const expires = new Date(assertion.expires);
    params.set('expirationYear', String(expires.getUTCFullYear()));
    params.set('expirationMonth', String(expires.getUTCMonth() + 1));
  }
  return `https://www.linkedin.com/profile/add?${params.toString()}`;
}

const query = (params: Record<string, string>) => new URLSearchParams(params).toString().replaceAll('+', '%20');

/**
 * Posting the award's link: LinkedIn, X, Facebook, Bluesky, Mastodon (Share₂Fedi asks which server, as Mastodon has
 * no central share URL) and email. The message names the badge and issuer; the link is the award page.
 */
export function shareLinksOf(badgeName: string, issuerName: string, awardUrl: string): ShareLink[] {
  const text = `I earned the ${badgeName} badge from ${issuerName}.`;
  return [
    { label: 'Post on LinkedIn', href: `https://www.linkedin.com/sharing/share-offsite/?${query({ url: awardUrl })}` },
    { label: 'Post on X', href: `https://x.com/intent/post?${query({ text, url: awardUrl })}` },
    { label: 'Share on Facebook', href: `https://www.facebook.com/sharer/sharer.php?${query({ u: awardUrl })}` },
    { label: 'Post on Bluesky', href: `https://bsky.app/intent/compose?${query({ text: `${text} ${awardUrl}` })}` },
    { label: 'Post on Mastodon', href: `https://s2f.kytta.dev/?${query({ text: `${text} ${awardUrl}` })}` },
    {
      label: 'Send by email',
      href: `mailto:?${query({ subject: `${badgeName} · awarded by ${issuerName}`, body: `${text}\n\nSee and check it here: ${awardUrl}` })}`,
    },
  ];
}
