import request from 'supertest';
import { csrfFrom, type Agent } from '../../helpers/app.js';
import type { ReceivedMail, TestSmtp } from '../../helpers/smtp.js';
import { openSiteDb, type Seeded, type Site } from '../../helpers/child-server.js';

/*
 * One pass through the whole product against a real server process, as its users would go: facilitators sign in,
 * invite, make tokens, design a badge and award it by form, API, CSV (API and form) and workshop claim; learners claim,
 * get their emails, sign in with a link, make a shared collection; anyone opens the award pages, baked images and
 * OB 3.0 credentials and verifies them; an award is revoked and one recipient corrected.
 * Everything a stranger could fetch is recorded, with every secret used, for the privacy and log suites to grep.
 */

export interface Fetched {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface FullRun {
  /** Every recipient email used, in the case it was typed (some mixed case on purpose). */
  recipients: string[];
  /** Everything that must never reach an info log. */
  secrets: { emails: string[]; passwords: string[]; apiTokens: string[]; claimCodes: string[]; claimTokens: string[]; signInTokens: string[]; invitationCodes: string[] };
  /** Anonymous GETs of everything public (documents, pages, images, credentials) and the public verifier's answers. */
  publicResponses: Fetched[];
  /** The verifier's answers to someone who gave an email to check: they see what they typed, nothing more. */
  verifierAnswersWithEmail: Fetched[];
  /** Every URL the run requested or was sent to (Location headers, links in emails). */
  urls: string[];
  mails: ReceivedMail[];
  counts: { awards: number; publicResponses: number; mails: number };
}

const expectStatus = (res: { status: number; text?: string }, status: number, what: string) => {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${(res.text ?? '').slice(0, 400)}`);
};

export async function fullRun(site: Site, seeded: Seeded, smtp: TestSmtp): Promise<FullRun> {
  const base = site.baseUrl;
  const urls: string[] = [];
  const publicResponses: Fetched[] = [];
  const verifierAnswersWithEmail: Fetched[] = [];
  const secrets: FullRun['secrets'] = {
    emails: [seeded.email],
    passwords: [seeded.password],
    apiTokens: [seeded.token],
    claimCodes: [],
    claimTokens: [],
    signInTokens: [],
    invitationCodes: [],
  };
  const recipients: string[] = [];
  const recipient = (email: string) => {
    recipients.push(email);
    secrets.emails.push(email);
    return email;
  };
  const awardIds = new Set<string>();
  const api = () => request(base);
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function publicGet(path: string, accept = '*/*', into = publicResponses): Promise<Fetched> {
    const url = path.startsWith('http') ? path : `${base}${path}`;
    urls.push(url);
    const res = await fetch(url, { headers: { Accept: accept }, redirect: 'manual' });
    const fetched = { url, status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) };
    if (fetched.headers.location) urls.push(fetched.headers.location);
    into.push(fetched);
    return fetched;
  }
  const track = <T extends { headers: Record<string, string> }>(res: T) => {
    if (res.headers.location) urls.push(res.headers.location);
    return res;
  };

  // Accounts: a failed login or two, the admin signs in by form, invites a colleague and makes an API token there.
  const stranger = request.agent(base);
  let csrf = await csrfFrom(stranger, '/login');
  expectStatus(await stranger.post('/login').type('form').send({ _csrf: csrf, email: seeded.email, password: 'not the password' }), 401, 'wrong password');
  secrets.passwords.push('not the password');
  const unknown = recipient('Nobody.Here@Example.org');
  expectStatus(await stranger.post('/login').type('form').send({ _csrf: csrf, email: unknown, password: 'whatever it is' }), 401, 'unknown email');

  const admin = request.agent(base);
  csrf = await csrfFrom(admin, '/login');
  expectStatus(track(await admin.post('/login').type('form').send({ _csrf: csrf, email: seeded.email, password: seeded.password, next: '/manage' })), 303, 'login');
  csrf = await csrfFrom(admin, '/admin');
  const invitationPage = await admin.post('/admin/invitations').type('form').send({ _csrf: csrf });
  const invitationUrl = /(http[^<\s]+\/signup\?invitation=[^<\s]+)/.exec(invitationPage.text)![1]!.replace(/&amp;/g, '&');
  const invitationCode = decodeURIComponent(new URL(invitationUrl).searchParams.get('invitation')!);
  secrets.invitationCodes.push(invitationCode);
  const colleague = request.agent(base);
  const colleagueEmail = 'Colleague.Two@Riverside.example.org';
  secrets.emails.push(colleagueEmail);
  secrets.passwords.push('another long passphrase');
  await colleague.get(`/signup?invitation=${encodeURIComponent(invitationCode)}`);
  csrf = await csrfFrom(colleague, '/signup');
  expectStatus(
    track(await colleague.post('/signup').type('form').send({ _csrf: csrf, email: colleagueEmail, password: 'another long passphrase', invitation: invitationCode })),
    303,
    'signup',
  );
  csrf = await csrfFrom(admin, '/account');
  const tokenPage = await admin.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'Moodle sync' });
  const formToken = /<code class="token" data-copy>([^<]+)<\/code>/.exec(tokenPage.text)![1]!;
  secrets.apiTokens.push(formToken);

  // A designed badge (so baked SVGs exist) through the API with the token made on the page.
  const designed = await api()
    .post(`/api/v1/issuers/${seeded.issuerId}/badges`)
    .set(bearer(formToken))
    .send({
      name: 'Team Player',
      description: 'Worked well with others.',
      criteria: { narrative: 'Help your team finish a project.' },
      design: { shape: 'circle', background: '#1d4ed8', border: '#facc15', title: 'Team Player', icon: 'star' },
    });
  expectStatus(designed, 201, 'designed badge');
  const badgeIds = [seeded.badgeId, designed.body.id as string];
  const badgeId = designed.body.id as string;

  // Award by form (mixed-case address), by API, by CSV through the API and through the form, all with email.
  const formRecipient = recipient('Form.Recipient@Example.ORG');
  csrf = await csrfFrom(admin, `/manage/badges/${badgeId}/award`);
  expectStatus(
    track(await admin.post(`/manage/badges/${badgeId}/award`).type('form').send({ _csrf: csrf, recipients: `${formRecipient}, Fran Form`, notify: '1', confirmed: '1' })),
    303,
    'award by form',
  );
  const apiRecipient = recipient('Api.Recipient@example.org');
  const byApi = await api().post(`/api/v1/badges/${badgeId}/assertions`).set(bearer(seeded.token)).send({ recipient: { email: apiRecipient, name: 'Ada Api' }, notify: true, narrative: 'Led the group.' });
  expectStatus(byApi, 201, 'award by API');
  const csvRecipients = [recipient('csv.one@example.org'), recipient('CSV.Two@Example.org')];
  const byCsv = await api()
    .post(`/api/v1/badges/${badgeId}/assertions/bulk?notify=true`)
    .set(bearer(seeded.token))
    .set('Content-Type', 'text/csv')
    .send(`email,name\n${csvRecipients[0]},Cee One\n${csvRecipients[1]},Cee Two\n`);
  expectStatus(byCsv, 201, 'CSV by API');
  const formCsvRecipients = [recipient('sheet.one@example.org'), recipient('Sheet.Two@example.org')];
  csrf = await csrfFrom(admin, `/manage/badges/${badgeId}/award/bulk`);
  const preview = await admin
    .post(`/manage/badges/${badgeId}/award/bulk`)
    .field('_csrf', csrf)
    .field('notify', '1')
    .attach('csv', Buffer.from(`email,name\n${formCsvRecipients[0]},Sheet One\n${formCsvRecipients[1]},Sheet Two\n`), { filename: 'group.csv', contentType: 'text/csv' });
  expectStatus(preview, 200, 'CSV preview');
  const confirmAction = /action="(\/manage\/badges\/[^"]+\/award\/bulk\/[^"]+)"/.exec(preview.text)![1]!;
  const confirmCsrf = /name="_csrf" value="([^"]+)"/.exec(preview.text)![1]!;
  expectStatus(track(await admin.post(confirmAction).type('form').send({ _csrf: confirmCsrf })), 303, 'CSV confirm');

  // A workshop: a session, a claim with an email and one without, approved by the facilitator.
  csrf = await csrfFrom(admin, `/manage/badges/${badgeId}/sessions/new`);
  const opened = track(
    await admin.post(`/manage/badges/${badgeId}/sessions`).type('form').send({ _csrf: csrf, title: 'Saturday club', closesInMinutes: '180', notify: ['0', '1'], wall: '1' }),
  );
  expectStatus(opened, 303, 'open session');
  const sessionId = opened.headers.location!.split('/').pop()!;
  const projector = await admin.get(`/manage/sessions/${sessionId}/projector`);
  const code = /class="projector-code"[^>]*>([^<]+)</.exec(projector.text)![1]!.trim();
  secrets.claimCodes.push(code);
  const claimRecipient = recipient('Claim.Learner@Example.org');
  const claimer = request.agent(base);
  csrf = await csrfFrom(claimer, `/claim/${code}`);
  const claimed = track(await claimer.post(`/claim/${code}`).type('form').send({ _csrf: csrf, name: 'Maya Patel', email: claimRecipient, wallConsent: '1' }));
  expectStatus(claimed, 303, 'claim with email');
  const child = request.agent(base);
  csrf = await csrfFrom(child, '/claim');
  expectStatus(track(await child.post('/claim').type('form').send({ _csrf: csrf, code: code.toLowerCase() })), 303, 'enter code');
  csrf = await csrfFrom(child, `/claim/${code}`);
  const childClaim = track(await child.post(`/claim/${code}`).type('form').send({ _csrf: csrf, name: 'Leo', noEmail: '1' }));
  expectStatus(childClaim, 303, 'claim without email');
  for (const location of [claimed.headers.location!, childClaim.headers.location!]) secrets.claimTokens.push(location.split('/').pop()!);
  csrf = await csrfFrom(admin, `/manage/sessions/${sessionId}`);
  expectStatus(await admin.post(`/manage/sessions/${sessionId}/approve`).type('form').send({ _csrf: csrf, all: '1' }), 303, 'approve');

  // Searches carry emails in the query string; logs must keep the path only.
  await admin.get(`/manage/badges/${badgeId}?q=${encodeURIComponent(apiRecipient)}`);
  await admin.get(`/manage/issuers/${seeded.issuerId}/awards?q=${encodeURIComponent(formRecipient)}`);
  // A refused award (bad address) and a correction to a new address.
  const badAddress = 'Broken@@example.org';
  secrets.emails.push(badAddress);
  await api().post(`/api/v1/badges/${badgeId}/assertions`).set(bearer(seeded.token)).send({ recipient: { email: badAddress } });

  const db = openSiteDb(site, { readonly: true });
  for (const id of db.prepare('SELECT id FROM assertions').pluck().all() as string[]) awardIds.add(id);
  db.close();
  const apiAwardId = byApi.body.id as string;
  const correctedRecipient = recipient('Corrected.Address@Example.org');
  const csvAwardId = byCsv.body.items[0].id as string;
  const corrected = await api().post(`/api/v1/assertions/${csvAwardId}/correct`).set(bearer(seeded.token)).send({ email: correctedRecipient, name: 'Cee One' });
  expectStatus(corrected, 201, 'correct recipient');
  awardIds.add(corrected.body.id);
  const revokedId = byCsv.body.items[1].id as string;
  expectStatus(await api().post(`/api/v1/assertions/${revokedId}/revoke`).set(bearer(seeded.token)).send({ reason: 'Issued in error' }), 200, 'revoke');

  // The learner signs in with an emailed link and shares a collection.
  const before = smtp.mails.length;
  const learner = request.agent(base);
  csrf = await csrfFrom(learner, '/learner');
  expectStatus(await learner.post('/learner/sign-in').type('form').send({ _csrf: csrf, email: apiRecipient }), 200, 'ask for a link');
  const started = Date.now();
  let link: string | null = null;
  while (!link) {
    const mail = smtp.mails.slice(before).find((m) => /\/learner\/sign-in\//.test(m.text));
    if (mail) link = /(http[^\s)]+\/learner\/sign-in\/[\w-]+)/.exec(mail.text)![1]!;
    else if (Date.now() - started > 30_000) throw new Error('no sign-in email');
    else await new Promise((r) => setTimeout(r, 50));
  }
  urls.push(link);
  const linkPath = new URL(link).pathname;
  secrets.signInTokens.push(linkPath.split('/').pop()!);
  csrf = await csrfFrom(learner, linkPath);
  expectStatus(track(await learner.post(linkPath).type('form').send({ _csrf: csrf })), 303, 'use the link');
  csrf = await csrfFrom(learner, '/learner');
  const collection = track(await learner.post('/learner/collections').type('form').send({ _csrf: csrf, name: 'My badges', description: 'What I did this year' }));
  expectStatus(collection, 303, 'create collection');
  const collectionId = collection.headers.location!.split('/').pop()!;
  csrf = await csrfFrom(learner, `/learner/collections/${collectionId}`);
  await learner.post(`/learner/collections/${collectionId}`).type('form').send({ _csrf: csrf, name: 'My badges', description: 'What I did this year', ids: [apiAwardId], public: '1', visibility: 'public' });

  // Wait for every email to leave the outbox, so their links and attachments are part of what is checked.
  const mailStart = Date.now();
  for (;;) {
    const outbox = openSiteDb(site, { readonly: true });
    const pending = outbox.prepare("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')").pluck().get() as number;
    outbox.close();
    if (pending === 0) break;
    if (Date.now() - mailStart > 60_000) throw new Error(`${pending} emails still in the outbox`);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const mail of smtp.mails) for (const m of `${mail.text}\n${mail.html}`.matchAll(/https?:\/\/[^\s"'<>)]+/g)) urls.push(m[0]);

  // Everything a stranger can fetch: hosted documents in both forms, pages, images, credentials, walls, links.
  for (const id of awardIds) {
    for (const accept of ['application/ld+json', 'text/html']) {
      await publicGet(`/assertions/${id}`, accept);
      await publicGet(`/credentials/${id}`, accept);
    }
    await publicGet(`/assertions/${id}/baked.png`);
    await publicGet(`/assertions/${id}/baked.svg`);
    await publicGet(`/credentials/${id}/baked.png`);
    await publicGet(`/credentials/${id}/baked.svg`);
    await publicGet(`/credentials/${id}/credential.json`);
  }
  for (const id of badgeIds) {
    for (const accept of ['application/ld+json', 'text/html']) await publicGet(`/badges/${id}`, accept);
    await publicGet(`/badges/${id}/ob3`);
    await publicGet(`/badges/${id}/image`);
    await publicGet(`/badges/${id}/image.svg`);
  }
  for (const accept of ['application/ld+json', 'text/html']) await publicGet(`/issuers/${seeded.issuerId}`, accept);
  for (const path of ['ob3', 'revocations', 'status/revocation', 'image', 'wall']) await publicGet(`/issuers/${seeded.issuerId}/${path}`);
  await publicGet(`/sessions/${sessionId}/wall`, 'text/html');
  await publicGet(`/collections/${collectionId}`, 'text/html');
  await publicGet('/', 'text/html');
  for (const token of secrets.claimTokens) {
    await publicGet(`/claimed/${token}`, 'text/html');
    await publicGet(`/claimed/${token}/certificate`, 'text/html');
  }

  // Verifying: by URL, by baked image, with and without the recipient's address.
  const verifyUrls = [...awardIds].flatMap((id) => [`${base}/assertions/${id}`, `${base}/credentials/${id}`]);
  for (const url of verifyUrls.slice(0, 6)) {
    const res = await api().post('/api/v1/verify').send({ url });
    publicResponses.push({ url: `${base}/api/v1/verify`, status: res.status, headers: res.headers as Record<string, string>, body: Buffer.from(res.text) });
  }
  const withEmail = await api().post('/api/v1/verify').send({ url: `${base}/assertions/${apiAwardId}`, email: apiRecipient });
  verifierAnswersWithEmail.push({ url: `${base}/api/v1/verify`, status: withEmail.status, headers: withEmail.headers as Record<string, string>, body: Buffer.from(withEmail.text) });
  const baked = await publicGet(`/assertions/${apiAwardId}/baked.png`);
  const verifier = request.agent(base);
  csrf = await csrfFrom(verifier, '/verify');
  const byFile = await verifier.post('/verify').field('_csrf', csrf).attach('file', baked.body, { filename: 'badge.png', contentType: 'image/png' });
  publicResponses.push({ url: `${base}/verify`, status: byFile.status, headers: byFile.headers as Record<string, string>, body: Buffer.from(byFile.text) });

  return {
    recipients,
    secrets,
    publicResponses,
    verifierAnswersWithEmail,
    urls,
    mails: smtp.mails,
    counts: { awards: awardIds.size, publicResponses: publicResponses.length, mails: smtp.mails.length },
  };
}

/** Where a needle turns up in a haystack, in any letter case and URL-encoded. */
export function findIn(haystack: string, needle: string): boolean {
  const h = haystack.toLowerCase();
  const n = needle.toLowerCase();
  return h.includes(n) || h.includes(encodeURIComponent(n)) || h.includes(n.replace('@', '%40'));
}

export type { Agent };
