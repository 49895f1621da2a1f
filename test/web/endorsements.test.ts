import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import request from 'supertest';
import { createDocumentLoader } from '../../src/openbadges/ob3/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, dataUri, givenBadge, pngImage, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

/** A badge that meets every automatic check. */
const goodBadge = {
  imageCaption: 'A red square',
  expiresAfterDays: 365,
  criteria: { narrative: 'Plan, record and edit a two-minute story. Share the finished story as evidence with your group leader.' },
};

const STANDARD = {
  name: 'City Digital Badge Standard v1',
  rules: [
    { type: 'automatic', check: 'criteriaNarrative', minWords: 10 },
    { type: 'automatic', check: 'evidence' },
    { type: 'automatic', check: 'alignment' },
    { type: 'automatic', check: 'altText' },
    { type: 'automatic', check: 'issuerContact' },
    { type: 'automatic', check: 'validity' },
    { type: 'judgement', guidance: 'The criteria can be assessed fairly by someone who did not write them.' },
  ],
};

describe('quality standards, review and hosted endorsements', () => {
  let t: TestKiln;
  let admin: { agent: Agent; email: string };
  let adminToken: string;
  let facilitator: { agent: Agent; email: string };
  let facToken: string;
  let council: { id: string };
  let standardId: string;
  const api = () => request(t.server);
  const as = (token: string) => ({
    post: (path: string, body: unknown) => api().post(path).set('Authorization', `Bearer ${token}`).send(body as object),
    get: (path: string) => api().get(path).set('Authorization', `Bearer ${token}`),
  });

  beforeAll(async () => {
    t = await startKiln();
    admin = await signedUpAgent(t); // the first account: site admin
    adminToken = await apiToken(t, admin.email);
    facilitator = await signedUpAgent(t);
    facToken = await apiToken(t, facilitator.email);
    const created = await as(adminToken).post('/api/v1/issuers', {
      name: 'Leicester City Council',
      url: 'https://council.example.org',
      email: 'badges@council.example.org',
      image: dataUri(await pngImage(64, 64, '#1d4ed8')),
    });
    council = created.body;
    expect((await as(adminToken).post('/api/v1/endorsers', { issuerId: council.id })).status).toBe(201);
    const standard = await as(adminToken).post('/api/v1/standards', STANDARD);
    expect(standard.status).toBe(201);
    standardId = standard.body.id;
  });
  afterAll(() => t.close());

  it('lets only a site admin define a standard, and names a bad check in details', async () => {
    const refused = await as(facToken).post('/api/v1/standards', STANDARD);
    expect(refused.status).toBe(403);
    const bad = await as(adminToken).post('/api/v1/standards', { name: 'Bad', rules: [{ type: 'automatic', check: 'sparkle' }] });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details['rules.0.check']).toContain('altText');
  });

  it('refuses to submit a badge that fails an automatic check, naming the failing checks', async () => {
    const { badge } = await givenBadge(t, facToken); // no alt text, no validity, no "evidence"
    const res = await as(facToken).post(`/api/v1/badges/${badge.id}/submissions`, { standardId, endorserIssuerId: council.id });
    expect(res.status).toBe(422);
    expect(res.body.error.details.standardId).toMatch(/Image alt text.*Validity period|Evidence/);
    expect(tableCount(t.db, 'endorsement_submissions')).toBe(0);
  });

  it('publishes a hosted Endorsement that meets the §5.2 Endorsement rules and is listed by the BadgeClass; withdrawn, it answers 410', async () => {
    const { badge } = await givenBadge(t, facToken, goodBadge);
    const before = await api().get(`/badges/${badge.id}`);
    expect(before.body).not.toHaveProperty('endorsement');

    const submitted = await as(facToken).post(`/api/v1/badges/${badge.id}/submissions`, { standardId, endorserIssuerId: council.id, message: 'Ready.' });
    expect(submitted.status).toBe(201);
    expect(submitted.body.status).toBe('pending');
    expect(submitted.body.checks.filter((c: { passed: boolean | null }) => c.passed === false)).toEqual([]);

    const approved = await as(adminToken).post(`/api/v1/submissions/${submitted.body.id}/approve`, { comment: 'Meets the City Digital Badge Standard v1.' });
    expect(approved.status).toBe(201);
    const url = approved.body.openBadgeId as string;
    expect(url).toBe(`${t.baseUrl}/endorsements/${approved.body.id}`);

    const hosted = await api().get(new URL(url).pathname);
    expect(hosted.status).toBe(200);
    expect(hosted.headers['content-type']).toContain('application/ld+json');
    expect(hosted.headers.vary).toContain('Accept');
    expect(hosted.headers['access-control-allow-origin']).toBe('*');
    const doc = hosted.body;
    // openbadges-spec.md §1.8 and §5.2: id, type, claim {id, endorsementComment}, issuer (Profile id), issuedOn, verification.
    expect(doc['@context']).toBe('https://w3id.org/openbadges/v2');
    expect(doc.id).toBe(url);
    expect(doc.type).toBe('Endorsement');
    expect(doc.claim).toEqual({ id: `${t.baseUrl}/badges/${badge.id}`, endorsementComment: 'Meets the City Digital Badge Standard v1.' });
    expect(doc.issuer).toBe(`${t.baseUrl}/issuers/${council.id}`);
    expect(doc.issuedOn).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(doc.issuedOn)).toBeLessThanOrEqual(Date.now());
    expect(doc.verification).toEqual({ type: 'HostedBadge' });
    // The issuer id is a hosted Profile, and the endorsement lives on the endorser's origin (hosted verification).
    const profile = await api().get(`/issuers/${council.id}`);
    expect(profile.body).toMatchObject({ type: 'Issuer', id: doc.issuer, name: 'Leicester City Council' });
    expect(new URL(doc.id).host).toBe(new URL(doc.issuer).host);
    expect((await api().get(new URL(url).pathname).set('Accept', 'application/json')).headers['content-type']).toContain('application/json');

    const listed = await api().get(`/badges/${badge.id}`);
    expect(listed.body.endorsement).toEqual([url]);

    const page = await api().get(`/badges/${badge.id}`).set('Accept', 'text/html');
    expect(page.text).toContain('Endorsed by');
    expect(page.text).toContain('Leicester City Council');
    expect(page.text).toContain(`/issuers/${council.id}/image`);
    expect(page.text).toContain('Meets the City Digital Badge Standard v1.');

    // Only the endorser's members may withdraw it.
    expect((await as(facToken).post(`/api/v1/endorsements/${approved.body.id}/withdraw`, { reason: 'x' })).status).toBe(404);
    const withdrawn = await as(adminToken).post(`/api/v1/endorsements/${approved.body.id}/withdraw`, { reason: 'Criteria changed after review.' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.withdrawn).toBe(true);
    const gone = await api().get(new URL(url).pathname);
    expect(gone.status).toBe(410);
    expect(gone.body).toEqual({ '@context': 'https://w3id.org/openbadges/v2', id: url, revoked: true, revocationReason: 'Criteria changed after review.' });
    expect((await api().get(`/badges/${badge.id}`)).body).not.toHaveProperty('endorsement');
    expect((await api().get(`/badges/${badge.id}`).set('Accept', 'text/html')).text).not.toContain('Endorsed by');
    expect((await as(adminToken).post(`/api/v1/endorsements/${approved.body.id}/withdraw`, { reason: 'again' })).status).toBe(409);
  });

  it('also publishes the endorsement as an OB 3.0 EndorsementCredential signed by the endorser, 410 once withdrawn', async () => {
    const { badge } = await givenBadge(t, facToken, goodBadge);
    const sub = await as(facToken).post(`/api/v1/badges/${badge.id}/submissions`, { standardId, endorserIssuerId: council.id });
    const approved = await as(adminToken).post(`/api/v1/submissions/${sub.body.id}/approve`, { comment: 'Endorsed by the council.' });
    const path = `/endorsements/${approved.body.id}/ob3`;
    const first = await api().get(path);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toContain('application/vc+ld+json');
    const credential = JSON.parse(first.text);
    expect(credential).toMatchObject({
      id: `${t.baseUrl}${path}`,
      type: ['VerifiableCredential', 'EndorsementCredential'],
      issuer: { id: `${t.baseUrl}/issuers/${council.id}/ob3`, type: ['Profile'], name: 'Leicester City Council' },
      validFrom: approved.body.issuedOn,
      credentialSubject: { id: `${t.baseUrl}/badges/${badge.id}/ob3`, type: ['EndorsementSubject'], endorsementComment: 'Endorsed by the council.' },
    });
    // The signature is deterministic: the same bytes on every request.
    t.kiln.cache.clear();
    expect((await api().get(path)).text).toBe(first.text);

    // It verifies against the endorser's controller document, with the bundled contexts only.
    const profile = JSON.parse((await api().get(`/issuers/${council.id}/ob3`)).text);
    const documentLoader = createDocumentLoader(new Map([[credential.issuer.id, profile]]));
    const result = await vc.verifyCredential({ credential, suite: new DataIntegrityProof({ cryptosuite }), documentLoader, controller: profile, checkStatus: async () => ({ verified: true }) });
    expect(result.verified, String(result.error)).toBe(true);
    const tampered = { ...credential, credentialSubject: { ...credential.credentialSubject, endorsementComment: 'Endorsed without reservation.' } };
    const bad = await vc.verifyCredential({ credential: tampered, suite: new DataIntegrityProof({ cryptosuite }), documentLoader, controller: profile, checkStatus: async () => ({ verified: true }) });
    expect(bad.verified).toBe(false);

    await as(adminToken).post(`/api/v1/endorsements/${approved.body.id}/withdraw`, { reason: 'Withdrawn.' });
    const gone = await api().get(path);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ revoked: true, revocationReason: 'Withdrawn.' });
  });

  it('lets only the endorser’s members review, refuses self-approval, and logs every review action', async () => {
    const { badge } = await givenBadge(t, facToken, goodBadge);
    const outsider = await signedUpAgent(t);
    const outsiderToken = await apiToken(t, outsider.email);
    const sub = await as(facToken).post(`/api/v1/badges/${badge.id}/submissions`, { standardId, endorserIssuerId: council.id });
    expect(sub.status).toBe(201);
    const id = sub.body.id as string;

    // Neither an outsider nor the facilitator (not an endorser member) can act on it: 404, as for private objects.
    expect((await as(outsiderToken).post(`/api/v1/submissions/${id}/approve`, { comment: 'Fine.' })).status).toBe(404);
    expect((await as(facToken).post(`/api/v1/submissions/${id}/approve`, { comment: 'Fine.' })).status).toBe(404);
    expect((await as(outsiderToken).get(`/api/v1/submissions/${id}`)).status).toBe(404);

    // Even as a member of the endorser, the facilitator cannot approve their own submission.
    const adminUser = t.kiln.services.accounts.findUserByEmail(admin.email)!;
    t.kiln.services.issuers.addMember(council.id, adminUser.id, { email: facilitator.email, role: 'editor' });
    const endorsementsBefore = tableCount(t.db, 'endorsements');
    const self = await as(facToken).post(`/api/v1/submissions/${id}/approve`, { comment: 'Looks great to me.' });
    expect(self.status).toBe(403);
    expect(tableCount(t.db, 'endorsements')).toBe(endorsementsBefore);

    const returned = await as(adminToken).post(`/api/v1/submissions/${id}/return`, { notes: 'Say who assesses the story.' });
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ status: 'returned', notes: 'Say who assesses the story.' });
    expect((await as(adminToken).post(`/api/v1/submissions/${id}/approve`, { comment: 'x' })).status).toBe(409);

    const resubmitted = await as(facToken).post(`/api/v1/submissions/${id}/resubmit`, { message: 'Added the assessor.' });
    expect(resubmitted.body.status).toBe('pending');
    const approved = await as(adminToken).post(`/api/v1/submissions/${id}/approve`, { comment: 'Endorsed.' });
    expect(approved.status).toBe(201);
    await as(adminToken).post(`/api/v1/endorsements/${approved.body.id}/withdraw`, { reason: 'Test over.' });

    const log = t.db
      .prepare('SELECT l.action, u.email, l.message, l.endorsement_id FROM review_audit_log l JOIN users u ON u.id = l.actor_id WHERE l.submission_id = ? ORDER BY l.created_at, l.rowid')
      .all(id) as Array<{ action: string; email: string; message: string; endorsement_id: string | null }>;
    expect(log.map((e) => [e.action, e.email, e.message])).toEqual([
      ['submitted', facilitator.email, ''],
      ['returned', admin.email, 'Say who assesses the story.'],
      ['resubmitted', facilitator.email, 'Added the assessor.'],
      ['approved', admin.email, 'Endorsed.'],
      ['withdrawn', admin.email, 'Test over.'],
    ]);
    expect(log[3]!.endorsement_id).toBe(approved.body.id);
    // The refused attempts wrote nothing.
    expect(log.some((e) => e.email === outsider.email)).toBe(false);
  });

  it('shows the facilitator the reviewer’s notes, and re-renders a decision form with a message when the comment is missing', async () => {
    const { badge } = await givenBadge(t, facToken, goodBadge);
    const sub = await as(facToken).post(`/api/v1/badges/${badge.id}/submissions`, { standardId, endorserIssuerId: council.id });
    const id = sub.body.id as string;

    const csrf = await csrfFrom(admin.agent, `/manage/submissions/${id}`);
    const before = tableCount(t.db, 'review_audit_log');
    const empty = await admin.agent.post(`/manage/submissions/${id}/approve`).type('form').send({ _csrf: csrf, comment: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('A comment is required.');
    expect(tableCount(t.db, 'review_audit_log')).toBe(before);

    const back = await admin.agent.post(`/manage/submissions/${id}/return`).type('form').send({ _csrf: csrf, notes: 'Add <b>alignment</b> detail.' });
    expect(back.status).toBe(303);
    const seen = await facilitator.agent.get(`/manage/submissions/${id}`).set('Accept', 'text/html');
    expect(seen.status).toBe(200);
    expect(seen.text).toContain("Reviewer's notes");
    expect(seen.text).toContain('Add &lt;b&gt;alignment&lt;/b&gt; detail.');
    expect(seen.text).toContain(`/manage/submissions/${id}/resubmit`);
    const quality = await facilitator.agent.get(`/manage/badges/${badge.id}/quality`);
    expect(quality.text).toContain('sent back');
    expect(quality.text).toContain('City Digital Badge Standard v1');
  });

  it('withdraws an endorsement from the submission page, re-rendering it with 400 when the reason is missing', async () => {
    const { badge } = await givenBadge(t, facToken, goodBadge);
    const sub = await as(facToken).post(`/api/v1/badges/${badge.id}/submissions`, { standardId, endorserIssuerId: council.id });
    const approved = await as(adminToken).post(`/api/v1/submissions/${sub.body.id}/approve`, { comment: 'Endorsed.' });
    const page = `/manage/submissions/${sub.body.id}`;
    const csrf = await csrfFrom(admin.agent, page);
    const missing = await admin.agent.post(`/manage/endorsements/${approved.body.id}/withdraw`).type('form').send({ _csrf: csrf, reason: '' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('A reason is required.');
    expect(missing.text).toContain('Withdraw endorsement');
    expect((await api().get(`/endorsements/${approved.body.id}`)).status).toBe(200);
    const done = await admin.agent.post(`/manage/endorsements/${approved.body.id}/withdraw`).type('form').send({ _csrf: csrf, reason: 'Superseded.' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`${page}?notice=withdrawn`);
    expect((await api().get(`/endorsements/${approved.body.id}`)).status).toBe(410);
  });
});
