import { describe, expect, it } from 'vitest';
import { apiToken, givenBadge, pngImage } from '../helpers/app.js';
import { browserSuite, seriousAxe, watchPage } from '../helpers/browser.js';

/** Pages in a PDF Chromium printed: its page tree's count. */
const pageCount = (pdf: Buffer) => Math.max(...[...pdf.toString('latin1').matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g)].map((m) => Number(m[1])));

describe('a certificate with a signature line, in Chromium', () => {
  const suite = browserSuite();

  it('is set up by the owner in the browser and prints on one page of A4 and of US Letter', async () => {
    const page = await (await suite.browser.newContext()).newPage();
    const problems = await watchPage(page);
    await page.goto(`${suite.t.baseUrl}/signup`);
    await page.getByLabel('Email').fill('certificates@example.org');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.url()).toContain('/manage');
    const token = await apiToken(suite.t, 'certificates@example.org');
    const { issuer, badge } = await givenBadge(suite.t, token);
    const award = await fetch(`${suite.t.baseUrl}/api/v1/badges/${badge.id}/assertions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recipient: { email: 'learner@example.org', name: 'Alexandra Featherstonehaugh-Whittington' } }),
    });
    const { id: assertionId } = (await award.json()) as { id: string };

    await page.goto(`${suite.t.baseUrl}/manage/issuers/${issuer.id}`);
    await page.getByRole('link', { name: 'Certificates' }).click();
    expect(await seriousAxe(page)).toEqual([]);
    await page.getByLabel('Name of who signs').fill('Priya Shah');
    await page.getByLabel('Their role').fill('Head of Youth Services');
    await page.getByLabel('Signature image').setInputFiles({ name: 'signature.png', mimeType: 'image/png', buffer: await pngImage(400, 120, '#ffffff') });
    await page.getByRole('button', { name: 'Save signature line' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved');
    expect(await page.getByRole('img', { name: 'The signature image certificates carry now' }).count()).toBe(1);
    expect(await seriousAxe(page)).toEqual([]);

    await page.goto(`${suite.t.baseUrl}/manage/assertions/${assertionId}/certificate`);
    expect(await page.getByRole('img', { name: 'Signature of Priya Shah' }).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 400)).toBe(true);
    expect(await seriousAxe(page)).toEqual([]);
    await page.emulateMedia({ media: 'print' });
    for (const format of ['A4', 'Letter'] as const) {
      const pdf = await page.pdf({ format, printBackground: true, preferCSSPageSize: false });
      expect(pageCount(pdf), `${format} pages`).toBe(1);
    }
    expect(problems).toEqual([]);
  });
});
