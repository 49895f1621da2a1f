import request from 'supertest';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptUploadsService } from '../../src/services/kept-uploads.js';
import { normaliseUpload } from '../../src/services/uploads.js';
import { ValidationError } from '../../src/errors.js';
import type { ServiceContext } from '../../src/services/context.js';
import { apiToken, binary, csrfFrom, givenBadge, pngImage, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

// Issue 19 "Forms": required fields say so to the browser, websites without a scheme, kept uploads, one error
// summary, and a notice after every edit.
const mainOf = (html: string) => html.slice(html.indexOf('<main'), html.indexOf('</main>'));
const occurrences = (html: string, text: string) => mainOf(html).split(text).length - 1;
const inputTag = (html: string, name: string) => new RegExp(`<(?:input|textarea)[^>]*name="${name.replace(/[[\]]/g, '\\$&')}"[^>]*>`).exec(html)?.[0] ?? '';

describe('forms', () => {
  let t: TestKiln;
  let owner: { agent: Agent; email: string };
  let token: string;
  let issuer: { id: string };
  let badge: { id: string };

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    ({ issuer, badge } = await givenBadge(t, token));
  });
  afterAll(() => t.close());

  it('answers a text field too long for a form with an HTML page saying so, saving nothing', async () => {
    const before = tableCount(t.db, 'badge_classes');
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuer.id}/badges/new`);
    const res = await owner.agent
      .post(`/manage/issuers/${issuer.id}/badges`)
      .set('Accept', 'text/html')
      .field('_csrf', csrf)
      .field('name', 'Long')
      .field('description', 'x'.repeat(200_000));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toContain('A field of the form is too long');
    expect(res.text).not.toMatch(/at \S+\.(?:ts|js):\d+/);
    expect(tableCount(t.db, 'badge_classes')).toBe(before);
  });

  it('marks every field labelled "(required)" with the required attribute', async () => {
    const pages = ['/manage/issuers/new', `/manage/issuers/${issuer.id}/badges/new`, '/account', `/manage/issuers/${issuer.id}`, `/manage/badges/${badge.id}/award`, `/manage/badges/${badge.id}/award/bulk`];
    let checked = 0;
    for (const page of pages) {
      const html = (await owner.agent.get(page)).text;
      for (const [, id] of html.matchAll(/<label for="([^"]+)">[^<]*<span class="required">\(required\)<\/span><\/label>/g)) {
        const tag = new RegExp(`<(?:input|textarea|select)[^>]*id="${id}"[^>]*>`).exec(html)?.[0] ?? '';
        expect(tag, `${page} #${id}`).toMatch(/\srequired[\s>]/);
        checked++;
      }
    }
    const anonymous = request.agent(t.server);
    for (const page of ['/signup', '/login']) {
      const html = (await anonymous.get(page)).text;
      expect(inputTag(html, 'email'), page).toMatch(/\srequired[\s>]/);
      checked++;
    }
    expect(inputTag((await owner.agent.get('/account')).text, 'currentPassword')).toMatch(/\srequired[\s>]/);
    expect(inputTag((await owner.agent.get(`/manage/issuers/${issuer.id}/badges/new`)).text, 'image')).toMatch(/\srequired[\s>]/);
    expect(checked).toBeGreaterThan(10);
  });

  it('takes a website typed without https:// as https://, in the form and the API', async () => {
    let csrf = await csrfFrom(owner.agent, '/manage/issuers/new');
    const created = await owner.agent
      .post('/manage/issuers')
      .field('_csrf', csrf)
      .field('name', 'Scheme Club')
      .field('url', 'scheme-club.example.org/about')
      .field('email', 'hi@scheme-club.example.org');
    expect(created.status).toBe(303);
    const id = /\/manage\/issuers\/([^?]+)/.exec(created.headers.location!)![1]!;
    expect(t.kiln.services.issuers.findPublic(id)!.url).toBe('https://scheme-club.example.org/about');

    const auth = { Authorization: `Bearer ${token}` };
    const api = await request(t.server).post('/api/v1/issuers').set(auth).send({ name: 'API Club', url: 'www.api-club.example.org', email: 'a@api-club.example.org' });
    expect(api.status).toBe(201);
    expect(api.body.url).toBe('https://www.api-club.example.org');
    const patched = await request(t.server).patch(`/api/v1/issuers/${api.body.id}`).set(auth).send({ url: 'api-club.example.org' });
    expect(patched.status).toBe(200);
    expect(patched.body.url).toBe('https://api-club.example.org');
    // Evidence and criteria addresses too.
    const award = await request(t.server)
      .post(`/api/v1/badges/${badge.id}/assertions`)
      .set(auth)
      .send({ recipient: { email: 'ev@example.org' }, evidence: [{ url: 'portfolio.example.org/ev' }] });
    expect(award.status).toBe(201);
    expect(JSON.stringify(award.body)).toContain('https://portfolio.example.org/ev');

    csrf = await csrfFrom(owner.agent, '/manage/issuers/new');
    const refused = await owner.agent.post('/manage/issuers').field('_csrf', csrf).field('name', 'No').field('url', 'javascript:alert(1)').field('email', 'no@example.org');
    expect(refused.status).toBe(400);
  });

  it('shows each error message once, beside its field, under one summary that links to the first', async () => {
    const before = tableCount(t.db, 'issuers');
    const csrf = await csrfFrom(owner.agent, '/manage/issuers/new');
    const res = await owner.agent.post('/manage/issuers').field('_csrf', csrf).field('name', '').field('url', 'not a site').field('email', 'nope');
    expect(res.status).toBe(400);
    expect(mainOf(res.text).match(/role="alert"/g)).toHaveLength(1);
    expect(res.text).toContain('<a href="#f-name">Check the 3 marked fields below</a>');
    expect(occurrences(res.text, 'Name is required.')).toBe(1);
    expect(occurrences(res.text, 'Contact email must be an email address')).toBe(1);
    expect(tableCount(t.db, 'issuers')).toBe(before);
  });

  it('links the summary to an alignment row’s field by the id the field really has', async () => {
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuer.id}/badges/new`);
    const res = await owner.agent
      .post(`/manage/issuers/${issuer.id}/badges`)
      .field('_csrf', csrf)
      .field('name', 'Aligned')
      .field('description', 'd')
      .field('criteriaNarrative', 'c')
      .field('alignments[0][targetName]', 'Framework')
      .field('alignments[0][targetUrl]', 'not a url')
      .attach('image', await pngImage(), { filename: 'a.png', contentType: 'image/png' });
    expect(res.status).toBe(400);
    const href = /<div class="alert alert-error"[\s\S]*?<a href="#([^"]+)"/.exec(res.text)![1]!;
    expect(res.text).toContain(`id="${href}"`);
  });

  describe('an image uploaded with a form that comes back with errors', () => {
    const keptIdOf = (html: string) => /name="keptImage" value="([^"]+)"/.exec(html)?.[1] ?? null;

    it('is kept for the retry, shown only to its own session, used, and then forgotten (issuer logo)', async () => {
      const logo = await pngImage(80, 80, '#2266aa');
      let csrf = await csrfFrom(owner.agent, '/manage/issuers/new');
      const first = await owner.agent
        .post('/manage/issuers')
        .field('_csrf', csrf)
        .field('name', '')
        .field('url', 'kept.example.org')
        .field('email', 'k@kept.example.org')
        .attach('image', logo, { filename: 'logo.png', contentType: 'image/png' });
      expect(first.status).toBe(400);
      const keptId = keptIdOf(first.text);
      expect(keptId).toBeTruthy();
      expect(first.text).toContain(`src="/manage/kept-uploads/${keptId}/image.png"`);
      expect(first.text).toContain('Choose another file to replace it.');

      const preview = await owner.agent.get(`/manage/kept-uploads/${keptId}/image.png`).buffer(true).parse(binary);
      expect(preview.status).toBe(200);
      expect(preview.headers['content-type']).toBe('image/png');
      expect((await sharp(preview.body as Buffer).metadata()).format).toBe('png');
      // Another signed-in person cannot see it, nor use it.
      const other = await signedUpAgent(t);
      expect((await other.agent.get(`/manage/kept-uploads/${keptId}/image.png`)).status).toBe(404);
      const otherCsrf = await csrfFrom(other.agent, '/manage/issuers/new');
      const stolen = await other.agent.post('/manage/issuers').field('_csrf', otherCsrf).field('name', 'Thief').field('url', 'thief.example.org').field('email', 't@thief.example.org').field('keptImage', keptId!);
      expect(stolen.status).toBe(303);
      const thiefId = /\/manage\/issuers\/([^?]+)/.exec(stolen.headers.location!)![1]!;
      expect(t.kiln.services.issuers.findPublic(thiefId)!.hasImage).toBe(false);

      csrf = await csrfFrom(owner.agent, '/manage/issuers/new');
      const retry = await owner.agent
        .post('/manage/issuers')
        .field('_csrf', csrf)
        .field('name', 'Kept Club')
        .field('url', 'kept.example.org')
        .field('email', 'k@kept.example.org')
        .field('keptImage', keptId!);
      expect(retry.status).toBe(303);
      const id = /\/manage\/issuers\/([^?]+)/.exec(retry.headers.location!)![1]!;
      expect(t.kiln.services.issuers.findPublic(id)!.hasImage).toBe(true);
      expect((await owner.agent.get(`/manage/kept-uploads/${keptId}/image.png`)).status).toBe(404);
    });

    it('is kept across two failed tries of the badge form and becomes the badge image; a new file replaces it', async () => {
      const red = await pngImage(64, 64, '#cc0000');
      const blue = await pngImage(64, 64, '#0000cc');
      const action = `/manage/issuers/${issuer.id}/badges`;
      let csrf = await csrfFrom(owner.agent, `${action}/new`);
      let res = await owner.agent.post(action).field('_csrf', csrf).field('name', '').field('description', '').attach('image', red, { filename: 'r.png', contentType: 'image/png' });
      expect(res.status).toBe(400);
      // The image was fine: no image error, only the others.
      expect(res.text).not.toContain('id="f-image-error"');
      const redId = keptIdOf(res.text)!;
      res = await owner.agent.post(action).field('_csrf', csrf).field('name', 'Kept badge').field('description', '').field('keptImage', redId);
      expect(res.status).toBe(400);
      expect(keptIdOf(res.text)).toBe(redId);
      // Replaced by a new file at the last try.
      res = await owner.agent
        .post(action)
        .field('_csrf', csrf)
        .field('name', 'Kept badge')
        .field('description', 'Kept across tries.')
        .field('criteriaNarrative', 'Try twice.')
        .field('keptImage', redId)
        .attach('image', blue, { filename: 'b.png', contentType: 'image/png' });
      expect(res.status).toBe(303);
      const badgeId = /\/manage\/badges\/([^?]+)/.exec(res.headers.location!)![1]!;
      const png = t.kiln.services.badgeClasses.images(badgeId)!.png;
      const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect([data[0], data[1], data[2]]).toEqual([0, 0, 204]);
    });

    it('is not kept when it is not a readable image: the form says so beside the field', async () => {
      const csrf = await csrfFrom(owner.agent, '/manage/issuers/new');
      const res = await owner.agent
        .post('/manage/issuers')
        .field('_csrf', csrf)
        .field('name', 'Bad logo')
        .field('url', 'bad.example.org')
        .field('email', 'b@bad.example.org')
        .attach('image', Buffer.from('not an image at all'), { filename: 'x.png', contentType: 'image/png' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('id="f-image-error"');
      expect(keptIdOf(res.text)).toBeNull();
    });
  });

  it('says "Saved" after editing an issuer, a badge, a member’s role and the password', async () => {
    let csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuer.id}/edit`);
    let res = await owner.agent.post(`/manage/issuers/${issuer.id}`).field('_csrf', csrf).field('name', 'Riverside Youth Club').field('url', 'riverside.example.org').field('email', 'badges@riverside.example.org');
    expect(res.status).toBe(303);
    expect((await owner.agent.get(res.headers.location!)).text).toContain('Saved: the issuer profile is updated.');

    csrf = await csrfFrom(owner.agent, `/manage/badges/${badge.id}/edit`);
    res = await owner.agent.post(`/manage/badges/${badge.id}`).field('_csrf', csrf).field('name', 'Digital Storyteller').field('description', 'Edited.').field('criteriaNarrative', 'Plan, record and edit a *two-minute* story.');
    expect(res.status).toBe(303);
    expect((await owner.agent.get(res.headers.location!)).text).toContain('Saved: the badge is updated.');

    const member = await signedUpAgent(t);
    csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuer.id}`);
    res = await owner.agent.post(`/manage/issuers/${issuer.id}/members`).type('form').send({ _csrf: csrf, email: member.email, role: 'awarder' });
    expect(res.status).toBe(303);
    expect((await owner.agent.get(res.headers.location!)).text).toContain('Saved: the member is added.');

    csrf = await csrfFrom(owner.agent, '/account');
    res = await owner.agent.post('/account/password').type('form').send({ _csrf: csrf, currentPassword: 'correct horse battery', newPassword: 'correct horse battery 2', confirmPassword: 'correct horse battery 2' });
    expect(res.status).toBe(303);
    expect((await owner.agent.get(res.headers.location!)).text).toContain('Your password has been changed.');
    csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuer.id}/sessions`);
    res = await owner.agent.post(`/manage/issuers/${issuer.id}/wall`).type('form').send({ _csrf: csrf, enabled: '1' });
    expect(res.status).toBe(303);
    expect((await owner.agent.get(res.headers.location!)).text).toContain('Saved: the issuer wall setting is changed.');

    // The owner is the first account, so a site admin: the admin pages say so too.
    csrf = await csrfFrom(owner.agent, '/admin/alignment-frameworks');
    res = await owner.agent
      .post('/admin/alignment-frameworks')
      .type('form')
      .send({ _csrf: csrf, name: 'Digital Competence', url: 'framework.example.org', csvText: 'name,url\nStorytelling,https://framework.example.org/1\n' });
    expect(res.status).toBe(303);
    expect((await owner.agent.get(res.headers.location!)).text).toContain('Saved: the framework is loaded');
    csrf = await csrfFrom(owner.agent, '/admin/standards');
    res = await owner.agent.post('/admin/endorsers').type('form').send({ _csrf: csrf, issuerId: issuer.id });
    expect(res.status).toBe(303);
    expect((await owner.agent.get(res.headers.location!)).text).toContain('Saved: the endorser is added.');

    // Unknown notices say nothing, not a function's source.
    expect(mainOf((await owner.agent.get(`/manage/issuers/${issuer.id}?notice=constructor`)).text)).not.toContain('role="status"');
  });
});

describe('the kept-upload store', () => {
  let clock = 0;
  const ctx = { now: () => new Date(clock) } as unknown as ServiceContext;

  it('keeps at most two per session, hands each only to its own session, and forgets them after 30 minutes', async () => {
    const store = keptUploadsService(ctx);
    const png = { bytes: await pngImage(), type: 'image/png' };
    const a = (await store.keep('session-a', png)) as { id: string };
    const b = (await store.keep('session-a', png)) as { id: string };
    const c = (await store.keep('session-a', png)) as { id: string };
    expect(store.take('session-a', a.id)).toBeNull();
    expect(store.take('session-a', b.id)).not.toBeNull();
    expect(store.take('session-b', c.id)).toBeNull();
    expect(store.stats().entries).toBe(2);
    clock += 30 * 60_000 + 1;
    expect(store.take('session-a', c.id)).toBeNull();
  });

  it('keeps nothing of a file that is not an image, but hands back its error so the form does not decode it twice', async () => {
    const store = keptUploadsService(ctx);
    const kept = await store.keep('session-x', { bytes: Buffer.from('<svg'), type: 'image/svg+xml' });
    expect(kept.id).toBeNull();
    expect(store.stats().entries).toBe(0);
    expect(kept.upload.normalised).toBeInstanceOf(ValidationError);
    // The carried error is what the services see: no second decode (valid bytes would otherwise be accepted here).
    const swapped = { ...kept.upload, bytes: await pngImage(), type: 'image/png' };
    await expect(normaliseUpload(swapped, 'image')).rejects.toThrow(ValidationError);
  });

  it('stays within its byte and entry bounds, dropping the oldest first', async () => {
    const bytes = await pngImage(256, 256);
    const store = keptUploadsService(ctx, { ttlMs: 60_000, perSession: 2, entries: 3, bytes: 10 * 1024 * 1024 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await store.keep(`session-${i}`, { bytes, type: 'image/png' })).id!);
    expect(store.stats().entries).toBe(3);
    expect(store.take('session-0', ids[0]!)).toBeNull();
    expect(store.take('session-5', ids[5]!)).not.toBeNull();
    const small = keptUploadsService(ctx, { ttlMs: 60_000, perSession: 2, entries: 100, bytes: bytes.length * 3 });
    for (let i = 0; i < 10; i++) await small.keep(`s-${i}`, { bytes, type: 'image/png' });
    expect(small.stats().bytes).toBeLessThanOrEqual(bytes.length * 3);
  });
});
