import { redactUrl } from '../redact-url.js';

/**
 * Masks the bearer secrets in links to this Kiln (learner sign-in links, claim codes and private claim links) with
 * the same rules as the logs, so a mail body can be kept or shown without handing its reader the learner's key.
 * Other links (award pages, badge images) are left as they are.
 */
export function maskSecretLinks(text: string, publicUrl: string): string {
  const ours = new RegExp(`${publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/[^\\s"'<>()\\[\\]]*)`, 'g');
  return text.replace(ours, (_link, path: string) => `${publicUrl}${redactUrl(path.replace(/&amp;/g, '&'))}`);
}
