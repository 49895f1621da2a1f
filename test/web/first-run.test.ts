import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenUrl, startupMessage } from '../../src/startup-message.js';
import { newSite, removeSite, seed, startServer, stopServer, type Site } from '../helpers/child-server.js';
import { signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';

// Issue 19 "First run": the person who ran `npm start` is told where Kiln is and how the first account becomes the admin.
describe('what npm start says', () => {
  const facts = { address: { address: '::', family: 'IPv6', port: 3000 }, publicUrl: 'http://localhost:3000', publicUrlIsLocal: true, hasAccounts: false, smtpConfigured: false };

  it('names the address to open, the sign-up that makes the admin, the local PUBLIC_URL and the missing SMTP_URL', () => {
    const text = startupMessage(facts);
    expect(text).toContain('Open http://localhost:3000 in a browser.');
    expect(text).toContain('the first account made at http://localhost:3000/signup becomes the site admin');
    expect(text).toContain('Set PUBLIC_URL to the public address before the first award.');
    expect(text).toContain('/admin/outbox');
    // The listen address is PUBLIC_URL here: it is not said twice.
    expect(text).not.toContain('(PUBLIC_URL)');
  });

  it('says nothing about sign-up once an account exists, nor about PUBLIC_URL once it is public', () => {
    const text = startupMessage({ ...facts, publicUrl: 'https://badges.example.org', publicUrlIsLocal: false, hasAccounts: true, smtpConfigured: true });
    expect(text).not.toContain('signup');
    expect(text).not.toContain('local address');
    expect(text).not.toContain('outbox');
    expect(text).toContain('Badges and links name https://badges.example.org (PUBLIC_URL).');
  });

  it('reaches a wildcard bind as localhost and a specific one by its address', () => {
    expect(listenUrl({ address: '0.0.0.0', family: 'IPv4', port: 8080 })).toBe('http://localhost:8080');
    expect(listenUrl({ address: '127.0.0.1', family: 'IPv4', port: 8080 })).toBe('http://127.0.0.1:8080');
    expect(listenUrl({ address: '::1', family: 'IPv6', port: 8080 })).toBe('http://[::1]:8080');
    expect(listenUrl('/tmp/kiln.sock')).toBeNull();
  });

  describe('the real server', () => {
    let site: Site | null = null;
    afterAll(() => removeSite(site));

    it('prints the message on stderr (stdout stays JSON log lines), and drops the sign-up line once an account exists', async () => {
      site = await newSite('first-run');
      let running = await startServer(site);
      await stopServer(running);
      const first = running.stderr();
      expect(first).toContain(`Open http://localhost:${site.port} in a browser.`);
      expect(first).toContain(`the first account made at ${site.baseUrl}/signup becomes the site admin`);
      expect(first).toContain('PUBLIC_URL is a local address');

      await seed(site);
      running = await startServer(site);
      await stopServer(running);
      expect(running.stderr()).toContain('Kiln is running.');
      expect(running.stderr()).not.toContain('/signup');
    }, 120_000);
  });
});

describe('the banner for admins while PUBLIC_URL is local', () => {
  for (const { publicUrl, shown } of [
    { publicUrl: undefined, shown: true },
    // Plain http, so the session cookie is not marked secure and the test's loopback agent keeps it.
    { publicUrl: 'http://badges.example.org', shown: false },
  ]) {
    describe(`PUBLIC_URL ${publicUrl ?? 'on loopback'}`, () => {
      let t: TestKiln;
      beforeAll(async () => {
        t = await startKiln(publicUrl ? { PUBLIC_URL: publicUrl } : {});
      });
      afterAll(() => t.close());

      it(`is ${shown ? '' : 'not '}shown to the site admin, and never to other accounts`, async () => {
        const admin = await signedUpAgent(t);
        const page = await admin.agent.get('/manage');
        expect(page.status).toBe(200);
        expect(page.text.includes('PUBLIC_URL is a local address')).toBe(shown);
        const other = await signedUpAgent(t);
        const otherPage = await other.agent.get('/manage');
        expect(otherPage.status).toBe(200);
        expect(otherPage.text).not.toContain('PUBLIC_URL is a local address');
      });
    });
  }
});
