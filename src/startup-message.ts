import type { AddressInfo } from 'node:net';

export interface StartupFacts {
  /** What `server.address()` answered once listening. */
  address: AddressInfo | string | null;
  publicUrl: string;
  publicUrlIsLocal: boolean;
  hasAccounts: boolean;
  smtpConfigured: boolean;
}

/** The address a person on this machine can open: a wildcard bind (all interfaces) is reached as localhost. */
export function listenUrl(address: AddressInfo | string | null): string | null {
  if (!address || typeof address === 'string') return null;
  const wildcard = address.address === '0.0.0.0' || address.address === '::' || address.address === '';
  const host = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * What `npm start` tells the person who ran it, in plain words (the pino line is for log collectors): where to open
 * Kiln, how the first account becomes the admin, and what to fix before the first award.
 */
export function startupMessage(facts: StartupFacts): string {
  const local = listenUrl(facts.address);
  const lines = ['', 'Kiln is running.'];
  if (local) lines.push(`  Open ${local} in a browser.`);
  if (local !== facts.publicUrl) lines.push(`  Badges and links name ${facts.publicUrl} (PUBLIC_URL).`);
  if (!facts.hasAccounts) {
    lines.push(`  No account exists yet: the first account made at ${facts.publicUrl}/signup becomes the site admin.`);
  }
  if (facts.publicUrlIsLocal) {
    lines.push(
      `  PUBLIC_URL is a local address (${facts.publicUrl}): verifiers elsewhere cannot reach it, and every badge`,
      '  carries its ids for good. Set PUBLIC_URL to the public address before the first award.',
    );
  }
  if (!facts.smtpConfigured) lines.push('  No SMTP_URL: award emails are not sent; site admins read them at /admin/outbox.');
  return `${lines.join('\n')}\n\n`;
}
