import { JSDOM } from 'jsdom';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, dataUri, givenBadge, pngImage, signedUpAgent, startKiln, type TestKiln } from '../helpers/app.js';

/** Splits one CSV line as Kiln writes it (quoted cells may hold commas and doubled quotes). */
function cellsOf(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') cells.push(cell), (cell = '');
    else cell += ch;
  }
  cells.push(cell);
  return cells;
}

const rowsOf = (csv: string) => csv.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean).map(cellsOf);

describe('searching an issuer and exporting its awards', () => {
  let t: TestKiln;
  const api = () => request(t.server);

  beforeAll(async () => {
    t = await startKiln();
  });
  afterAll(() => t.close());

  /** An owner with an issuer and a badge, and a way to award it through the API. */
  async function givenIssuer() {
    const owner = await signedUpAgent(t);
    const token = await apiToken(t, owner.email);
    const { issuer, badge } = await givenBadge(t, token);
    const award = async (recipient: { email: string; name?: string }, badgeId = badge.id as string) => {
      const res = await api().post(`/api/v1/badges/${badgeId}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string };
    };
    return { owner, token, issuer: issuer as { id: string; name: string }, badge: badge as { id: string; name: string }, award };
  }

  const foundAwards = (html: string) =>
    [...new JSDOM(html).window.document.querySelectorAll('#found-awards-h ~ div tbody tr')].map((tr) => tr.querySelector('a')!.getAttribute('href'));

  it('finds a learner’s awards by the email they were awarded to, whole or in part and in any case, and by name', async () => {
    const { owner, issuer, award } = await givenIssuer();
    const ada = await award({ email: 'Ada.Lovelace@Example.org', name: 'Ada Lovelace' });
    const grace = await award({ email: 'grace@navy.example', name: 'Grace Hopper' });

    const byEmail = await owner.agent.get(`/manage/issuers/${issuer.id}/search`).query({ q: 'ADA.lovelace@example.ORG' });
    expect(byEmail.status).toBe(200);
    expect(foundAwards(byEmail.text)).toEqual([`/manage/assertions/${ada.id}`]);
    const doc = new JSDOM(byEmail.text).window.document;
    const cells = [...doc.querySelectorAll('#found-awards-h ~ div tbody td')].map((td) => td.textContent!.trim());
    expect(cells).toEqual(['Ada Lovelace · ada.lovelace@example.org', 'Digital Storyteller', expect.stringMatching(/^\d{1,2} \w+ \d{4}$/), 'active']);

    expect(foundAwards((await owner.agent.get(`/manage/issuers/${issuer.id}/search`).query({ q: 'navy.example' })).text)).toEqual([`/manage/assertions/${grace.id}`]);
    expect(foundAwards((await owner.agent.get(`/manage/issuers/${issuer.id}/search`).query({ q: 'hopper' })).text)).toEqual([`/manage/assertions/${grace.id}`]);
    const none = await owner.agent.get(`/manage/issuers/${issuer.id}/search`).query({ q: 'nobody@example.org' });
    expect(foundAwards(none.text)).toEqual([]);
    expect(none.text).toContain('No award to an email or name containing “nobody@example.org”');
  });

  it('finds a badge by its name, archived ones too', async () => {
    const { owner, issuer, badge } = await givenIssuer();
    const res = await owner.agent.get(`/manage/issuers/${issuer.id}/search`).query({ q: 'storyTELLER' });
    const links = [...new JSDOM(res.text).window.document.querySelectorAll('#found-badges-h ~ ul a')].map((a) => a.getAttribute('href'));
    expect(links).toEqual([`/manage/badges/${badge.id}`]);
    const none = await owner.agent.get(`/manage/issuers/${issuer.id}/search`).query({ q: 'Astronomer' });
    expect(none.text).toContain('No badge’s name contains “Astronomer”');
  });

  it('never shows another issuer’s award or badge, even to the same learner’s email', async () => {
    const mine = await givenIssuer();
    const theirs = await givenIssuer();
    const own = await mine.award({ email: 'shared.learner@example.org', name: 'Shared Learner' });
    const foreign = await theirs.award({ email: 'shared.learner@example.org', name: 'Shared Learner' });

    const res = await mine.owner.agent.get(`/manage/issuers/${mine.issuer.id}/search`).query({ q: 'shared.learner' });
    expect(foundAwards(res.text)).toEqual([`/manage/assertions/${own.id}`]);
    expect(res.text).not.toContain(foreign.id);
    expect(res.text).not.toContain(theirs.badge.id);
    // And the other issuer's search page is not theirs to open.
    expect((await mine.owner.agent.get(`/manage/issuers/${theirs.issuer.id}/search`).query({ q: 'shared' })).status).toBe(404);
  });

  it('pages through many matching awards with the pager', async () => {
    const { owner, token, issuer, badge } = await givenIssuer();
    const recipients = Array.from({ length: 55 }, (_, i) => ({ email: `pupil${i}@school.example`, name: `Pupil ${i}` }));
    const bulk = await api().post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipients });
    expect(bulk.status, JSON.stringify(bulk.body).slice(0, 300)).toBe(201);
    const first = await owner.agent.get(`/manage/issuers/${issuer.id}/search`).query({ q: 'school.example' });
    expect(foundAwards(first.text)).toHaveLength(50);
    const next = /href="\?([^"]*cursor=[^"]+)"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    expect(new URLSearchParams(next).get('q')).toBe('school.example');
    const second = await owner.agent.get(`/manage/issuers/${issuer.id}/search?${next}`);
    expect(foundAwards(second.text)).toHaveLength(5);
    expect(new Set([...foundAwards(first.text), ...foundAwards(second.text)]).size).toBe(55);
  });

  it('exports every award of the issuer as CSV: a header row, spreadsheet formulas defused, and only this issuer’s rows', async () => {
    const mine = await givenIssuer();
    const theirs = await givenIssuer();
    const plain = await mine.award({ email: 'ann@example.org', name: 'Ann, the "first"' });
    const formula = await mine.award({ email: 'eve@example.org', name: "=cmd|' /C calc'!A0" });
    const foreign = await theirs.award({ email: 'ann@example.org', name: 'Ann elsewhere' });

    const res = await mine.owner.agent.get(`/manage/issuers/${mine.issuer.id}/awards.csv`).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="awards-riverside-youth-club-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.text.startsWith('\uFEFF')).toBe(true);
    const rows = rowsOf(res.text);
    expect(rows[0]).toEqual(['assertion_id', 'badge', 'badge_id', 'recipient_email', 'recipient_name', 'issued_on', 'expires', 'status', 'revoked_at', 'revocation_reason', 'award_url']);
    expect(rows.slice(1).map((r) => r[0]).sort()).toEqual([plain.id, formula.id].sort());
    expect(res.text).not.toContain(foreign.id);
    expect(res.text).not.toContain('Ann elsewhere');
    const eve = rows.find((r) => r[0] === formula.id)!;
    expect(eve[4]).toBe("'=cmd|' /C calc'!A0");
    expect(res.text).not.toMatch(/(^|,)=cmd/m);
    const ann = rows.find((r) => r[0] === plain.id)!;
    expect(ann.slice(1, 5)).toEqual(['Digital Storyteller', mine.badge.id, 'ann@example.org', 'Ann, the "first"']);
    expect(ann[7]).toBe('active');
    expect(ann[10]).toBe(`${t.config.publicUrl}/assertions/${plain.id}`);
  });

  it('exports one badge’s awards, revoked ones with their reason, and is linked from the badge and issuer pages', async () => {
    const { owner, token, issuer, badge, award } = await givenIssuer();
    const other = await api()
      .post(`/api/v1/issuers/${issuer.id}/badges`)
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'Team Player', description: 'Worked with others.', criteria: { narrative: 'Helped the team.' }, image: dataUri(await pngImage()) });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    const kept = await award({ email: 'kim@example.org' });
    const revoked = await award({ email: 'lou@example.org' });
    const elsewhere = await award({ email: 'max@example.org' }, other.body.id);
    expect((await api().post(`/api/v1/assertions/${revoked.id}/revoke`).set('Authorization', `Bearer ${token}`).send({ reason: 'Awarded by mistake' })).status).toBe(200);

    const res = await owner.agent.get(`/manage/badges/${badge.id}/awards.csv`).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="awards-digital-storyteller-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = rowsOf(res.text);
    expect(rows.slice(1).map((r) => r[0]).sort()).toEqual([kept.id, revoked.id].sort());
    expect(res.text).not.toContain(elsewhere.id);
    const lou = rows.find((r) => r[0] === revoked.id)!;
    expect([lou[7], lou[9]]).toEqual(['revoked', 'Awarded by mistake']);
    expect(lou[8]).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    expect((await owner.agent.get(`/manage/badges/${badge.id}`)).text).toContain(`href="/manage/badges/${badge.id}/awards.csv"`);
    expect((await owner.agent.get(`/manage/issuers/${issuer.id}`)).text).toContain(`href="/manage/issuers/${issuer.id}/awards.csv"`);
  });

  it('streams a large export page by page, every award once', async () => {
    const { owner, token, issuer, badge } = await givenIssuer();
    const recipients = Array.from({ length: 1203 }, (_, i) => ({ email: `many${i}@example.org` }));
    const bulk = await api().post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipients });
    expect(bulk.status).toBe(201);
    const res = await owner.agent.get(`/manage/issuers/${issuer.id}/awards.csv`).buffer(true);
    expect(res.status).toBe(200);
    // Written in chunks as the pages are read, not with one Content-Length.
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const ids = rowsOf(res.text).slice(1).map((r) => r[0]);
    expect(ids).toHaveLength(1203);
    expect(new Set(ids).size).toBe(1203);
  });

  it('refuses the exports to a member of another issuer (404) and to no one signed in; an awarder may export', async () => {
    const { owner, issuer, badge } = await givenIssuer();
    const stranger = await signedUpAgent(t);
    expect((await stranger.agent.get(`/manage/issuers/${issuer.id}/awards.csv`)).status).toBe(404);
    expect((await stranger.agent.get(`/manage/badges/${badge.id}/awards.csv`)).status).toBe(404);
    expect((await api().get(`/manage/issuers/${issuer.id}/awards.csv`)).status).toBe(303);

    const awarder = await signedUpAgent(t);
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuer.id}`);
    expect((await owner.agent.post(`/manage/issuers/${issuer.id}/members`).type('form').send({ _csrf: csrf, email: awarder.email, role: 'awarder' })).status).toBe(303);
    expect((await awarder.agent.get(`/manage/issuers/${issuer.id}/awards.csv`)).status).toBe(200);
    expect((await awarder.agent.get(`/manage/badges/${badge.id}/awards.csv`)).status).toBe(200);
  });
});
