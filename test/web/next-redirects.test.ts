import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNext } from '../../src/web/auth.js';
import { signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';
import { loopbackClient, send, sessionCookie, visit } from '../helpers/loopback-client.js';

// Values a crafted link can carry in ?next=, each meant to land on another site after signing in.
const OFF_SITE = [
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '/\\/evil.example',
  '\\\\evil.example',
  '%2F%2Fevil.example',
  '/%2F%2Fevil.example',
  '/%2f/evil.example',
  '/%5Cevil.example',
  '/%5c%5cevil.example',
  '/%252F%252Fevil.example',
  'https:evil.example',
  'https://evil.example',
  'http:/evil.example',
  'HTTPS://evil.example/manage',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/\t\\evil.example',
  '\t//evil.example',
  ' //evil.example',
  '/ /evil.example',
  '/\u0000/evil.example',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '//evil.example/%2F..',
  '//evil.example@kiln.invalid',
  '',
];

const SAME_SITE = ['/manage', '/manage/issuers/new', '/manage/badges/abc?tab=awards#recent', '/learner', '/manage/a%20b', '/manage/%2F'];

describe('safeNext', () => {
  it.each(OFF_SITE.map((v) => [JSON.stringify(v), v]))('refuses %s', (_shown, value) => {
    expect(safeNext(value)).toBe('/manage');
  });

  it.each(SAME_SITE)('keeps %s', (value) => {
    expect(safeNext(value)).toBe(value);
  });

  it('refuses values that are not strings', () => {
    for (const value of [undefined, null, ['/manage', '//evil.example'], { next: '/manage' }, 42]) expect(safeNext(value)).toBe('/manage');
  });
});

describe('after signing in, next= never leaves the site', () => {
  let t: TestKiln;
  let owner: { email: string; password: string };
  let clients = 0;
  const origin = () => new URL(t.baseUrl).origin;
  /** Where a browser goes with this Location header. */
  const landing = (location: string | undefined) => new URL(location!, t.baseUrl);

  beforeAll(async () => {
    t = await startKiln();
    const signedUp = await signedUpAgent(t, 'owner@next.example.org');
    owner = { email: signedUp.email, password: signedUp.password };
  });
  afterAll(() => t.close());

  const unescape = (html: string) =>
    html.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

  async function login(next: string, how: 'login link' | 'posted') {
    const from = loopbackClient(clients++);
    // As a crafted link arrives (?next= on the login page, carried in its hidden field), or posted as it is.
    const page = await send(t, { path: `/login?next=${encodeURIComponent(next)}`, from });
    const hidden = unescape(/name="next" value="([^"]*)"/.exec(page.body)![1]!);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const res = await send(t, {
      path: '/login',
      from,
      cookie: sessionCookie(page)!,
      form: { _csrf: csrf, email: owner.email, password: owner.password, next: how === 'posted' ? next : hidden },
    });
    expect(res.status).toBe(303);
    return res.headers.location;
  }

  it.each(OFF_SITE.map((v) => [JSON.stringify(v), v]))('login: %s, through the login link and posted, lands on this site', async (_shown, next) => {
    for (const how of ['login link', 'posted'] as const) {
      const location = await login(next, how);
      expect(landing(location).origin, `${how}: ${JSON.stringify(next)} → ${location}`).toBe(origin());
      expect(location).toBe('/manage');
    }
  });

  it('login: still honours a same-site next', async () => {
    expect(await login('/manage/issuers/new', 'login link')).toBe('/manage/issuers/new');
    expect(await login('/manage/issuers/new', 'posted')).toBe('/manage/issuers/new');
  });

  it.each(OFF_SITE.map((v) => [JSON.stringify(v), v]))('learner sign-in: %s, at every step of the emailed link, lands on this site', async (_shown, next) => {
    const from = loopbackClient(clients++);
    const q = `?next=${encodeURIComponent(next)}`;
    const start = await visit(t, `/learner${q}`, from);
    const email = `learner${clients}@next.example.org`;
    const asked = await send(t, { path: `/learner/sign-in${q}`, from, cookie: start.cookie, form: { _csrf: start.csrf, email, next } });
    expect(asked.status).toBe(200);
    const text = t.db.prepare("SELECT text_body FROM outbox WHERE kind = 'sign_in' AND to_address = ? ORDER BY rowid DESC").pluck().get(email) as string;
    const linkPath = new URL(/(http[^\s)]+\/learner\/sign-in\/[\w-]+)/.exec(text)![1]!).pathname;
    const confirm = await visit(t, `${linkPath}${q}`, from, start.cookie);
    const used = await send(t, { path: `${linkPath}${q}`, from, cookie: confirm.cookie, form: { _csrf: confirm.csrf, next } });
    expect(used.status).toBe(303);
    expect(landing(used.headers.location).origin, `${JSON.stringify(next)} → ${used.headers.location}`).toBe(origin());
    expect(landing(used.headers.location).pathname).toBe('/learner');
  });
});
