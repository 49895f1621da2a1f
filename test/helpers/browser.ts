import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, vi } from 'vitest';
import { startKiln, type TestKiln } from './app.js';

// A whole flow in a real browser takes 5–20 s on an idle 2-core machine and more under load: the default 20 s test
// timeout is for single requests (a poll inside still fails when a page never shows what it should).
vi.setConfig({ testTimeout: 120_000 });

const AXE_SOURCE = fs.readFileSync(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');

/**
 * axe-core on the page, injected through the DevTools protocol (which CSP does not govern; a <script> tag would be
 * blocked, rightly): serious and critical findings, and the names of the lesser ones.
 */
export async function runAxe(page: Page): Promise<{ violations: string[]; lesser: string[] }> {
  if (await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'undefined')) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    type Result = { violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> };
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<Result> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    return {
      violations: serious.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)).join(', ')}`),
      lesser: result.violations.filter((v) => !serious.includes(v)).map((v) => `${v.impact} ${v.id}`),
    };
  });
}

/** The serious and critical axe findings, each prefixed with the page's path. */
export async function seriousAxe(page: Page): Promise<string[]> {
  const where = new URL(page.url()).pathname;
  return (await runAxe(page)).violations.map((v) => `${where} ${v}`);
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Collects console errors, page errors and CSP violations, so a test can fail on any of them. */
export async function watchPage(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.exposeFunction('__reportCsp', (text: string) => problems.push(`csp: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCsp: (t: string) => void }).__reportCsp(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return problems;
}

/** Saves full-page screenshots when KILN_SCREENSHOTS names a folder; does nothing otherwise. */
export function screenshotter(page: Page, folder = process.env.KILN_SCREENSHOTS): (name: string) => Promise<void> {
  if (folder) fs.mkdirSync(folder, { recursive: true });
  return async (name) => {
    if (folder) await page.screenshot({ path: path.join(folder, `${name}.png`), fullPage: true });
  };
}

/**
 * The real app and one Chromium for a describe block: started before its tests, closed after.
 * Read `suite.t` and `suite.browser` inside the tests.
 */
export function browserSuite(env: Record<string, string> = {}): { t: TestKiln; browser: Browser } {
  const suite = {} as { t: TestKiln; browser: Browser };
  beforeAll(async () => {
    suite.t = await startKiln(env);
    suite.browser = await launchBrowser();
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.t?.close();
  });
  return suite;
}
