import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, csrfFrom, givenBadge, pngImage, signedUpAgent, startKiln, tableCount, type TestKiln } from '../helpers/app.js';

describe("certificates carry the issuer's logo and its signature line", () => {
  let t: TestKiln;
  let owner: Awaited<ReturnType<typeof signedUpAgent>>;
  let editor: Awaited<ReturnType<typeof signedUpAgent>>;
  let stranger: Awaited<ReturnType<typeof signedUpAgent>>;
  let issuerId: string;
  let assertionId: string;
  const formUrl = () => `/manage/issuers/${issuerId}/certificate`;
  const stored = async () => (await t.db.prepare('SELECT signatory_name AS name, signatory_role AS role, signature_png AS png FROM certificate_signatures').get()) as { name: string; role: string; png: string | null } | undefined;

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    const token = await apiToken(t, owner.email);
    const { issuer, badge } = await givenBadge(t, token);
    issuerId = issuer.id;
    const award = await request(t.server).post(`/api/v1/badges/${badge.id}/assertions`).set('Authorization', `Bearer ${token}`).send({ recipient: { email: 'sam@example.org', name: 'Sam Okafor' } });
    assertionId = award.body.id;
    editor = await signedUpAgent(t);
    const ownerId = (await t.kiln.services.accounts.findUserByEmail(owner.email))!.id;
    await t.kiln.services.issuers.addMember(issuerId, ownerId, { email: editor.email, role: 'editor' });
    stranger = await signedUpAgent(t);
    const logo = await owner.agent
      .post(`/manage/issuers/${issuerId}`)
      .field('_csrf', await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/edit`))
      .field('name', issuer.name)
      .field('url', issuer.url)
      .field('email', issuer.email)
      .attach('image', await pngImage(120, 120), { filename: 'logo.png', contentType: 'image/png' });
    expect(logo.status).toBe(303);
  });
  afterAll(async () => t?.close());

  it('prints no signature line until an owner sets one', async () => {
    const page = await owner.agent.get(`/manage/assertions/${assertionId}/certificate`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sam Okafor');
    expect(page.text).not.toContain('certificate-signature');
    expect((await owner.agent.get(`/manage/issuers/${issuerId}`)).text).toContain(`href="${formUrl()}"`);
  });

  it('keeps what was typed when the name is missing or the image is not one, and stores nothing', async () => {
    const missingName = await owner.agent
      .post(formUrl())
      .field('_csrf', await csrfFrom(owner.agent, formUrl()))
      .field('signatoryName', '  ')
      .field('signatoryRole', 'Head of <Youth> Services');
    expect(missingName.status).toBe(400);
    expect(missingName.text).toContain('The name of who signs is required.');
    expect(missingName.text).toContain('value="Head of &lt;Youth&gt; Services"');

    const badImage = await owner.agent
      .post(formUrl())
      .field('_csrf', await csrfFrom(owner.agent, formUrl()))
      .field('signatoryName', 'Priya Shah')
      .attach('image', Buffer.from('not an image at all'), { filename: 'sig.png', contentType: 'image/png' });
    expect(badImage.status).toBe(400);
    expect(badImage.text).toContain('value="Priya Shah"');
    expect(badImage.text).toMatch(/id="f-image-error"/);
    expect(await stored()).toBeUndefined();
  });

  it('is set by the owner with a name, a role and an image, and printed on every certificate of the issuer', async () => {
    const saved = await owner.agent
      .post(formUrl())
      .field('_csrf', await csrfFrom(owner.agent, formUrl()))
      .field('signatoryName', 'Priya Shah')
      .field('signatoryRole', 'Head of Youth Services')
      .attach('image', await pngImage(300, 80, '#ffffff'), { filename: 'sig.png', contentType: 'image/png' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`${formUrl()}?notice=saved`);
    const row = await stored();
    expect(row).toMatchObject({ name: 'Priya Shah', role: 'Head of Youth Services' });
    // The stored image is Kiln's own re-encoding: a PNG of the same size.
    const png = Buffer.from(row!.png!, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(300);

    const form = await owner.agent.get(saved.headers.location!);
    expect(form.text).toContain('Saved: certificates now carry this signature line.');
    expect(form.text).toContain('value="Priya Shah"');

    const certificate = await owner.agent.get(`/manage/assertions/${assertionId}/certificate`);
    expect(certificate.text).toContain('<strong>Priya Shah</strong><br>Head of Youth Services');
    expect(certificate.text).toMatch(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]+" alt="Signature of Priya Shah">/);
    expect(certificate.text).toMatch(new RegExp(`class="certificate-logo" src="[^"]*/issuers/${issuerId}/image"`));
  });

  it('keeps the image when the form sends none, and drops it when asked; the line can be removed', async () => {
    const before = (await stored())!.png;
    await owner.agent.post(formUrl()).field('_csrf', await csrfFrom(owner.agent, formUrl())).field('signatoryName', 'Priya Shah').field('signatoryRole', 'Director');
    expect(await stored()).toMatchObject({ role: 'Director', png: before });

    await owner.agent.post(formUrl()).field('_csrf', await csrfFrom(owner.agent, formUrl())).field('signatoryName', 'Priya Shah').field('removeImage', '1');
    expect((await stored())!.png).toBeNull();
    const certificate = await owner.agent.get(`/manage/assertions/${assertionId}/certificate`);
    expect(certificate.text).toContain('<strong>Priya Shah</strong>');
    expect(certificate.text).not.toContain('alt="Signature of');

    const removed = await owner.agent.post(`${formUrl()}/remove`).type('form').send({ _csrf: await csrfFrom(owner.agent, formUrl()) });
    expect(removed.status).toBe(303);
    expect(await stored()).toBeUndefined();
    expect((await owner.agent.get(`/manage/assertions/${assertionId}/certificate`)).text).not.toContain('certificate-signature');
  });

  it('is the owners\' alone: editors and other accounts are refused and change nothing', async () => {
    await owner.agent.post(formUrl()).field('_csrf', await csrfFrom(owner.agent, formUrl())).field('signatoryName', 'Priya Shah');
    const rows = tableCount(t.db, 'certificate_signatures');
    for (const { agent } of [editor, stranger]) {
      expect([403, 404]).toContain((await agent.get(formUrl())).status);
      const csrf = await csrfFrom(agent, '/account');
      expect([403, 404]).toContain((await agent.post(formUrl()).type('form').send({ _csrf: csrf, signatoryName: 'Mallory' })).status);
      expect([403, 404]).toContain((await agent.post(`${formUrl()}/remove`).type('form').send({ _csrf: csrf })).status);
    }
    expect(tableCount(t.db, 'certificate_signatures')).toBe(rows);
    expect((await stored())!.name).toBe('Priya Shah');
  });
});
