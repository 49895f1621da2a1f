type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * One recipient per line: "email" or "email, name" (also "Name <email>").
 * Blank lines are skipped but still counted, so error messages name the line the user sees.
 */
export function parseRecipientLines(text: string): Array<{ email: string; name?: string; line: number }> {
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ raw: raw.trim(), line: index + 1 }))
    .filter((r) => r.raw !== '')
    .map(({ raw, line }) => {
      const angle = nameAndAddress(raw);
      if (angle) return { ...angle, line };
      const [email, ...rest] = raw.split(/[,;\t]/);
      const name = rest.join(' ').trim();
      return { email: email!.trim(), ...(name ? { name } : {}), line };
    });
}

/**
 * `Name <email>`, found with string searches: a backtracking regex here took seconds on a long line of `<`.
 */
function nameAndAddress(raw: string): { email: string; name?: string } | null {
  if (!raw.endsWith('>')) return null;
  const open = raw.lastIndexOf('<');
  if (open < 0 || open === raw.length - 2) return null;
  const email = raw.slice(open + 1, -1).trim();
  const name = raw.slice(0, open).trim().replace(/^"|"$/g, '');
  return { email, ...(name ? { name } : {}) };
}

/** Maps the award form onto the service input. */
export function awardFormInput(body: Body) {
  const recipients = parseRecipientLines(str(body.recipients));
  const evidenceUrl = str(body.evidenceUrl).trim();
  const evidenceNarrative = str(body.evidenceNarrative).trim();
  const expires = str(body.expires).trim();
  return {
    recipients,
    narrative: str(body.narrative),
    evidence: evidenceUrl || evidenceNarrative ? [{ ...(evidenceUrl ? { url: evidenceUrl } : {}), ...(evidenceNarrative ? { narrative: evidenceNarrative } : {}) }] : [],
    ...(str(body.issuedOn).trim() ? { issuedOn: str(body.issuedOn).trim() } : {}),
    ...(expires ? { expires } : body.noExpiry === '1' ? { expires: null } : {}),
  };
}
