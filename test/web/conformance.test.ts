import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, dataUri, givenBadge, signedUpAgent, startKiln, type TestKiln, binary } from '../helpers/app.js';

// Our hosted URL, baked PNG and baked SVG, each run through the verifier (a port of the 1EdTech validator's checks,
// openbadges-spec.md §5.1) mounted in the real app. Private networks stay refused: our own documents are read in-process.
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120"><polygon points="60,5 115,35 115,85 60,115 5,85 5,35" fill="#e76f51"/></svg>`;

interface Check {
  id: string;
  outcome: string;
  message: string;
}

describe('our awards pass every applicable validator check', () => {
  let t: TestKiln;
  let award: { id: string; openBadgeId: string; bakedPngUrl: string; bakedSvgUrl: string };
  let png: Buffer;
  let svg: Buffer;

  beforeAll(async () => {
    t = await startKiln();
    const { email } = await signedUpAgent(t);
    const token = await apiToken(t, email);
    const { badge } = await givenBadge(t, token, { image: dataUri(Buffer.from(SVG), 'image/svg+xml'), expiresAfterDays: 30 });
    const res = await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'Sam.Learner@example.org' }, evidence: [{ url: 'https://example.org/work' }] });
    award = res.body;
    const bytes = async (url: string) => (await request(t.server).get(new URL(url).pathname).buffer(true).parse(binary)).body as Buffer;
    png = await bytes(award.bakedPngUrl);
    svg = await bytes(award.bakedSvgUrl);
  });
  afterAll(() => t.close());

  const verify = (input: { url?: string; file?: [Buffer, string] }, email?: string) => {
    const req = request(t.server).post('/api/v1/verify');
    if (input.url) return req.send({ url: input.url, ...(email ? { email } : {}) });
    const multipart = req.attach('file', input.file![0], input.file![1]);
    return email ? multipart.field('email', email) : multipart;
  };

  it.each([
    ['hosted URL', () => ({ url: award.openBadgeId })],
    ['baked PNG', () => ({ file: [png, 'badge.png'] as [Buffer, string] })],
    ['baked SVG', () => ({ file: [svg, 'badge.svg'] as [Buffer, string] })],
  ])('%s: valid, no failure or warning, recipient matched in any letter case', async (_name, input) => {
    const res = await verify(input(), '  SAM.LEARNER@EXAMPLE.ORG ');
    expect(res.status).toBe(200);
    const checks = res.body.checks as Check[];
    expect(checks.filter((c) => c.outcome !== 'pass').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(res.body.verdict).toBe('valid');
    expect(res.body.summary.recipientChecked).toBe(true);
    expect(checks.length).toBeGreaterThan(10);
  });

  it('fails the recipient check for another email', async () => {
    const res = await verify({ file: [png, 'badge.png'] }, 'someone.else@example.org');
    expect(res.body.verdict).toBe('invalid');
    const failed = (res.body.checks as Check[]).filter((c) => c.outcome === 'fail');
    expect(failed.map((c) => c.id)).toEqual([expect.stringMatching(/recipient/)]);
  });
});

