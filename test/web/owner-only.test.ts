import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

// Members and signing keys are an issuer's authority itself: an editor who could add members could make themselves
// (or anyone) owner, and one who could rotate keys could take over signing. Both are refused at the route guard and
// again in the service, so each layer is tested on its own.
describe('key rotation and membership are owners-only', () => {
  let t: TestKiln;
  let issuerId: string;
  let ownerToken: string;
  const ids: Record<'owner' | 'editor' | 'awarder' | 'newcomer', string> = { owner: '', editor: '', awarder: '', newcomer: '' };
  const agents: Partial<Record<'editor' | 'awarder', Agent>> = {};
  const tokens: Partial<Record<'editor' | 'awarder', string>> = {};

  const roles = () => Object.fromEntries(t.kiln.services.issuers.members(issuerId).map((m) => [m.email, m.role]));
  const keyCount = () => t.db.prepare('SELECT count(*) FROM issuer_keys WHERE issuer_id = ?').pluck().get(issuerId) as number;

  beforeAll(async () => {
    t = await startKiln();
    const owner = await signedUpAgent(t);
    ownerToken = await apiToken(t, owner.email);
    ({ issuer: { id: issuerId } } = await givenBadge(t, ownerToken));
    ids.owner = t.kiln.services.accounts.findUserByEmail(owner.email)!.id;
    for (const role of ['editor', 'awarder'] as const) {
      const member = await signedUpAgent(t);
      agents[role] = member.agent;
      tokens[role] = await apiToken(t, member.email);
      ids[role] = t.kiln.services.accounts.findUserByEmail(member.email)!.id;
      t.kiln.services.issuers.addMember(issuerId, ids.owner, { email: member.email, role });
    }
    const newcomer = await signedUpAgent(t, 'newcomer@example.org');
    ids.newcomer = t.kiln.services.accounts.findUserByEmail(newcomer.email)!.id;
    await request(t.server).get(`/api/v1/issuers/${issuerId}/keys`).set('Authorization', `Bearer ${ownerToken}`); // makes the first key
  });
  afterAll(() => t.close());

  it.each(['editor', 'awarder'] as const)('answers 403 to an %s adding, promoting or removing members through the pages, and changes nothing', async (role) => {
    const agent = agents[role]!;
    const page = await agent.get(`/manage/issuers/${issuerId}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('Add member');
    const csrf = await csrfFrom(agent, `/manage/issuers/${issuerId}`);
    const before = roles();
    const attempts = [
      agent.post(`/manage/issuers/${issuerId}/members`).type('form').send({ _csrf: csrf, email: 'newcomer@example.org', role: 'owner' }),
      agent.post(`/manage/issuers/${issuerId}/members/${ids[role]}`).type('form').send({ _csrf: csrf, role: 'owner' }),
      agent.post(`/manage/issuers/${issuerId}/members/${ids.owner}/remove`).type('form').send({ _csrf: csrf }),
    ];
    for (const attempt of attempts) expect((await attempt).status).toBe(403);
    expect(roles()).toEqual(before);
  });

  it.each(['editor', 'awarder'] as const)('answers 403 to an %s rotating the signing key by API, and keeps the key', async (role) => {
    const before = keyCount();
    const res = await request(t.server).post(`/api/v1/issuers/${issuerId}/keys/rotate`).set('Authorization', `Bearer ${tokens[role]}`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(keyCount()).toBe(before);
  });

  it('refuses an editor in the services too, whatever the route guards do', async () => {
    const { issuers, credentials } = t.kiln.services;
    const refused = async (action: () => unknown) => {
      const error = await Promise.resolve().then(action).then(() => null, (err: unknown) => err);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(403);
    };
    const before = { roles: roles(), keys: keyCount() };
    await refused(() => issuers.addMember(issuerId, ids.editor, { email: 'newcomer@example.org', role: 'editor' }));
    await refused(() => issuers.changeRole(issuerId, ids.editor, ids.editor, { role: 'owner' }));
    await refused(() => issuers.removeMember(issuerId, ids.editor, ids.owner));
    await refused(() => credentials.rotateKey(issuerId, ids.editor));
    expect({ roles: roles(), keys: keyCount() }).toEqual(before);
  });

  it('lets the owner do all of it', async () => {
    const before = keyCount();
    const rotated = await request(t.server).post(`/api/v1/issuers/${issuerId}/keys/rotate`).set('Authorization', `Bearer ${ownerToken}`);
    expect(rotated.status).toBe(201);
    expect(keyCount()).toBe(before + 1);
    t.kiln.services.issuers.addMember(issuerId, ids.owner, { email: 'newcomer@example.org', role: 'awarder' });
    expect(roles()['newcomer@example.org']).toBe('awarder');
  });
});
