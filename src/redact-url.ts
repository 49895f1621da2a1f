// The masking rules for bearer secrets in our own URLs, shared by the access log (app.ts) and the outbox (services/secret-links.ts).
/**
 * Request URLs as they may appear in logs: claim codes, private claim links and sign-in links are secrets that
 * live in the path, so those segments (and any query string on those paths) are masked.
 */
const SECRET_PATHS = /^(\/claim(?:ed)?|\/learner\/sign-in)(\/[^?#]*)?(\?.*)?$/;

export function redactUrl(url: string): string {
  const match = SECRET_PATHS.exec(url);
  if (!match) return url;
  const rest = match[2] ? match[2].replace(/\/[^/]+/g, '/[redacted]') : '';
  return `${match[1]}${rest}${match[3] ? '?[redacted]' : ''}`;
}
