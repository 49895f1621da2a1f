import { hasMailbox } from '../services/mail.js';

/**
 * How a recipient is named on a page: "Ada Lovelace · ada@example.org", or "no email" in place of the address
 * Kiln makes up for a learner who claimed without one (claim-…@no-email.invalid), which must never reach a screen.
 */
export function recipientLabel(name: string | null | undefined, email: string): string {
  const address = hasMailbox(email) ? email : 'no email';
  return name ? `${name} · ${address}` : address;
}

/**
 * Who a public award page says the badge was awarded to: the name the issuer gave, never an email address (the
 * hosted record only carries its hash), and "no email" for a learner who has none.
 */
export function publicRecipientLabel(name: string | null | undefined, email: string): string {
  if (hasMailbox(email)) return name || 'the learner it was sent to by email';
  return name ? `${name} (no email)` : 'a learner (no email)';
}
