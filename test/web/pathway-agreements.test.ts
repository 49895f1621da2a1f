import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, dataUri, givenBadge, pngImage, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

/*
 * Issue 18, items 8 and 16: another issuer's badges count as pathway steps only under an agreement its owner
 * accepted, and one completion rule applies to awards made before the pathway (or the agreement) existed.
 */
describe('cross-issuer agreements and pathways over earlier awards', () => {
  let t: TestKiln;
  let ownerA: { agent: Agent; email: string };
  let tokenA: string;
  let tokenB: string;
  let editorToken: string;
  let strangerToken: string;
  const api = () => request(t.server);
  const post = (path: string, body: unknown, as: string) => api().post(path).set('Authorization', `Bearer ${as}`).send(body as object);
  const get = (path: string, as: string) => api().get(path).set('Authorization', `Bearer ${as}`);
  const award = (badgeId: string, email: string, as: string) => post(`/api/v1/badges/${badgeId}/assertions`, { recipient: { email } }, as);
  const count = (sql: string, ...args: unknown[]) => t.db.prepare(sql).pluck().get(...args) as number;
  const capstones = (badgeId: string, email: string) => count('SELECT count(*) FROM assertions WHERE badge_class_id = ? AND recipient_email = ?', badgeId, email);
  const newBadge = async (issuerId: string, name: string, as: string) =>
    (await post(`/api/v1/issuers/${issuerId}/badges`, { name, description: 'A step.', image: dataUri(await pngImage()), criteria: { narrative: 'Do it.' } }, as)).body as { id: string };

  /** Issuer A (with an editor) and issuer B, each with a badge; A has a capstone. */
  async function givenIssuers() {
    const a = await givenBadge(t, tokenA, { name: 'Teamwork' });
    const b = await givenBadge(t, tokenB, { name: 'First aid' });
    const editor = t.kiln.services.accounts.findUserByEmail(editorEmail)!;
    t.kiln.services.issuers.addMember(a.issuer.id, t.kiln.services.accounts.findUserByEmail(ownerA.email)!.id, { email: editor.email, role: 'editor' });
    const capstone = await newBadge(a.issuer.id, 'Passport', tokenA);
    return { issuerA: a.issuer.id as string, issuerB: b.issuer.id as string, badgeA: a.badge.id as string, badgeB: b.badge.id as string, capstone: capstone.id };
  }
  const pathwayBody = (issuerId: string, badgeIds: string[], capstoneBadgeId: string) => ({ name: 'Passport', issuerId, badgeIds, rule: { type: 'all' }, capstoneBadgeId });
  let editorEmail: string;

  beforeAll(async () => {
    t = await startKiln();
    ownerA = await signedUpAgent(t);
    tokenA = await apiToken(t, ownerA.email);
    tokenB = await apiToken(t, (await signedUpAgent(t)).email);
    editorEmail = (await signedUpAgent(t)).email;
    editorToken = await apiToken(t, editorEmail);
    strangerToken = await apiToken(t, (await signedUpAgent(t)).email);
  });
  afterAll(() => t.close());

  it('refuses a pathway step of another issuer without an accepted agreement (422 naming the step), storing nothing', async () => {
    const w = await givenIssuers();
    await award(w.badgeB, 'held-by-b@example.org', tokenB);
    const before = count('SELECT count(*) FROM pathways');
    const res = await post('/api/v1/pathways', pathwayBody(w.issuerA, [w.badgeA, w.badgeB], w.capstone), tokenA);
    expect(res.status).toBe(422);
    expect(res.body.error.details['badgeIds.1']).toContain('has not agreed');
    expect(count('SELECT count(*) FROM pathways')).toBe(before);
    // A request not yet accepted is no agreement either.
    expect((await post(`/api/v1/issuers/${w.issuerA}/agreements`, { stepIssuerId: w.issuerB }, tokenA)).status).toBe(201);
    expect((await post('/api/v1/pathways', pathwayBody(w.issuerA, [w.badgeA, w.badgeB], w.capstone), tokenA)).status).toBe(422);
  });

  it('lets only owners ask, only the step issuer’s owner accept, either owner withdraw; others get 404', async () => {
    const w = await givenIssuers();
    expect((await post(`/api/v1/issuers/${w.issuerA}/agreements`, { stepIssuerId: w.issuerB }, editorToken)).status).toBe(403);
    expect((await post(`/api/v1/issuers/${w.issuerA}/agreements`, { stepIssuerId: w.issuerB }, strangerToken)).status).toBe(404);
    expect((await post(`/api/v1/issuers/${w.issuerA}/agreements`, { stepIssuerId: w.issuerA }, tokenA)).status).toBe(422);
    const asked = await post(`/api/v1/issuers/${w.issuerA}/agreements`, { stepIssuerId: `${t.baseUrl}/issuers/${w.issuerB}` }, tokenA);
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ issuerId: w.issuerA, stepIssuerId: w.issuerB, status: 'requested' });
    expect((await post(`/api/v1/issuers/${w.issuerA}/agreements`, { stepIssuerId: w.issuerB }, tokenA)).status).toBe(422);
    // The requester cannot accept its own request; a stranger cannot see it.
    expect((await post(`/api/v1/agreements/${asked.body.id}/accept`, {}, tokenA)).status).toBe(403);
    expect((await post(`/api/v1/agreements/${asked.body.id}/accept`, {}, strangerToken)).status).toBe(404);
    expect((await post(`/api/v1/agreements/${asked.body.id}/withdraw`, {}, strangerToken)).status).toBe(404);
    expect((await get(`/api/v1/issuers/${w.issuerB}/agreements`, tokenB)).body.items).toEqual([expect.objectContaining({ id: asked.body.id, status: 'requested' })]);
    const accepted = await post(`/api/v1/agreements/${asked.body.id}/accept`, {}, tokenB);
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('accepted');
    expect((await post(`/api/v1/agreements/${asked.body.id}/accept`, {}, tokenB)).status).toBe(409);
    expect((await post('/api/v1/pathways', pathwayBody(w.issuerA, [w.badgeA, w.badgeB], w.capstone), tokenA)).status).toBe(201);
    expect((await post(`/api/v1/agreements/${asked.body.id}/withdraw`, {}, tokenA)).body.status).toBe('withdrawn');
    // Asking again reopens it.
    expect((await post(`/api/v1/issuers/${w.issuerA}/agreements`, { stepIssuerId: w.issuerB }, tokenA)).body.status).toBe('requested');
  });

  it('never reveals the step issuer’s learners while the agreement is withdrawn, and counts their awards once it is accepted again', async () => {
    const w = await givenIssuers();
    const asked = await post(`/api/v1/issuers/${w.issuerA}/agreements`, { stepIssuerId: w.issuerB }, tokenA);
    await post(`/api/v1/agreements/${asked.body.id}/accept`, {}, tokenB);
    const pathway = (await post('/api/v1/pathways', pathwayBody(w.issuerA, [w.badgeA, w.badgeB], w.capstone), tokenA)).body;
    await post(`/api/v1/agreements/${asked.body.id}/withdraw`, {}, tokenB);

    await award(w.badgeA, 'dana@example.org', tokenA);
    await award(w.badgeB, 'dana@example.org', tokenB);
    // B withdrew: its award does not count, so A learns nothing of it: no capstone, no completion, no email.
    expect(capstones(w.capstone, 'dana@example.org')).toBe(0);
    expect(count('SELECT count(*) FROM pathway_completions WHERE pathway_id = ?', pathway.id)).toBe(0);
    expect(count("SELECT count(*) FROM outbox WHERE to_address = 'dana@example.org'")).toBe(0);
    const page = await ownerA.agent.get(`/manage/pathways/${pathway.id}`);
    expect(page.text).not.toContain('dana@example.org');
    expect(page.text).toContain('has not agreed');
    expect((await get(`/api/v1/pathways/${pathway.id}`, tokenA)).body.completions).toBe(0);

    // B's owner accepts again: the award B already made counts now, once.
    const again = await post(`/api/v1/issuers/${w.issuerA}/agreements`, { stepIssuerId: w.issuerB }, tokenA);
    expect((await post(`/api/v1/agreements/${again.body.id}/accept`, {}, tokenB)).status).toBe(200);
    expect(capstones(w.capstone, 'dana@example.org')).toBe(1);
    expect((await get(`/api/v1/pathways/${pathway.id}`, tokenA)).body.completions).toBe(1);
  });

  it('applies the rule to awards made before the pathway existed: capstones at once, and every page agreeing', async () => {
    const w = await givenIssuers();
    const second = await newBadge(w.issuerA, 'Communication', tokenA);
    await award(w.badgeA, 'early@example.org', tokenA);
    await award(second.id, 'early@example.org', tokenA);
    await award(w.badgeA, 'half@example.org', tokenA);
    // Already holds the capstone (awarded by hand): completes, but gets no second one.
    await award(w.badgeA, 'holder@example.org', tokenA);
    await award(second.id, 'holder@example.org', tokenA);
    await award(w.capstone, 'holder@example.org', tokenA);

    const created = await post('/api/v1/pathways', pathwayBody(w.issuerA, [w.badgeA, second.id], w.capstone), tokenA);
    expect(created.status).toBe(201);
    expect(capstones(w.capstone, 'early@example.org')).toBe(1);
    expect(capstones(w.capstone, 'half@example.org')).toBe(0);
    expect(capstones(w.capstone, 'holder@example.org')).toBe(1);
    // The API and the pathway page agree with the learner page.
    expect((await get(`/api/v1/pathways/${created.body.id}`, tokenA)).body.completions).toBe(2);
    const page = await ownerA.agent.get(`/manage/pathways/${created.body.id}`);
    expect(page.text).toContain('early@example.org');
    expect(page.text).not.toContain('half@example.org');
    const progress = t.kiln.services.pathways.progressFor('early@example.org').find((p) => p.pathway.id === created.body.id)!;
    expect(progress.complete).toBe(true);
    expect(t.kiln.services.pathways.progress(progress.pathway, 'early@example.org').completion).not.toBeNull();
    // The capstone's award email was queued like any other.
    expect(count("SELECT count(*) FROM outbox WHERE to_address = 'early@example.org' AND subject LIKE '%Passport%'")).toBe(1);
  });

  it('runs the agreement flow through the owners’ pages (CSRF forms)', async () => {
    const w = await givenIssuers();
    const csrf = await csrfFrom(ownerA.agent, `/manage/issuers/${w.issuerA}/agreements`);
    const bad = await ownerA.agent.post(`/manage/issuers/${w.issuerA}/agreements`).type('form').send({ _csrf: csrf, stepIssuerId: 'not an issuer', message: 'Please' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('No issuer on this Kiln');
    expect(bad.text).toContain('not an issuer');
    const asked = await ownerA.agent.post(`/manage/issuers/${w.issuerA}/agreements`).type('form').send({ _csrf: csrf, stepIssuerId: `${t.baseUrl}/issuers/${w.issuerB}`, message: 'For our passport' });
    expect(asked.status).toBe(303);
    const list = await ownerA.agent.get(`/manage/issuers/${w.issuerA}/agreements`);
    expect(list.text).toContain('requested');
  });
});
