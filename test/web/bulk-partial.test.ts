import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { CSV_COLUMNS } from '../../src/services/bulk-awards.js';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

// Issue 19 "CSV": besides all-or-nothing, award the good lines and give the bad ones back as a CSV to fix; a template.
const mixed = [
  'Email;Name;Narrative',
  'good1@example.org;Good One;Made a film',
  'not-an-email;"=HYPERLINK(""http://evil.example"")";Bad address, formula name',
  'good2@example.org;Good Two;',
  'good1@example.org;Twice;Already on line 2',
  '"quoted@example.org";"Semi; colon";"x";extra',
].join('\r\n');

const readCsv = (text: string) => parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];

describe('CSV bulk awards that award the good lines', () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let badge: { id: string };
  const page = () => `/manage/badges/${badge.id}/award/bulk`;
  const postCsv = (body: string, query = '') =>
    request(t.server).post(`/api/v1/badges/${badge.id}/assertions/bulk${query}`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/csv').send(body);

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ badge } = await givenBadge(t, token));
  });
  afterAll(() => t.close());

  const upload = async (csv: string, mode?: 'all' | 'partial') => {
    const csrf = await csrfFrom(owner.agent, page());
    let req = owner.agent.post(page()).field('_csrf', csrf);
    if (mode) req = req.field('mode', mode);
    return req.attach('csv', Buffer.from(csv), { filename: 'group.csv', contentType: 'text/csv' });
  };

  it('in the browser: previews the good and bad lines, awards only the good ones, and hands back the bad ones in the user’s columns with an error column, formula-defused', async () => {
    const before = tableCount(t.db, 'assertions');
    // The default is still all-or-nothing, and the page offers the other choice.
    const refused = await upload(mixed);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('or choose “award the good lines” below');
    expect(refused.text).toContain('value="partial"');

    const preview = await upload(mixed, 'partial');
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('2 lines are fine and 3 lines have problems.');
    expect(preview.text).toContain('Line 3: &#34;not-an-email&#34; is not an email address.');
    expect(preview.text).toContain('Confirm and award 2 people');
    expect(tableCount(t.db, 'assertions')).toBe(before);

    const action = /action="(\/manage\/badges\/[^"]+\/award\/bulk\/[^"]+)"/.exec(preview.text)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(preview.text)![1]!;
    const done = await owner.agent.post(action).type('form').send({ _csrf: csrf });
    expect(done.status).toBe(303);
    expect(tableCount(t.db, 'assertions')).toBe(before + 2);
    const emails = t.db.prepare('SELECT recipient_email FROM assertions ORDER BY recipient_email').pluck().all();
    expect(emails).toEqual(expect.arrayContaining(['good1@example.org', 'good2@example.org']));

    const result = await owner.agent.get(done.headers.location!);
    expect(result.text).toContain('3 lines were not awarded.');
    const toFix = /href="([^"]+\/to-fix\.csv)"/.exec(result.text)![1]!;
    const file = await owner.agent.get(toFix);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="to-fix-digital-storyteller-/);
    const rows = readCsv(file.text);
    expect(rows[0]).toEqual(['Email;Name;Narrative', 'error'].flatMap((c) => (c === 'error' ? [c] : c.split(';'))));
    expect(rows.slice(1).map((r) => r[0])).toEqual(['not-an-email', 'good1@example.org', 'quoted@example.org']);
    // A formula in the user's cell is defused, as in the result CSV.
    expect(rows[1]![1]).toBe('\'=HYPERLINK("http://evil.example")');
    expect(rows[1]![3]).toBe('Line 3: "not-an-email" is not an email address.');
    expect(rows[2]![3]).toBe('Line 5: good1@example.org is already on line 2.');
    expect(rows[3]![3]).toContain('Line 6: has 4 values but the header names 3 columns.');
    // The file to fix is taken again as it is, its error column ignored: fixing one line makes it awardable.
    const again = await upload(file.text.replace('not-an-email', 'fixed@example.org'), 'partial');
    expect(again.status).toBe(200);
    // (The line with a value too many comes back with the header's columns only, so it is fine now too.)
    expect(again.text).toContain('Every line is fine. Award this badge to 3 people?');
  });

  it('in the result page, each link says where it goes: the learner’s public award page, or managing the award', async () => {
    const res = await upload('email\nlinks@example.org\n', 'all');
    const action = /action="(\/manage\/badges\/[^"]+\/award\/bulk\/[^"]+)"/.exec(res.text)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text)![1]!;
    const done = await owner.agent.post(action).type('form').send({ _csrf: csrf });
    const result = await owner.agent.get(done.headers.location!);
    const id = t.db.prepare("SELECT id FROM assertions WHERE recipient_email = 'links@example.org'").pluck().get() as string;
    const publicUrl = `${t.baseUrl}/assertions/${id}`;
    expect(result.text).toContain(`<a href="${publicUrl}">${publicUrl}</a>`);
    expect(result.text).toContain(`<a href="/manage/assertions/${id}">Manage the award<span class="visually-hidden"> to links@example.org</span></a>`);
    expect(result.text).toContain('1 award</caption>');
    expect(result.text).not.toContain('to-fix.csv');
    expect((await owner.agent.get(`${done.headers.location!}/to-fix.csv`)).status).toBe(404);
  });

  it('in the API: ?partial=1 awards the good lines and answers the bad ones with the CSV to fix; all-or-nothing stays the default', async () => {
    let before = tableCount(t.db, 'assertions');
    const strict = await postCsv(mixed.replaceAll('good', 'api'));
    expect(strict.status).toBe(422);
    expect(tableCount(t.db, 'assertions')).toBe(before);

    const res = await postCsv(mixed.replaceAll('good', 'api'), '?partial=1&notify=false');
    expect(res.status).toBe(201);
    expect(res.body.count).toBe(2);
    expect(res.body.items.map((i: { line: number }) => i.line)).toEqual([2, 4]);
    expect(res.body.rejected.count).toBe(3);
    expect(res.body.rejected.lines.map((l: { line: number }) => l.line)).toEqual([3, 5, 6]);
    expect(readCsv(res.body.rejected.csv).map((r) => r.at(-1)).slice(0, 2)).toEqual(['error', 'Line 3: "not-an-email" is not an email address.']);
    expect(tableCount(t.db, 'assertions')).toBe(before + 2);

    // Nothing good at all: refused like an all-or-nothing file, and nothing is written.
    before = tableCount(t.db, 'assertions');
    const batches = tableCount(t.db, 'award_batches');
    const none = await postCsv('email\nnope\nalso-nope\n', '?partial=1');
    expect(none.status).toBe(422);
    expect(none.body.error.details.lines).toHaveLength(2);
    expect(tableCount(t.db, 'assertions')).toBe(before);
    expect(tableCount(t.db, 'award_batches')).toBe(batches);
    // A bad header still refuses the whole file.
    expect((await postCsv('mail,name\na@example.org,A\n', '?partial=1')).status).toBe(422);
  });

  it('offers a template CSV naming every column, which the upload takes as it is', async () => {
    const res = await owner.agent.get(`${page()}/template.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="award-template-digital-storyteller.csv"');
    const rows = readCsv(res.text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect((await owner.agent.get(page())).text).toContain(`href="${page()}/template.csv"`);
    const preview = await upload(res.text, 'all');
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('Every line is fine.');
    // Only members of the badge's issuer.
    const stranger = await signedUpAgent(t);
    expect((await stranger.agent.get(`${page()}/template.csv`)).status).toBe(404);
  });
});
