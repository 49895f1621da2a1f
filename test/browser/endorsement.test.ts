import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, dataUri, givenBadge, pngImage, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';
import { launchBrowser, screenshotter, watchPage } from '../helpers/browser.js';

describe('a shared quality standard and an endorsement in a real browser', () => {
  let t: TestKiln;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    t = await startKiln();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await t?.close();
  });

  async function signedIn(email: string): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.goto(`${t.baseUrl}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.url()).toContain('/manage');
    return { page, problems };
  }

  it('defines a standard, submits a badge, approves it as the endorser and shows the endorsement on the public badge page', async () => {
    const admin = await signedUpAgent(t, 'admin@council.example.org'); // first account: site admin, and the council's owner
    const facilitator = await signedUpAgent(t, 'lead@riverside.example.org');
    const council = await request(t.server)
      .post('/api/v1/issuers')
      .set('Authorization', `Bearer ${await apiToken(t, admin.email)}`)
      .send({ name: 'Leicester City Council', url: 'https://council.example.org', email: 'badges@council.example.org', image: dataUri(await pngImage(80, 80, '#1d4ed8')) });
    const { badge } = await givenBadge(t, await apiToken(t, facilitator.email), {
      imageCaption: 'A red square',
      expiresAfterDays: 365,
      criteria: { narrative: 'Plan, record and edit a two-minute story, and share it as evidence with your group leader.' },
    });

    // The site admin defines the standard, names the council as an endorser and loads a framework.
    const reviewer = await signedIn(admin.email);
    const snapAdmin = screenshotter(reviewer.page);
    await reviewer.page.goto(`${t.baseUrl}/admin`);
    await reviewer.page.getByRole('link', { name: 'quality standards and endorsers' }).click();
    await reviewer.page.getByLabel('Name (required)').fill('City Digital Badge Standard v1');
    for (const label of ['Criteria narrative', 'Evidence expected', 'Alignment', 'Image alt text', 'Issuer website and email', 'Validity period']) {
      await reviewer.page.getByRole('checkbox', { name: label }).check();
    }
    await reviewer.page.getByLabel('Criteria narrative: at least this many words').fill('10');
    await reviewer.page.getByLabel('Reviewer judgements (one per line)').fill('The criteria can be assessed fairly by someone who did not write them.');
    await reviewer.page.getByRole('button', { name: 'Create standard' }).click();
    await expect.poll(() => reviewer.page.locator('.quality-score h3').first().textContent()).toContain('City Digital Badge Standard v1');
    await reviewer.page.getByLabel('Issuer', { exact: true }).selectOption(council.body.id);
    await reviewer.page.getByRole('button', { name: 'Make endorser' }).click();
    await expect.poll(() => reviewer.page.locator('#endorsers-h + p + ul').textContent()).toContain('Leicester City Council');
    await snapAdmin('quality-standards');
    await reviewer.page.goto(`${t.baseUrl}/admin/alignment-frameworks`);
    await reviewer.page.getByLabel('Framework name (required)').fill('DigComp 2.2');
    await reviewer.page.getByLabel('Framework web address (required)').fill('https://digcomp.example.org');
    await reviewer.page.getByLabel('Targets as CSV').fill('code,name,url\nDC 3.1,Developing digital content,https://digcomp.example.org/3.1');
    await reviewer.page.getByRole('button', { name: 'Load framework' }).click();
    await expect.poll(() => reviewer.page.locator('table tbody tr').count()).toBe(1);

    // The facilitator picks an alignment from the list (the script fills the row), sees the score and submits.
    const lead = await signedIn(facilitator.email);
    const snapLead = screenshotter(lead.page);
    await lead.page.goto(`${t.baseUrl}/manage/badges/${badge.id}/edit`);
    await lead.page.getByLabel('Alignment 2: target name').fill('Developing digital content');
    await expect.poll(() => lead.page.getByLabel('Alignment 2: target URL').inputValue()).toBe('https://digcomp.example.org/3.1');
    expect(await lead.page.getByLabel('Alignment 2: code').inputValue()).toBe('DC 3.1');
    expect(await lead.page.getByLabel('Alignment 2: framework').inputValue()).toBe('DigComp 2.2');
    await lead.page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => lead.page.url()).toMatch(new RegExp(`/manage/badges/${badge.id}\\?notice=saved$`));
    await lead.page.getByRole('link', { name: 'Quality and endorsements' }).click();
    await expect.poll(() => lead.page.locator('.quality-score .tag').first().textContent()).toBe('6 of 6 automatic checks');
    await snapLead('badge-quality');
    await lead.page.getByLabel('Standard', { exact: true }).selectOption({ label: 'City Digital Badge Standard v1' });
    await lead.page.getByLabel('Endorser', { exact: true }).selectOption({ label: 'Leicester City Council' });
    await lead.page.getByLabel('Note to the reviewer (optional)').fill('Used in six youth clubs.');
    await lead.page.getByRole('button', { name: 'Submit for review' }).click();
    await expect.poll(() => lead.page.locator('[role=status]').first().textContent()).toContain('Submitted for review');

    // The council reviews it from its queue, with the checklist and the badge side by side, and approves.
    await reviewer.page.goto(`${t.baseUrl}/manage`);
    await reviewer.page.getByRole('link', { name: 'Badges waiting for your review' }).click();
    await reviewer.page.getByRole('link', { name: 'Digital Storyteller' }).click();
    await expect.poll(() => reviewer.page.locator('.check-pass').count()).toBe(6);
    expect(await reviewer.page.locator('.check-judgement').count()).toBe(1);
    await snapAdmin('review');
    await reviewer.page.getByLabel('Endorsement comment').fill('Meets the City Digital Badge Standard v1.');
    await reviewer.page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => reviewer.page.locator('[role=status]').first().textContent()).toContain('the endorsement is published');
    expect(await reviewer.page.locator('.audit-log li').count()).toBe(2);

    // Anyone sees the endorsement, with the endorser's name and logo, on the public badge page.
    await lead.page.goto(`${t.baseUrl}/badges/${badge.id}`);
    await expect.poll(() => lead.page.locator('#endorsements-h').textContent()).toBe('Endorsed by');
    const card = lead.page.locator('.endorsement-list li').first();
    expect(await card.locator('.endorser-name').textContent()).toBe('Leicester City Council');
    expect(await card.locator('blockquote').textContent()).toBe('Meets the City Digital Badge Standard v1.');
    const logo = card.locator('img');
    expect(await logo.getAttribute('alt')).toBe('Leicester City Council logo');
    await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await snapLead('badge-public-endorsed');
    await card.getByRole('link', { name: 'Endorsement' }).click();
    await expect.poll(() => lead.page.locator('h1').textContent()).toContain('is endorsed by Leicester City Council');

    expect(reviewer.problems, reviewer.problems.join('\n')).toEqual([]);
    expect(lead.problems, lead.problems.join('\n')).toEqual([]);
  });
});
