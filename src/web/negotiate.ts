import Negotiator from 'negotiator';

export type DocumentVariant = 'html' | 'ld' | 'json';

const offered = ['application/ld+json', 'application/json', 'text/html'];
const memo = new Map<string, DocumentVariant>();

/**
 * JSON-LD unless the client prefers HTML (browsers); plain JSON when that is all it asked for (openbadges-spec.md §1.11).
 * No Accept, or an Accept we offer nothing for, gets JSON-LD: validators must never be handed a page.
 */
export function documentVariant(accept: string | undefined): DocumentVariant {
  if (!accept || accept === '*/*') return 'ld';
  const known = memo.get(accept);
  if (known) return known;
  const best = new Negotiator({ headers: { accept } }).mediaType(offered);
  const variant: DocumentVariant = best === 'text/html' ? 'html' : best === 'application/json' ? 'json' : 'ld';
  if (memo.size > 500) memo.clear();
  memo.set(accept, variant);
  return variant;
}

export const contentTypeOf = (variant: 'ld' | 'json') =>
  variant === 'json' ? 'application/json; charset=utf-8' : 'application/ld+json; charset=utf-8';
