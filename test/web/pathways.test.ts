import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, dataUri, givenBadge, pngImage, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

describe('pathways and capstones', () => {
  let t: TestKiln;
  let owner: { agent: Agent; email: string };
  let token: string;
  let otherToken: string;
  const api = () => request(t.server);
  const post = (path: string, body: unknown, as = token) => api().post(path).set('Authorization', `Bearer ${as}`).send(body as object);
  const award = (badgeId: string, email: string, as = token) => post(`/api/v1/badges/${badgeId}/assertions`, { recipient: { email } }, as);
  const capstonesOf = (capstoneId: string, email: string) =>
    t.db.prepare('SELECT id, revoked_at, awarded_by, narrative, evidence FROM assertions WHERE badge_class_id = ? AND recipient_email = ?').all(capstoneId, email) as Array<{
      id: string;
      revoked_at: string | null;
      awarded_by: string | null;
      narrative: string;
      evidence: string;
    }>;

  /** An issuer with three component badges and a capstone, plus a component from another issuer on this Kiln. */
  async function givenPathway(rule: unknown = { type: 'all' }) {
    const a = await givenBadge(t, token, { name: 'Teamwork' });
    const issuerId = a.issuer.id as string;
    const more = async (name: string) =>
      (await post(`/api/v1/issuers/${issuerId}/badges`, { name, description: 'A step.', image: dataUri(await pngImage()), criteria: { narrative: 'Do it.' } }))
        .body as { id: string };
    const b = await more('Communication');
    const capstone = await more('Employability passport');
    const other = await givenBadge(t, otherToken, { name: 'First aid' });
    const foreign = other.badge as { id: string };
    // Another issuer's badge counts only once its owner accepted an agreement (issue 18).
    const asked = await post(`/api/v1/issuers/${issuerId}/agreements`, { stepIssuerId: other.issuer.id });
    expect(asked.status).toBe(201);
    expect((await post(`/api/v1/agreements/${asked.body.id}/accept`, {}, otherToken)).status).toBe(200);
    const res = await post('/api/v1/pathways', {
      name: 'Employability passport',
      issuerId,
      badgeIds: [a.badge.id, { badgeId: b.id, group: 'Core' }, foreign.id],
      rule,
      capstoneBadgeId: capstone.id,
    });
    expect(res.status).toBe(201);
    return { pathway: res.body, issuerId, components: [a.badge.id as string, b.id, foreign.id], capstoneId: capstone.id };
  }

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    otherToken = await apiToken(t, (await signedUpAgent(t)).email);
  });
  afterAll(() => t.close());

  it('awards the capstone exactly once, when the last required badge arrives, matching the learner by normalised email', async () => {
    const { pathway, components, capstoneId } = await givenPathway();
    expect(pathway).toMatchObject({ badgeIds: components, rule: { type: 'all' }, capstoneBadgeId: capstoneId, steps: [{ group: null }, { group: 'Core' }, { group: null }] });

    await award(components[0]!, 'Sam@Example.org');
    await award(components[1]!, 'sam@example.org');
    expect(capstonesOf(capstoneId, 'sam@example.org')).toHaveLength(0);
    // The last badge comes from another issuer, awarded by that issuer's own member.
    expect((await award(components[2]!, '  SAM@example.ORG ', otherToken)).status).toBe(201);
    const capstones = capstonesOf(capstoneId, 'sam@example.org');
    expect(capstones).toHaveLength(1);
    expect(capstones[0]!.awarded_by).toBeNull();
    expect(capstones[0]!.narrative).toContain('Employability passport');
    expect(JSON.parse(capstones[0]!.evidence)).toHaveLength(3);
    // The hosted capstone is an ordinary award.
    expect((await api().get(`/assertions/${capstones[0]!.id}`)).body.badge).toBe(`${t.baseUrl}/badges/${capstoneId}`);

    // Earning a component again, one at a time or in a CSV batch, never awards a second capstone.
    await award(components[0]!, 'sam@example.org');
    const csv = await api()
      .post(`/api/v1/badges/${components[1]}/assertions/bulk`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'text/csv')
      .send('email\nsam@example.org\nalex@example.org');
    expect(csv.status).toBe(201);
    expect(capstonesOf(capstoneId, 'sam@example.org')).toHaveLength(1);
    expect(capstonesOf(capstoneId, 'alex@example.org')).toHaveLength(0);
  });

  it('awards the capstone from a CSV batch that completes the rule, for each learner it completes', async () => {
    const { components, capstoneId } = await givenPathway({ type: 'atLeast', n: 2 });
    await award(components[0]!, 'kim@example.org');
    await award(components[0]!, 'lee@example.org');
    const csv = await api()
      .post(`/api/v1/badges/${components[1]}/assertions/bulk`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'text/csv')
      .send('email\nkim@example.org\nlee@example.org\nnew@example.org');
    expect(csv.status).toBe(201);
    expect(capstonesOf(capstoneId, 'kim@example.org')).toHaveLength(1);
    expect(capstonesOf(capstoneId, 'lee@example.org')).toHaveLength(1);
    expect(capstonesOf(capstoneId, 'new@example.org')).toHaveLength(0);
  });

  it('awards the capstone in the same transaction as the award that completes the pathway', async () => {
    const { components, capstoneId } = await givenPathway();
    await award(components[0]!, 'tx@example.org');
    await award(components[1]!, 'tx@example.org');
    const count = () => (t.db.prepare("SELECT count(*) AS n FROM assertions WHERE recipient_email = 'tx@example.org'").get() as { n: number }).n;
    // Make the capstone insert fail: the completing award must not be stored without it.
    t.db.exec(`CREATE TEMP TRIGGER refuse_capstone BEFORE INSERT ON assertions WHEN NEW.badge_class_id = '${capstoneId}'
      BEGIN SELECT RAISE(ABORT, 'capstone refused'); END`);
    try {
      const failed = await award(components[2]!, 'tx@example.org', otherToken);
      expect(failed.status).toBe(500);
      expect(count()).toBe(2);
      expect(t.db.prepare('SELECT count(*) AS n FROM pathway_completions WHERE recipient_email = ?').get('tx@example.org')).toEqual({ n: 0 });
    } finally {
      t.db.exec('DROP TRIGGER temp.refuse_capstone');
    }
    expect((await award(components[2]!, 'tx@example.org', otherToken)).status).toBe(201);
    expect(count()).toBe(4);
    expect(capstonesOf(capstoneId, 'tx@example.org')).toHaveLength(1);
  });

  it('flags the capstone for review when revoking a component breaks the rule, and lets a facilitator revoke it', async () => {
    const { pathway, components, capstoneId } = await givenPathway();
    const first = (await award(components[0]!, 'flag@example.org')).body;
    await award(components[1]!, 'flag@example.org');
    await award(components[2]!, 'flag@example.org', otherToken);
    const [capstone] = capstonesOf(capstoneId, 'flag@example.org');
    expect(capstone).toBeDefined();

    const revoked = await post(`/api/v1/assertions/${first.id}/revoke`, { reason: 'Awarded in error' });
    expect(revoked.status).toBe(200);
    const completion = t.db.prepare('SELECT * FROM pathway_completions WHERE pathway_id = ? AND recipient_email = ?').get(pathway.id, 'flag@example.org') as {
      id: string;
      flagged_at: string | null;
      flag_reason: string;
    };
    expect(completion.flagged_at).not.toBeNull();
    expect(completion.flag_reason).toContain('Teamwork');
    // Flagged, not silently revoked: a person decides.
    expect(capstonesOf(capstoneId, 'flag@example.org')[0]!.revoked_at).toBeNull();
    expect((await api().get(`/api/v1/pathways/${pathway.id}`).set('Authorization', `Bearer ${token}`)).body.flagged).toBe(1);

    const page = await owner.agent.get(`/manage/pathways/${pathway.id}`);
    expect(page.text).toContain('Needs review');
    const csrf = await csrfFrom(owner.agent, `/manage/pathways/${pathway.id}`);
    const resolved = await owner.agent
      .post(`/manage/pathways/${pathway.id}/completions/${completion.id}/resolve`)
      .type('form')
      .send({ _csrf: csrf, action: 'revoke', reason: 'Pathway no longer complete' });
    expect(resolved.status).toBe(303);
    expect(capstonesOf(capstoneId, 'flag@example.org')[0]!.revoked_at).not.toBeNull();
    expect((await api().get(`/assertions/${capstone!.id}`)).status).toBe(410);
  });

  it('does not flag the capstone when the rule still holds after a revocation', async () => {
    const { pathway, components } = await givenPathway({ type: 'atLeast', n: 2 });
    const first = (await award(components[0]!, 'spare@example.org')).body;
    await award(components[1]!, 'spare@example.org');
    await award(components[2]!, 'spare@example.org', otherToken);
    await post(`/api/v1/assertions/${first.id}/revoke`, { reason: 'Duplicate' });
    const completion = t.db.prepare('SELECT flagged_at FROM pathway_completions WHERE pathway_id = ? AND recipient_email = ?').get(pathway.id, 'spare@example.org');
    expect(completion).toEqual({ flagged_at: null });
  });

  it('shows pathways and prerequisites on badge pages, and the map on the pathway page', async () => {
    const { pathway, components, capstoneId } = await givenPathway();
    const component = await api().get(`/badges/${components[1]}`).set('Accept', 'text/html');
    expect(component.text).toContain(`/pathways/${pathway.id}`);
    expect(component.text).toMatch(/Step 2 of 3 in <a href="\/pathways\/[^"]+">Employability passport<\/a>/);
    const capstone = await api().get(`/badges/${capstoneId}`).set('Accept', 'text/html');
    expect(capstone.text).toContain('Prerequisites');
    expect(capstone.text).toContain('First aid');
    const map = await api().get(`/pathways/${pathway.id}`).set('Accept', 'text/html');
    expect(map.status).toBe(200);
    for (const name of ['Teamwork', 'Communication', 'First aid', 'Core', 'all 3 badge(s)']) expect(map.text).toContain(name);
  });

  it('shows a learner their progress on each pathway they have started, on the learner home', async () => {
    const { pathway, components } = await givenPathway();
    await award(components[0]!, 'progress@example.org');
    await award(components[2]!, 'progress@example.org', otherToken);
    const agent = request.agent(t.server);
    const csrf = await csrfFrom(agent, '/learner');
    await agent.post('/learner/sign-in').type('form').send({ _csrf: csrf, email: 'progress@example.org' });
    const body = t.db.prepare("SELECT text_body FROM outbox WHERE kind = 'sign_in' AND to_address = ? ORDER BY rowid DESC").pluck().get('progress@example.org') as string;
    const path = new URL(/\((http[^)]+\/learner\/sign-in\/[\w-]+)\)/.exec(body)![1]!).pathname;
    const confirm = await agent.get(path);
    await agent.post(path).type('form').send({ _csrf: /name="_csrf" value="([^"]+)"/.exec(confirm.text)![1]! });
    const home = await agent.get('/learner');
    expect(home.text).toContain(`<a href="/pathways/${pathway.id}">Employability passport</a>: 2 of 3 badges (needs all 3 badge(s))`);
  });

  it('refuses a pathway whose capstone belongs to another issuer or repeats a step, naming the field', async () => {
    const { issuerId, components } = await givenPathway();
    const res = await post('/api/v1/pathways', {
      name: 'Bad',
      issuerId,
      badgeIds: [components[0], components[0], 'nope'],
      rule: { type: 'atLeast', n: 5 },
      capstoneBadgeId: components[2],
    });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.details).sort()).toEqual(['badgeIds.1', 'badgeIds.2', 'capstoneBadgeId', 'rule.n']);
    expect((await post('/api/v1/pathways', { name: 'x', issuerId, badgeIds: [components[0]], rule: { type: 'all' } }, otherToken)).status).toBe(404);
  });
});

describe('the pathway form', () => {
  let t: TestKiln;
  let owner: { agent: Agent; email: string };
  let token: string;
  let otherToken: string;
  const post = (path: string, body: unknown, as = token) => request(t.server).post(path).set('Authorization', `Bearer ${as}`).send(body as object);

  /** An issuer with three badges, a partner issuer that agreed (one badge) and a stranger that did not (one badge). */
  async function givenBadges() {
    const first = await givenBadge(t, token, { name: 'Teamwork' });
    const issuerId = first.issuer.id as string;
    const more = async (issuer: string, name: string, as = token) =>
      (await post(`/api/v1/issuers/${issuer}/badges`, { name, description: 'A step.', image: dataUri(await pngImage()), criteria: { narrative: 'Do it.' } }, as)).body.id as string;
    const communication = await more(issuerId, 'Communication');
    const listening = await more(issuerId, 'Listening');
    const partner = await givenBadge(t, otherToken, { name: 'First aid' });
    const asked = await post(`/api/v1/issuers/${issuerId}/agreements`, { stepIssuerId: partner.issuer.id });
    expect((await post(`/api/v1/agreements/${asked.body.id}/accept`, {}, otherToken)).status).toBe(200);
    const stranger = await givenBadge(t, otherToken, { name: 'Knots' });
    return { issuerId, teamwork: first.badge.id as string, communication, listening, firstAid: partner.badge.id as string, knots: stranger.badge.id as string };
  }

  const stepsOf = async (pathwayId: string) =>
    ((await request(t.server).get(`/api/v1/pathways/${pathwayId}`).set('Authorization', `Bearer ${token}`)).body as { badgeIds: string[]; steps: Array<{ group: string | null }> });

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    otherToken = await apiToken(t, (await signedUpAgent(t)).email);
  });
  afterAll(() => t.close());

  it('lists the issuer’s badges and those of issuers that agreed to tick, and saves the ticked ones in the order of their numbers, then the badges typed by address', async () => {
    const b = await givenBadges();
    const form = await owner.agent.get(`/manage/issuers/${b.issuerId}/pathways/new`);
    expect(form.status).toBe(200);
    const ticks = [...form.text.matchAll(/name="steps" value="([^"]+)"/g)].map((m) => m[1]);
    expect(ticks.sort()).toEqual([b.teamwork, b.communication, b.listening, b.firstAid].sort());
    expect(form.text).toContain('First aid <span class="muted">· Riverside Youth Club</span>');
    expect(form.text).toContain('<script src="/assets/pathway-steps.js" defer></script>');

    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${b.issuerId}/pathways/new`);
    const res = await owner.agent
      .post(`/manage/issuers/${b.issuerId}/pathways`)
      .type('form')
      .send({
        _csrf: csrf,
        name: 'Ordered',
        steps: [b.teamwork, b.communication, b.listening],
        [`order-${b.teamwork}`]: '2',
        [`order-${b.communication}`]: '1',
        [`order-${b.listening}`]: '',
        [`group-${b.communication}`]: 'Core',
        badges: `# Outside\n${t.baseUrl}/badges/${b.firstAid}`,
        ruleType: 'all',
      });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    expect(res.headers.location).toMatch(/^\/manage\/pathways\/[0-9a-f-]{36}\?notice=created$/);
    const pathwayId = res.headers.location!.split('/').pop()!.split('?')[0]!;
    const saved = await stepsOf(pathwayId);
    // Numbered first, in number order; the unnumbered one after them; then the advanced field's lines.
    expect(saved.badgeIds).toEqual([b.communication, b.teamwork, b.listening, b.firstAid]);
    expect(saved.steps.map((s) => s.group)).toEqual(['Core', null, null, 'Outside']);
    expect((await owner.agent.get(res.headers.location!)).text).toContain('Saved: the pathway is created.');
  });

  it('comes back with the ticks in their order, the groups and the typed addresses kept, and the steps’ messages at their head', async () => {
    const b = await givenBadges();
    const before = (t.db.prepare('SELECT count(*) FROM pathways').pluck().get() as number);
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${b.issuerId}/pathways/new`);
    const res = await owner.agent
      .post(`/manage/issuers/${b.issuerId}/pathways`)
      .type('form')
      .send({
        _csrf: csrf,
        name: 'Kept',
        steps: [b.teamwork, b.communication],
        [`order-${b.teamwork}`]: '2',
        [`order-${b.communication}`]: '1',
        [`group-${b.teamwork}`]: 'Extra',
        badges: `${b.communication}\nno-such-badge`,
        ruleType: 'atLeast',
        ruleN: '1',
      });
    expect(res.status).toBe(400);
    expect(t.db.prepare('SELECT count(*) FROM pathways').pluck().get()).toBe(before);
    const chosen = /<ol class="pathway-steps" data-chosen[^>]*>([\s\S]*?)<\/ol>/.exec(res.text)![1]!;
    expect([...chosen.matchAll(/name="steps" value="([^"]+)" checked/g)].map((m) => m[1])).toEqual([b.communication, b.teamwork]);
    expect(chosen).toContain(`name="order-${b.communication}" type="number" min="1" max="100" inputmode="numeric" value="1"`);
    expect(chosen).toContain(`name="group-${b.teamwork}" type="text" maxlength="100" value="Extra"`);
    const available = /<ul class="pathway-steps" id="available-list"[^>]*>([\s\S]*?)<\/ul>/.exec(res.text)![1]!;
    expect(available).toContain(`value="${b.listening}"`);
    expect(available).not.toContain(' checked');
    // The typed lines are kept, the advanced field opened, and the steps' messages are shown with the steps.
    expect(res.text).toContain(`<details class="pathway-advanced" open>`);
    expect(res.text).toContain(`${b.communication}\nno-such-badge</textarea>`);
    expect(res.text).toMatch(/id="steps-error">Communication is listed twice.\nNo badge on this Kiln has the id no-such-badge.<\/p>/);
    expect(res.text).toContain('value="Kept"');
  });

  it('refuses a ticked badge of an issuer that did not agree, as a hand-made request would send it', async () => {
    const b = await givenBadges();
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${b.issuerId}/pathways/new`);
    const res = await owner.agent
      .post(`/manage/issuers/${b.issuerId}/pathways`)
      .type('form')
      .send({ _csrf: csrf, name: 'Sneaky', steps: [b.teamwork, b.knots], ruleType: 'all' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Knots belongs to Riverside Youth Club, which has not agreed');
    expect(t.db.prepare("SELECT count(*) FROM pathways WHERE name = 'Sneaky'").pluck().get()).toBe(0);
  });
});
