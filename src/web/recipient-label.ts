import { hasMailbox } from '../services/mail.js';

/**
 * How a recipient is named on a page: "Ada Lovelace · ada@example.org", or "no email" in place of the address
 * Kiln makes up for a learner who claimed without one (claim-…@no-email.invalid), which must never reach a screen.
 */
export function recipientLabel(name: string | null | undefined, email: string): string {
  const address = hasMailbox(email) ? email : 'no email';
  return name ? `${name} · ${address}` : address;
}
