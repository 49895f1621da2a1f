import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, binary, csrfFrom, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

const DESIGN = { shape: 'circle', background: '#1d4ed8', border: '#facc15', title: 'Team Player', subtitle: '', icon: 'star' };

describe('badge form and designer: a saved design chosen in the form, and the designer opened from it and back', () => {
  let t: TestKiln;
  let owner: { agent: Agent; email: string };
  let token: string;
  let issuerId: string;
  let designId: string;
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    const issuer = await auth(request(t.server).post('/api/v1/issuers')).send({ name: 'Riverside Youth Club', url: 'https://riverside.example.org', email: 'badges@riverside.example.org' });
    issuerId = issuer.body.id;
    const design = await auth(request(t.server).post(`/api/v1/issuers/${issuerId}/designs`)).send({ name: 'Team Player art', design: DESIGN });
    expect(design.status).toBe(201);
    designId = design.body.id;
  });
  afterAll(() => t.close());

  it('offers the issuer\'s saved designs inside the new badge form, and makes the badge with the one chosen', async () => {
    const form = await owner.agent.get(`/manage/issuers/${issuerId}/badges/new`);
    expect(form.text).toContain('Or choose a saved design');
    expect(form.text).toContain(`name="designId" value="${designId}"`);
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/badges/new`);
    const fields = { _csrf: csrf, name: 'Team Player', description: 'Worked well in a team.', criteriaNarrative: 'Took part.' };
    const without = await owner.agent.post(`/manage/issuers/${issuerId}/badges`).type('form').send({ ...fields, designId: '' });
    expect(without.status).toBe(400);
    const created = await owner.agent.post(`/manage/issuers/${issuerId}/badges`).type('form').send({ ...fields, designId });
    expect(created.status).toBe(303);
    const badgeId = created.headers.location!.split('/').pop()!;
    const image = await request(t.server).get(`/badges/${badgeId}/image`).buffer(true).parse(binary);
    const designPng = await owner.agent.get(`/manage/designs/${designId}/image.png`).buffer(true).parse(binary);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect((image.body as Buffer).length).toBeGreaterThan(1000);
    expect(designPng.status).toBe(200);
  });

  it('keeps what was typed while the designer is open, and comes back with the new design chosen and named', async () => {
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/badges/new`);
    const away = await owner.agent
      .post(`/manage/issuers/${issuerId}/badges/design`)
      .type('form')
      .send({ _csrf: csrf, name: '', description: 'Led a group of five.', criteriaNarrative: 'Lead a session *on your own*.', tags: 'leadership' });
    expect(away.status).toBe(303);
    expect(away.headers.location).toBe(`/designer?issuerId=${issuerId}&for=badge`);
    const designer = await owner.agent.get(away.headers.location!);
    expect(designer.text).toContain('What you typed in the new badge form is kept');
    expect(designer.text).toContain('name="for" value="badge"');

    const before = tableCount(t.db, 'badge_classes');
    const designerCsrf = await csrfFrom(owner.agent, away.headers.location!);
    const saved = await owner.agent
      .post('/designer')
      .type('form')
      .send({ _csrf: designerCsrf, for: 'badge', issuerId, name: 'Group Leader', ...DESIGN, title: 'Leader', ribbon: '', ribbonColor: '', textColor: '', altText: '' });
    expect(saved.status).toBe(303);
    const back = saved.headers.location!;
    expect(back).toMatch(new RegExp(`^/manage/issuers/${issuerId}/badges/new\\?draft=1&design=`));
    const newId = new URL(back, 'http://x').searchParams.get('design')!;

    const form = await owner.agent.get(back);
    expect(form.text).toContain('Led a group of five.');
    expect(form.text).toContain('Lead a session *on your own*.');
    expect(form.text).toContain('value="leadership"');
    // No name was typed: the design's name fills it.
    expect(form.text).toMatch(/id="f-name"[^>]*value="Group Leader"|value="Group Leader"[^>]*id="f-name"/);
    expect(form.text).toMatch(new RegExp(`name="designId" value="${newId}" checked`));
    expect(tableCount(t.db, 'badge_classes')).toBe(before);
  });

  it('keeps a name that was typed rather than the design\'s', async () => {
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/badges/new`);
    await owner.agent.post(`/manage/issuers/${issuerId}/badges/design`).type('form').send({ _csrf: csrf, name: 'My own name', description: 'x' });
    const form = await owner.agent.get(`/manage/issuers/${issuerId}/badges/new?draft=1&design=${designId}`);
    expect(form.text).toContain('value="My own name"');
    expect(form.text).not.toContain('value="Team Player art"');
  });

  it('does not give one issuer\'s draft to another issuer\'s form, nor a design to someone outside its issuer', async () => {
    const other = await signedUpAgent(t);
    const otherToken = await apiToken(t, other.email);
    const otherIssuer = await request(t.server).post('/api/v1/issuers').set('Authorization', `Bearer ${otherToken}`).send({ name: 'Elsewhere', url: 'https://elsewhere.example.org', email: 'a@elsewhere.example.org' });
    const refused = await other.agent.get(`/manage/issuers/${otherIssuer.body.id}/badges/new?design=${designId}`);
    expect(refused.status).toBe(404);
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/badges/new`);
    await owner.agent.post(`/manage/issuers/${issuerId}/badges/design`).type('form').send({ _csrf: csrf, name: 'Secret draft' });
    const ownOther = await auth(request(t.server).post('/api/v1/issuers')).send({ name: 'Second', url: 'https://second.example.org', email: 'b@second.example.org' });
    const form = await owner.agent.get(`/manage/issuers/${ownOther.body.id}/badges/new?draft=1`);
    expect(form.status).toBe(200);
    expect(form.text).not.toContain('Secret draft');
  });

  it('changes the image of a badge not yet awarded to a saved design chosen in the edit form', async () => {
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/badges/new`);
    const created = await owner.agent
      .post(`/manage/issuers/${issuerId}/badges`)
      .type('form')
      .send({ _csrf: csrf, name: 'Editable', description: 'To edit.', criteriaNarrative: 'Anything.', designId });
    const badgeId = created.headers.location!.split('/').pop()!;
    const first = (await request(t.server).get(`/badges/${badgeId}/image`).buffer(true).parse(binary)).body as Buffer;
    const second = await auth(request(t.server).post(`/api/v1/issuers/${issuerId}/designs`)).send({ name: 'Other art', design: { ...DESIGN, background: '#7a1d1d', title: 'Other' } });
    const edit = await owner.agent.get(`/manage/badges/${badgeId}/edit`);
    expect(edit.text).toContain(`name="designId" value="${second.body.id}"`);
    const editCsrf = await csrfFrom(owner.agent, `/manage/badges/${badgeId}/edit`);
    const saved = await owner.agent
      .post(`/manage/badges/${badgeId}`)
      .type('form')
      .send({ _csrf: editCsrf, name: 'Editable', description: 'To edit.', criteriaNarrative: 'Anything.', designId: second.body.id });
    expect(saved.status).toBe(303);
    const after = (await request(t.server).get(`/badges/${badgeId}/image`).buffer(true).parse(binary)).body as Buffer;
    expect(after.equals(first)).toBe(false);
  });
});
