import { z } from 'zod';
import { ValidationError } from '../errors.js';

/** Parses at the edge; every zod issue becomes one message keyed by its dotted path. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || '_';
    fields[key] ??= issue.message;
  }
  throw new ValidationError(fields);
}

const trimmed = (max: number) => z.string().trim().max(max, `At most ${max} characters.`);

export const text = {
  required: (label: string, max = 500) => z.string(`${label} is required.`).trim().max(max, `At most ${max} characters.`).min(1, `${label} is required.`),
  optional: (max = 5000) => trimmed(max).default(''),
};

// A host name with a dot at the very start ("riverside.org", "www.riverside.org/about", "riverside.org:8080"): what
// people type for a website. Anything else, schemes included, is left for the checks below to accept or refuse. Labels
// and dots are disjoint classes, so the match is linear (and the value is at most 2000 characters by then).
const bareHost = /^[a-z\d-]+(?:\.[a-z\d-]+)+(?::\d{1,5})?(?:[/?#]|$)/i;

/** "riverside.org" is taken as "https://riverside.org"; an empty value stays empty (and fails where it is required). */
export const withDefaultScheme = (value: string) => (bareHost.test(value) ? `https://${value}` : value);

/** http(s) only: z.url() alone accepts javascript: and data: URLs. A web address typed without a scheme gets https://. */
export const httpUrl = (label = 'URL') =>
  z
    .string(`${label} is required.`)
    .trim()
    .max(2000, 'At most 2000 characters.')
    .transform(withDefaultScheme)
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
      } catch {
        return false;
      }
    }, `${label} must be a full web address starting with https:// or http://.`)
    // Stored as typed and published as a JSON-LD @id: a space makes it an invalid IRI that signers and verifiers reject.
    .refine((v) => !/[\s\u0000-\u001f\u007f]/.test(v), `${label} must not contain spaces: write a space as %20.`);

export const email = (label = 'Email') =>
  z
    .string(`${label} is required.`)
    .trim()
    .toLowerCase()
    .max(254, 'At most 254 characters.')
    // No list separators or other specials (RFC 5322 allows them only quoted): "ada@example.org,Ada" is not one address.
    .regex(/^[^@\s<>"(),;:\\[\]]+@[^@\s<>"(),;:\\[\]]+\.[^@\s<>"(),;:\\[\].]+$/, `${label} must be an email address such as name@example.org.`);
