import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

const csvOf = (n: number, bad?: { index: number; email: string }) =>
  ['email,name', ...Array.from({ length: n }, (_, i) => `${bad?.index === i ? bad.email : `learner${i}@example.org`},Learner ${i}`)].join('\n');

describe('bulk awards from CSV', () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let badge: { id: string };
  const api = () => request(t.server);
  const postCsv = (body: string | Buffer, query = '') =>
    api().post(`/api/v1/badges/${badge.id}/assertions/bulk${query}`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/csv').send(body);

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ badge } = await givenBadge(t, token));
  });
  afterAll(() => t.close());

  it('writes nothing when one row among 1,000 is bad, and names its line', async () => {
    const before = tableCount(t.db, 'assertions');
    const res = await postCsv(csvOf(1000, { index: 636, email: 'not-an-email' }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    // Row 636 (0-based) is line 638 of the file: the header is line 1.
    expect(res.body.error.details.lines).toEqual([{ line: 638, message: expect.stringContaining('Line 638') }]);
    expect(res.body.error.details.csv).toContain('Line 638: "not-an-email" is not an email address.');
    expect(tableCount(t.db, 'assertions')).toBe(before);
    expect(tableCount(t.db, 'award_batches')).toBe(0);
    expect(tableCount(t.db, 'outbox')).toBe(0);
  });

  it('awards 10,000 rows in one call and answers each award with its line', async () => {
    const before = tableCount(t.db, 'assertions');
    const started = performance.now();
    const res = await postCsv(csvOf(10_000));
    const ms = performance.now() - started;
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
    expect(res.body.count).toBe(10_000);
    expect(res.body.items).toHaveLength(10_000);
    expect(res.body.items[0]).toMatchObject({ line: 2, recipient: { email: 'learner0@example.org', name: 'Learner 0' } });
    expect(res.body.items[9999].line).toBe(10_001);
    expect(tableCount(t.db, 'assertions')).toBe(before + 10_000);
    // Benchmark figure for the report, not a timed assertion.
    console.info(`bulk CSV: 10,000 rows awarded end to end in ${Math.round(ms)} ms`);
  });

  it('reads UTF-8 with a BOM, semicolons, quoted values and per-row narrative, evidence and dates', async () => {
    const csv =
      '\uFEFFEmail;Name;narrative;evidence_url;evidence_narrative;issued_on;expires\r\n' +
      'zoë@example.org;"Zoë; the ""storyteller""";"Told a story\nin two parts";https://example.org/zoe;Her video;2026-01-15;2027-01-15\r\n' +
      'ben@example.org;Ben;;;;;\r\n';
    const res = await postCsv(Buffer.from(csv, 'utf8'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [zoe, ben] = res.body.items;
    expect(zoe.recipient).toEqual({ email: 'zoë@example.org', name: 'Zoë; the "storyteller"' });
    const doc = JSON.parse((await api().get(new URL(zoe.openBadgeId).pathname)).text);
    expect(doc).toMatchObject({
      narrative: 'Told a story\nin two parts',
      evidence: [{ id: 'https://example.org/zoe', narrative: 'Her video' }],
      issuedOn: '2026-01-15T00:00:00Z',
      expires: '2027-01-15T00:00:00Z',
    });
    // The quoted value spans two lines, so Ben is on line 4.
    expect(ben.line).toBe(4);
    const benDoc = JSON.parse((await api().get(new URL(ben.openBadgeId).pathname)).text);
    expect(benDoc.narrative).toBeUndefined();
  });

  it('names every bad line: bad dates, unknown columns, unclosed quotes, duplicates', async () => {
    const dates = await postCsv('email,issued_on,expires\na@example.org,2026-02-30x,\nb@example.org,2026-01-01,2025-01-01\na@example.org,,\n');
    expect(dates.status).toBe(422);
    expect(dates.body.error.details.lines.map((l: { line: number }) => l.line)).toEqual([2, 3, 4]);
    expect(dates.body.error.details.csv).toContain('Line 2: the issue date must be a date');
    expect(dates.body.error.details.csv).toContain('Line 3: the expiry date must be after the issue date.');
    expect(dates.body.error.details.csv).toContain('Line 4: a@example.org is already on line 2.');

    const column = await postCsv('email,nmae\na@example.org,A\n');
    expect(column.status).toBe(422);
    expect(column.body.error.details.csv).toContain('Line 1: column 2 “nmae” is not one of');

    const quote = await postCsv('email,name\na@example.org,A\nb@example.org,"B\nc@example.org,C\n');
    expect(quote.status).toBe(422);
    expect(quote.body.error.details.csv).toMatch(/^Line \d+: a quoted value is never closed/);

    const noEmail = await postCsv('name\nSam\n');
    expect(noEmail.body.error.details.csv).toContain('include “email”');
  });

  it('refuses a row whose email is a list: a semicolon header with comma-separated rows', async () => {
    const res = await postCsv('email;name\nada@example.org,Ada\n');
    expect(res.status).toBe(422);
    expect(res.body.error.details.csv).toContain('Line 2: "ada@example.org,Ada" is not an email address.');
  });

  it('refuses a 50 MB body with 413 and a binary body with 415, writing nothing', async () => {
    const before = tableCount(t.db, 'assertions');
    const huge = await postCsv(Buffer.alloc(50 * 1024 * 1024, 0x61));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('too_large');
    const binary = await postCsv(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0xfe]));
    expect(binary.status).toBe(415);
    expect(binary.body.error.code).toBe('not_csv');
    const json = await api().post(`/api/v1/badges/${badge.id}/assertions/bulk`).set('Authorization', `Bearer ${token}`).send({ email: 'x@example.org' });
    expect(json.status).toBe(415);
    expect(tableCount(t.db, 'assertions')).toBe(before);
  });

  it('answers 404 to someone without a role on the badge', async () => {
    const outsider = await signedUpAgent(t);
    const res = await api()
      .post(`/api/v1/badges/${badge.id}/assertions/bulk`)
      .set('Authorization', `Bearer ${await apiToken(t, outsider.email)}`)
      .set('Content-Type', 'text/csv')
      .send('email\nx@example.org\n');
    expect(res.status).toBe(404);
  });

  describe('through the upload form', () => {
    const page = () => `/manage/badges/${badge.id}/award/bulk`;

    it('previews, names the bad line on a 400 without writing, then awards once on confirm with a result CSV', async () => {
      const before = tableCount(t.db, 'assertions');
      let csrf = await csrfFrom(owner.agent, page());
      const bad = await owner.agent
        .post(page())
        .field('_csrf', csrf)
        .field('notify', '1')
        .attach('csv', Buffer.from('email,name\nform1@example.org,One\nnope,Two\n'), { filename: 'group.csv', contentType: 'text/csv' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('Line 3: &#34;nope&#34; is not an email address.');
      expect(tableCount(t.db, 'award_batches')).toBe(2); // the two API batches from earlier tests, no more

      csrf = await csrfFrom(owner.agent, page());
      const preview = await owner.agent
        .post(page())
        .field('_csrf', csrf)
        .attach('csv', Buffer.from('email,name\nform1@example.org,One\nform2@example.org,Two\n'), { filename: 'group.csv', contentType: 'text/csv' });
      expect(preview.status).toBe(200);
      expect(preview.text).toContain('Award this badge to 2 people?');
      expect(preview.text).toContain('No emails will be sent.');
      expect(tableCount(t.db, 'assertions')).toBe(before);
      const action = /action="(\/manage\/badges\/[^"]+\/award\/bulk\/[^"]+)"/.exec(preview.text)![1]!;
      const token2 = /name="_csrf" value="([^"]+)"/.exec(preview.text)![1]!;

      const done = await owner.agent.post(action).type('form').send({ _csrf: token2 });
      expect(done.status).toBe(303);
      expect(tableCount(t.db, 'assertions')).toBe(before + 2);
      const again = await owner.agent.post(action).type('form').send({ _csrf: token2 });
      expect(again.status).toBe(303);
      expect(tableCount(t.db, 'assertions')).toBe(before + 2);

      const result = await owner.agent.get(done.headers.location!);
      expect(result.text).toContain('Awarded “Digital Storyteller” to 2 people.');
      const csv = await owner.agent.get(`${done.headers.location}/result.csv`);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.headers['content-disposition']).toMatch(/^attachment/);
      const rows = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(rows[0]).toBe('line,email,name,assertion_id,award_url,baked_png_url');
      expect(rows[1]).toMatch(new RegExp(`^2,form1@example.org,One,[0-9a-f-]{36},${t.baseUrl}/assertions/[0-9a-f-]{36},`));
      expect(rows).toHaveLength(3);
    });

    it('refuses a binary file and a file over 5 MB cleanly', async () => {
      let csrf = await csrfFrom(owner.agent, page());
      const binary = await owner.agent
        .post(page())
        .field('_csrf', csrf)
        .attach('csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), { filename: 'badge.csv', contentType: 'text/csv' });
      expect(binary.status).toBe(400);
      expect(binary.text).toContain('This file is not a CSV text file');
      csrf = await csrfFrom(owner.agent, page());
      const huge = await owner.agent
        .post(page())
        .field('_csrf', csrf)
        .attach('csv', Buffer.alloc(6 * 1024 * 1024, 0x61), { filename: 'huge.csv', contentType: 'text/csv' });
      expect(huge.status).toBe(413);
      // Refused by the upload parser, before the page's locals exist: still the error page, never a stack trace.
      expect(huge.text).toContain('The file is too large: at most 5 MB.');
      expect(huge.text).not.toMatch(/ReferenceError|node_modules/);
    });
  });
});
