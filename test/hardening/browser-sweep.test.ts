import path from 'node:path';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, runAxe } from '../helpers/browser.js';
import { COVERAGE, fillPath, routeKey } from './helpers/route-table.js';
import { buildWorld, JAVASCRIPT_URL, signInToken, XSS_PAYLOADS, type World } from './helpers/world.js';

/*
 * Issue 9, point 3: every page in a real Chromium, against a world whose every text and URL field carries a stored-XSS
 * payload. Each GET route of the router that answers HTML is visited (public pages anonymously and signed in; the
 * rest as issuer A's owner, or as the learner), with extra states (revoked, withdrawn, pending review, 404) and the
 * error re-render of every main form. On each: no CSP violation, no console error (but the browser's own line about
 * the deliberate 4xx status of the page itself), no script from a payload (window.__xss) and no dialog, no
 * javascript: or data: link, and no serious or critical axe-core violation.
 */


/** GET routes that answer something other than a page (images, JSON-only documents, downloads), and why. */
const NOT_PAGES: Record<string, string> = {
  'GET /issuers/:issuerId/image': 'PNG logo',
  'GET /issuers/:issuerId/revocations': 'JSON-LD RevocationList only',
  'GET /issuers/:issuerId/public-keys/:keyId': 'JSON-LD CryptographicKey only',
  'GET /issuers/:issuerId/status/revocation': 'OB 3.0 status list credential only',
  'GET /issuers/:issuerId/ob3/keys/:keyId': 'JSON-LD Multikey only',
  'GET /badges/:badgeId/image': 'PNG image',
  'GET /badges/:badgeId/image.svg': 'sanitised SVG image (served sandboxed)',
  'GET /assertions/:assertionId/baked.png': 'PNG download',
  'GET /assertions/:assertionId/baked.svg': 'SVG download',
  'GET /assertions/:assertionId/assertion.json': 'JSON download',
  'GET /credentials/:assertionId/credential.json': 'credential download',
  'GET /credentials/:assertionId/baked.png': 'PNG download',
  'GET /credentials/:assertionId/baked.svg': 'SVG download',
  'GET /manage/badges/:badgeId/award/bulk/:batchId/result.csv': 'CSV download',
  'GET /manage/badges/:badgeId/award/bulk/:batchId/to-fix.csv': 'CSV download of the refused lines',
  'GET /manage/badges/:badgeId/award/bulk/template.csv': 'CSV template download',
  'GET /manage/issuers/:issuerId/awards.csv': 'CSV export of every award of the issuer',
  'GET /manage/badges/:badgeId/awards.csv': 'CSV export of every award of the badge',
  'GET /manage/kept-uploads/:keptId/image.png': 'PNG preview of an upload kept across a form error',
  'GET /manage/sessions/:sessionId/roster.json': 'JSON polled by roster.js',
  'GET /claimed/:token/status.json': 'JSON polled by claim-status.js',
  'GET /designer/icons': 'JSON for the icon picker',
  'GET /designer/icons/:name.svg': 'SVG icon',
  'GET /manage/designs/:designId/image.png': 'PNG image',
  'GET /manage/designs/:designId/image.svg': 'SVG image',
};

type Viewer = 'anonymous' | 'owner' | 'learner';

interface Visit {
  viewer: Viewer;
  url: string;
  /** What was done: a route key, an extra state, or a form. */
  label: string;
  status: number;
  problems: string[];
  payloadShown: boolean;
}

/** A form to submit empty (or with the given values) to see its error re-render. */
interface FormCase {
  viewer: Viewer;
  page: string;
  action: string;
  button?: string;
  /** Leave the typed values as they are (only `fill` changes). */
  keep?: boolean;
  fill?: Record<string, string>;
  status: number;
}

const lesserAxe = new Set<string>();
const figures = { pages: 0, pageVisits: 0, forms: 0, notPages: 0, cspViolations: 0, consoleErrors: 0, xssExecutions: 0, badLinks: 0, axeSeriousOrCritical: 0, axeModerateOrMinor: 0, payloadPages: 0 };

describe('every page in Chromium, with stored-XSS payloads in every field', () => {
  let w: World;
  let browser: Browser;
  const contexts: Partial<Record<Viewer, { context: BrowserContext; page: Page; log: string[]; expectedDialog: { message: string | null } }>> = {};
  const visits: Visit[] = [];

  async function openViewer(viewer: Viewer) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const log: string[] = [];
    const expectedDialog = { message: null as string | null };
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // The browser's own line for a page answered with a deliberate 4xx status is tagged with that page's URL.
      log.push(`console: ${msg.text()} @ ${msg.location().url}`);
    });
    page.on('pageerror', (err) => log.push(`pageerror: ${err.message}`));
    page.on('dialog', (dialog) => {
      if (expectedDialog.message !== null && dialog.type() === 'confirm' && dialog.message() === expectedDialog.message) {
        void dialog.accept();
        return;
      }
      log.push(`dialog: ${dialog.type()} ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.exposeFunction('__reportCsp', (text: string) => log.push(`csp: ${text}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { __reportCsp: (t: string) => void }).__reportCsp(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    contexts[viewer] = { context, page, log, expectedDialog };
    return page;
  }

  beforeAll(async () => {
    w = await buildWorld({ xss: true });
    browser = await launchBrowser();
    await openViewer('anonymous');
    const owner = await openViewer('owner');
    await owner.goto(`${w.t.baseUrl}/login`);
    await owner.getByLabel('Email').fill(w.owner.email);
    await owner.getByLabel('Password').fill(w.owner.password);
    await Promise.all([owner.waitForURL(/\/manage$/), owner.getByRole('button', { name: /sign in/i }).click()]);
    const learner = await openViewer('learner');
    await learner.goto(`${w.t.baseUrl}/learner/sign-in/${signInToken(w.t, w.learner.email)}`);
    await Promise.all([learner.waitForURL(/\/learner$/), learner.getByRole('button', { name: /sign in/i }).click()]);
    for (const v of Object.values(contexts)) v!.log.length = 0;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await w?.t.close();
    console.log(`[figure] browser-sweep: ${JSON.stringify({ ...figures, axeModerateOrMinorRules: [...lesserAxe] })}`);
  });

  /** Everything wrong with the page now shown; `status` is that of the page itself (its 4xx line is expected). */
  async function inspect(viewer: Viewer, label: string, status: number, expectedStatuses: number[]): Promise<Visit> {
    const { page, log } = contexts[viewer]!;
    const url = page.url();
    const problems: string[] = [];
    if (!expectedStatuses.includes(status)) problems.push(`status ${status}, expected ${expectedStatuses.join(' or ')}`);
    const deliberate = new RegExp(`^console: Failed to load resource: the server responded with a status of ${status} \\([^)]*\\) @ ${escapeRegExp(url)}$`);
    for (const line of log) {
      if (status >= 400 && status < 500 && deliberate.test(line)) continue;
      problems.push(line);
      if (line.startsWith('csp:')) figures.cspViolations++;
      else if (line.startsWith('console:') || line.startsWith('pageerror:')) figures.consoleErrors++;
      else if (line.startsWith('dialog:')) figures.xssExecutions++;
    }
    log.length = 0;

    if (await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss !== undefined)) {
      problems.push('a stored-XSS payload ran (window.__xss is set)');
      figures.xssExecutions++;
    }
    const badLinks = await page.evaluate(() => {
      const bad: string[] = [];
      const scheme = (v: string) => v.trim().replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
      for (const el of Array.from(document.querySelectorAll('[href], [src], [action], [formaction], [xlink\\:href]'))) {
        for (const attr of ['href', 'src', 'action', 'formaction', 'xlink:href']) {
          const value = el.getAttribute(attr);
          if (value === null) continue;
          const s = scheme(value);
          if (s.startsWith('javascript:') || s.startsWith('vbscript:')) bad.push(`${el.tagName.toLowerCase()}[${attr}]=${value.slice(0, 80)}`);
          else if (s.startsWith('data:') && !(el.tagName === 'IMG' && attr === 'src')) bad.push(`${el.tagName.toLowerCase()}[${attr}]=${value.slice(0, 60)}`);
        }
      }
      return bad;
    });
    for (const link of badLinks) problems.push(`link: ${link}`);
    figures.badLinks += badLinks.length;

    const { violations, lesser } = await runAxe(page);
    for (const v of violations) problems.push(`axe: ${v}`);
    figures.axeSeriousOrCritical += violations.length;
    figures.axeModerateOrMinor += lesser.length;
    for (const id of lesser) lesserAxe.add(`${id} (${label})`);

    const payloadShown = await page.evaluate((payload) => document.body.innerText.includes(payload), XSS_PAYLOADS[0]);
    const visit = { viewer, url, label, status, problems, payloadShown };
    visits.push(visit);
    return visit;
  }

  async function visit(viewer: Viewer, urlPath: string, label: string, expectedStatuses = [200]): Promise<Visit> {
    const { page } = contexts[viewer]!;
    const response = await page.goto(`${w.t.baseUrl}${urlPath}`, { waitUntil: 'load' });
    // The roster polls every 3 s: wait for one refresh to render what the JSON carries.
    await page.waitForTimeout(/\/manage\/sessions\/[^/]+$/.test(urlPath) ? 3500 : 100);
    figures.pageVisits++;
    return inspect(viewer, label, response!.status(), expectedStatuses);
  }

  async function submit(c: FormCase): Promise<Visit> {
    const { page, expectedDialog } = contexts[c.viewer]!;
    await page.goto(`${w.t.baseUrl}${c.page}`, { waitUntil: 'load' });
    const form = page.locator(`form[action="${c.action}"]`).first();
    expect(await form.count(), `${c.page} has a form posting to ${c.action}`).toBe(1);
    expectedDialog.message = await form.getAttribute('data-confirm');
    await form.evaluate(
      (f: HTMLFormElement, { keep, fill }) => {
        f.noValidate = true;
        // Forms folded into <details> (correct the recipient, withdraw) are opened, as a user would.
        for (let d = f.closest('details'); d; d = d.parentElement?.closest('details') ?? null) d.open = true;
        for (const el of Array.from(f.elements)) {
          if (keep) break;
          if (el instanceof HTMLTextAreaElement) el.value = '';
          else if (el instanceof HTMLSelectElement) el.value = '';
          else if (el instanceof HTMLInputElement) {
            if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
            else if (!['hidden', 'submit', 'button', 'file', 'color', 'range'].includes(el.type)) el.value = '';
          }
        }
        for (const [name, value] of Object.entries(fill ?? {})) {
          const el = f.elements.namedItem(name) as HTMLInputElement | null;
          if (el) el.value = value;
        }
      },
      { keep: c.keep ?? false, fill: c.fill },
    );
    const button = c.button ? form.getByRole('button', { name: c.button, exact: true }) : form.locator('button[type="submit"], button:not([type]), input[type="submit"]').first();
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'), button.click()]);
    await page.waitForLoadState('load');
    expectedDialog.message = null;
    figures.forms++;
    return inspect(c.viewer, `form ${c.action} on ${c.page}`, response.status(), [c.status]);
  }

  it('refused javascript: in every URL field the world has (issuer, criteria, alignment, evidence, canvas, framework)', () => {
    expect(Object.keys(w.refusedUrls).sort()).toEqual(
      ['award.evidence.url', 'badge.alignments.targetUrl', 'badge.criteriaUrl', 'canvas.alignments.targetUrl', 'framework.url', 'issuer.url', 'issuer.url (with a space)'].sort(),
    );
    for (const [field, message] of Object.entries(w.refusedUrls)) expect(message).toMatch(field.includes('space') ? /must not contain spaces/ : /starting with https:\/\//);
  });

  it('visits every GET page of the router, public ones anonymously and signed in, the rest as their user', async () => {
    const notPages: string[] = [];
    for (const route of w.t.kiln.routes.filter((r) => r.method === 'GET' && !r.path.startsWith('/api/'))) {
      const key = routeKey(route);
      const coverage = COVERAGE[key];
      expect(coverage, `${key} is in the route table (test/hardening/helpers/route-table.ts)`).toBeDefined();
      const viewers: Viewer[] = coverage!.kind === 'public' ? ['anonymous', 'owner'] : coverage!.kind === 'learner' ? ['learner'] : ['owner'];
      const urlPath = fillPath(route.path, coverage, w.a);
      // Is it a page? Asked the way a browser asks, as the user who would open it.
      const agent = viewers[0] === 'anonymous' ? request.agent(w.t.server) : viewers[0] === 'learner' ? w.learner.agent : w.owner.agent;
      const head = await agent.get(urlPath).set('Accept', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8');
      const isPage = String(head.headers['content-type']).startsWith('text/html') && !head.headers['content-disposition'];
      if (!isPage) {
        notPages.push(key);
        continue;
      }
      figures.pages++;
      for (const viewer of viewers) await visit(viewer, urlPath, key);
    }
    figures.notPages = notPages.length;
    expect(notPages.sort(), 'GET routes that answer no page: list each in NOT_PAGES with its reason (or make it a page)').toEqual(Object.keys(NOT_PAGES).sort());
    expect(figures.pages).toBeGreaterThan(50);
  });

  it('visits the other states of pages: revoked, withdrawn, pending review, corrected, signed-in learner, invitation, not found', async () => {
    const a = w.a;
    await visit('anonymous', `/assertions/${a.revokedAssertionId}`, 'revoked award page', [410]);
    await visit('anonymous', `/endorsements/${a.withdrawnEndorsementId}`, 'withdrawn endorsement page', [410]);
    await visit('anonymous', `/credentials/${a.assertionId}`, 'OB 3.0 credential as a page');
    await visit('anonymous', `/assertions/${a.assertionId}?print=1`, 'printable award page');
    await visit('anonymous', `/signup?invitation=${encodeURIComponent(w.invitationCode)}`, 'sign-up with an invitation');
    await visit('anonymous', `/verify?url=${encodeURIComponent(`${w.t.baseUrl}/assertions/${a.assertionId}`)}`, 'verifier with a URL');
    await visit('anonymous', '/no/such/page', 'not found', [404]);
    await visit('anonymous', `/badges/${crypto.randomUUID()}`, 'unknown badge', [404]);
    await visit('anonymous', `/claimed/${'x'.repeat(43)}`, 'unknown claim link', [404]);
    await visit('anonymous', `/learner/sign-in/${'y'.repeat(43)}`, 'used sign-in link', [410]);
    await visit('owner', `/manage/submissions/${a.pendingSubmissionId}`, 'submission waiting for review (owner reviews for E)');
    await visit('owner', `/manage/issuers/${a.endorserIssuerId}/reviews`, 'endorser review queue');
    await visit('owner', `/manage/assertions/${a.revokedAssertionId}`, 'revoked award, managed');
    await visit('owner', `/manage/badges/${a.capstoneBadgeId}`, 'capstone badge, managed');
    await visit('owner', `/manage/badges/${a.badgeId}?status=revoked`, 'award list filtered');
    await visit('owner', `/manage/issuers/${a.issuerId}?archived=1&q=Badge`, 'issuer page searched');
    await visit('owner', `/manage/issuers/${a.issuerId}/search?q=e`, 'issuer search with badges and awards found');
    await visit('owner', `/manage/issuers/${a.issuerId}/badges/new?fromCanvas=${a.canvasId}&design=${a.designId}`, 'new badge from a canvas and a design');
    await visit('owner', `/admin/outbox/${w.t.db.prepare("SELECT id FROM outbox WHERE kind = 'sign_in' LIMIT 1").pluck().get() as string}`, 'sign-in email in the outbox');
    await visit('owner', `/manage/badges/${crypto.randomUUID()}`, 'unknown badge, managed', [404]);
    await visit('learner', '/learner', 'learner home with awards, collections and pathway progress');
  });

  it('re-renders every main form with its messages (and refuses javascript: URLs), page by page', async () => {
    const a = w.a;
    const forms: FormCase[] = [
      { viewer: 'anonymous', page: '/signup', action: '/signup', status: 400 },
      { viewer: 'anonymous', page: '/login', action: '/login', status: 401 },
      { viewer: 'anonymous', page: '/claim', action: '/claim', fill: { code: 'ZZZZ-ZZZZ' }, status: 404 },
      { viewer: 'anonymous', page: `/claim/${a.claimCode}`, action: `/claim/${a.claimCode}`, status: 400 },
      { viewer: 'anonymous', page: '/learner', action: '/learner/sign-in', fill: { email: 'not an address' }, status: 400 },
      { viewer: 'anonymous', page: '/verify', action: '/verify', status: 400 },
      { viewer: 'anonymous', page: '/verify', action: '/verify', keep: true, fill: { badge: `${w.t.baseUrl}/assertions/${a.assertionId}` }, status: 200 },
      { viewer: 'owner', page: '/account', action: '/account/password', status: 400 },
      { viewer: 'owner', page: '/account', action: '/account/tokens', status: 400 },
      { viewer: 'owner', page: '/manage/issuers/new', action: '/manage/issuers', status: 400 },
      { viewer: 'owner', page: `/manage/issuers/${a.issuerId}/edit`, action: `/manage/issuers/${a.issuerId}`, status: 400 },
      { viewer: 'owner', page: `/manage/issuers/${a.issuerId}/edit`, action: `/manage/issuers/${a.issuerId}`, keep: true, fill: { url: JAVASCRIPT_URL }, status: 400 },
      { viewer: 'owner', page: `/manage/issuers/${a.issuerId}`, action: `/manage/issuers/${a.issuerId}/members`, status: 400 },
      { viewer: 'owner', page: `/manage/issuers/${a.issuerId}/badges/new`, action: `/manage/issuers/${a.issuerId}/badges`, button: 'Create badge', status: 400 },
      { viewer: 'owner', page: `/manage/badges/${a.badgeId}/edit`, action: `/manage/badges/${a.badgeId}`, status: 400 },
      { viewer: 'owner', page: `/manage/badges/${a.badgeId}/edit`, action: `/manage/badges/${a.badgeId}`, keep: true, fill: { 'alignments[0][targetUrl]': JAVASCRIPT_URL }, status: 400 },
      { viewer: 'owner', page: `/manage/badges/${a.badgeId}/award`, action: `/manage/badges/${a.badgeId}/award`, status: 400 },
      { viewer: 'owner', page: `/manage/badges/${a.badgeId}/award/bulk`, action: `/manage/badges/${a.badgeId}/award/bulk`, status: 400 },
      { viewer: 'owner', page: `/manage/badges/${a.badgeId}/email`, action: `/manage/badges/${a.badgeId}/email`, button: 'Save', status: 400 },
      { viewer: 'owner', page: `/manage/badges/${a.badgeId}/email`, action: `/manage/badges/${a.badgeId}/email`, button: 'Preview', keep: true, status: 200 },
      { viewer: 'owner', page: `/manage/assertions/${a.assertionId}`, action: `/manage/assertions/${a.assertionId}/revoke`, status: 400 },
      { viewer: 'owner', page: `/manage/assertions/${a.assertionId}`, action: `/manage/assertions/${a.assertionId}/correct`, status: 400 },
      { viewer: 'owner', page: `/manage/badges/${a.badgeId}/sessions/new`, action: `/manage/badges/${a.badgeId}/sessions`, status: 400 },
      { viewer: 'owner', page: `/manage/sessions/${a.sessionId}`, action: `/manage/sessions/${a.sessionId}/approve`, button: 'Approve selected', status: 400 },
      { viewer: 'owner', page: '/designer', action: '/designer', button: 'Save design', status: 400 },
      { viewer: 'owner', page: '/designer', action: '/designer', button: 'Preview', keep: true, fill: { title: XSS_PAYLOADS[1], subtitle: XSS_PAYLOADS[2] }, status: 200 },
      { viewer: 'owner', page: `/manage/designs/${a.designId}/edit`, action: `/manage/designs/${a.designId}`, button: 'Save changes', status: 400 },
      { viewer: 'owner', page: `/manage/issuers/${a.issuerId}/canvases/new`, action: `/manage/issuers/${a.issuerId}/canvases`, status: 400 },
      { viewer: 'owner', page: `/manage/canvases/${a.canvasId}`, action: `/manage/canvases/${a.canvasId}`, status: 400 },
      { viewer: 'owner', page: `/manage/badges/${a.componentBadgeId}/quality`, action: `/manage/badges/${a.componentBadgeId}/submissions`, status: 400 },
      { viewer: 'owner', page: `/manage/submissions/${a.pendingSubmissionId}`, action: `/manage/submissions/${a.pendingSubmissionId}/approve`, status: 400 },
      { viewer: 'owner', page: `/manage/submissions/${a.pendingSubmissionId}`, action: `/manage/submissions/${a.pendingSubmissionId}/return`, status: 400 },
      { viewer: 'owner', page: `/manage/submissions/${a.submissionId}`, action: `/manage/endorsements/${a.endorsementId}/withdraw`, status: 400 },
      { viewer: 'owner', page: `/manage/issuers/${a.issuerId}/pathways/new`, action: `/manage/issuers/${a.issuerId}/pathways`, status: 400 },
      { viewer: 'owner', page: '/admin/standards', action: '/admin/standards', status: 400 },
      { viewer: 'owner', page: '/admin/alignment-frameworks', action: '/admin/alignment-frameworks', status: 400 },
      { viewer: 'learner', page: '/learner', action: '/learner/collections', status: 400 },
      { viewer: 'learner', page: `/learner/collections/${a.collectionId}`, action: `/learner/collections/${a.collectionId}`, status: 400 },
    ];
    for (const c of forms) await submit(c);
  });

  it('would notice each kind of problem (controls: an inline script, a payload run, a javascript: link, an image without alt)', async () => {
    const { page, log } = contexts.anonymous!;
    await page.goto(`${w.t.baseUrl}/`, { waitUntil: 'load' });
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__xss = 1';
      document.body.append(script);
      const link = document.createElement('a');
      link.href = 'javascript:void 0';
      link.textContent = 'control';
      document.body.append(link);
      const img = document.createElement('img');
      img.src = '/assets/favicon.svg';
      document.body.append(img);
    });
    await page.waitForTimeout(100);
    const sawCsp = log.some((l) => l.startsWith('csp: script-src'));
    log.length = 0;
    expect(sawCsp).toBe(true);
    await page.evaluate(() => ((window as unknown as { __xss: number }).__xss = 1));
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBe(1);
    const { violations } = await runAxe(page);
    expect(violations.join('\n')).toContain('image-alt');
    expect(await page.evaluate(() => Array.from(document.querySelectorAll('a[href^="javascript:"]')).length)).toBe(1);
  });

  it('finds no CSP violation, console error, payload execution, javascript:/data: link or serious accessibility problem anywhere', () => {
    const failing = visits.filter((v) => v.problems.length > 0).map((v) => `${v.viewer} ${v.label} (${v.url}):\n  ${v.problems.join('\n  ')}`);
    figures.payloadPages = visits.filter((v) => v.payloadShown).length;
    expect(failing, failing.join('\n')).toEqual([]);
    // The payloads were really there, shown as text on the pages that display the world's data.
    expect(figures.payloadPages).toBeGreaterThan(40);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
