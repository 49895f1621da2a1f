import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashIdentity } from '../../src/openbadges/recipient.js';
import { apiToken, csrfFrom, givenBadge, signedUpAgent, startKiln, type Agent, type TestKiln } from '../helpers/app.js';

// A salt shared by the awards of one call would let anyone who learns one recipient's email test it against every
// other award of the batch, and would link the batch's awards to each other: each award needs its own.
describe('every award of one call gets its own salt', () => {
  let t: TestKiln;
  let token: string;
  let owner: Agent;
  let badge: { id: string };
  const api = () => request(t.server);

  beforeAll(async () => {
    t = await startKiln();
    const signedUp = await signedUpAgent(t);
    owner = signedUp.agent;
    token = await apiToken(t, signedUp.email);
    ({ badge } = await givenBadge(t, token));
  });
  afterAll(() => t.close());

  /** Reads the stored salts of these awards and checks each hosted document carries its own, hashed with it. */
  async function saltsOf(ids: string[], emails: string[]): Promise<string[]> {
    const salts: string[] = [];
    for (const [i, id] of ids.entries()) {
      const row = t.db.prepare('SELECT salt, recipient_email FROM assertions WHERE id = ?').get(id) as { salt: string; recipient_email: string };
      expect(row.salt).toMatch(/^[0-9a-f]{32,}$/); // at least 16 random bytes
      const doc = (await api().get(`/assertions/${id}`).set('Accept', 'application/ld+json')).body;
      expect(doc.recipient.salt).toBe(row.salt);
      expect(doc.recipient.identity).toBe(hashIdentity(emails[i]!, row.salt));
      salts.push(row.salt);
    }
    return salts;
  }

  it('in a multi-recipient API award', async () => {
    const emails = ['ana@example.org', 'ben@example.org', 'cai@example.org', 'dee@example.org'];
    const res = await api().post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipients: emails.map((email) => ({ email })) });
    expect(res.status).toBe(201);
    const ids = (res.body.items as Array<{ id: string }>).map((a) => a.id);
    expect(ids).toHaveLength(4);
    const salts = await saltsOf(ids, emails);
    expect(new Set(salts).size).toBe(4);
  });

  it('in a CSV award by API', async () => {
    const emails = Array.from({ length: 6 }, (_, i) => `csv${i}@example.org`);
    const res = await api()
      .post(`/api/v1/badges/${badge.id}/assertions/bulk`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'text/csv')
      .send(['email', ...emails].join('\n'));
    expect(res.status).toBe(201);
    const salts = await saltsOf((res.body.items as Array<{ id: string }>).map((a) => a.id), emails);
    expect(new Set(salts).size).toBe(6);
  });

  it('in a CSV award through the upload form', async () => {
    const emails = Array.from({ length: 5 }, (_, i) => `form${i}@example.org`);
    const csrf = await csrfFrom(owner, `/manage/badges/${badge.id}/award/bulk`);
    const preview = await owner
      .post(`/manage/badges/${badge.id}/award/bulk`)
      .field('_csrf', csrf)
      .attach('csv', Buffer.from(['email', ...emails].join('\n')), { filename: 'learners.csv', contentType: 'text/csv' });
    expect(preview.status, preview.text.slice(0, 300)).toBe(200);
    const action = /action="(\/manage\/badges\/[^"]+\/award\/bulk\/[^"]+)"/.exec(preview.text)![1]!;
    const confirmCsrf = /name="_csrf" value="([^"]+)"/.exec(preview.text)![1]!;
    const confirmed = await owner.post(action).type('form').send({ _csrf: confirmCsrf });
    expect(confirmed.status).toBe(303);
    const ids = emails.map((email) => t.db.prepare('SELECT id FROM assertions WHERE recipient_email = ?').pluck().get(email) as string);
    const salts = await saltsOf(ids, emails);
    expect(new Set(salts).size).toBe(5);
  });
});
