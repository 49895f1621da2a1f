import request from 'supertest';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractPng } from '../../src/openbadges/png.js';
import { extractSvg } from '../../src/openbadges/svg.js';
import { apiToken, binary, csrfFrom, dataUri, pngImage, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

const EXAMPLE = { shape: 'circle', background: '#1d4ed8', border: '#facc15', title: 'Team Player', subtitle: '2026', icon: 'star', ribbon: 'Leicester' };

const bytesOf = (res: request.Test) => res.buffer(true).parse(binary);

function expectSelfContainedSvg(svg: string) {
  expect(svg).not.toMatch(/<text[\s>/]|<script|<foreignObject|\son\w+=/i);
  for (const m of svg.matchAll(/(?:href|url\()\s*=?\s*"?([^")\s]*)/g)) expect(m[1]!.startsWith('#') || m[1]!.startsWith('data:image/png')).toBe(true);
}

describe('badge designer: render API, saved designs and templates', () => {
  let t: TestKiln;
  let token: string;
  let owner: { agent: Agent; email: string };
  let issuerId: string;
  const api = () => request(t.server);
  const auth = (r: request.Test, tok = token) => r.set('Authorization', `Bearer ${tok}`);

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    token = await apiToken(t, owner.email);
    const issuer = await auth(api().post('/api/v1/issuers')).send({ name: 'Riverside Youth Club', url: 'https://riverside.example.org', email: 'badges@riverside.example.org' });
    issuerId = issuer.body.id;
  });
  afterAll(() => t.close());

  it('renders the documented example as a 512 × 512 PNG, and as SVG with ?format=svg', async () => {
    const png = await bytesOf(auth(api().post('/api/v1/designs/render')).send(EXAMPLE));
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const meta = await sharp(png.body as Buffer).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 512, 512]);
    const svg = await auth(api().post('/api/v1/designs/render?format=svg')).send(EXAMPLE);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    const text = svg.text || (svg.body as Buffer).toString();
    expect(text).toMatch(/^<svg /);
    expectSelfContainedSvg(text);
    expect((await auth(api().post('/api/v1/designs/render?format=gif')).send(EXAMPLE)).status).toBe(400);
  });

  it('refuses invalid designs with a message per field', async () => {
    const res = await auth(api().post('/api/v1/designs/render')).send({ shape: 'blob', background: 'blue', border: '#facc15', title: 'x'.repeat(500), icon: 'no-such-icon' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(Object.keys(res.body.error.details).sort()).toEqual(['background', 'icon', 'shape', 'title']);
    expect(res.body.error.details.title).toMatch(/at most 40 characters/);
    const missing = await auth(api().post('/api/v1/designs/render')).send({ shape: 'circle' });
    expect(Object.keys(missing.body.error.details).sort()).toEqual(['background', 'border', 'title']);
  });

  it('refuses a huge picture, a vector picture, and a title the bundled font cannot draw, with field messages', async () => {
    const huge = await sharp({ create: { width: 1400, height: 1400, channels: 3, background: '#888' } }).png({ compressionLevel: 0 }).toBuffer();
    expect(huge.length).toBeGreaterThan(2 * 1024 * 1024);
    const res = await auth(api().post('/api/v1/designs/render')).send({ ...EXAMPLE, icon: undefined, picture: dataUri(huge) });
    expect(res.status).toBe(422);
    expect(res.body.error.details.picture).toMatch(/too large: at most 2 MB and 4096 × 4096 pixels/);
    const vector = await auth(api().post('/api/v1/designs/render')).send({ ...EXAMPLE, icon: undefined, picture: dataUri(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'), 'image/svg+xml') });
    expect(vector.status).toBe(422);
    expect(vector.body.error.details.picture).toBe('The picture must be a PNG, JPEG or WebP image.');
    const emoji = await auth(api().post('/api/v1/designs/render')).send({ ...EXAMPLE, title: 'Party 🎉' });
    expect(emoji.status).toBe(422);
    expect(emoji.body.error.details.title).toContain('🎉');
  });

  it('re-encodes a picture into the centre as an inline PNG', async () => {
    const res = await auth(api().post('/api/v1/designs/render?format=svg')).send({ ...EXAMPLE, icon: undefined, picture: dataUri(await pngImage(300, 200, '#22aa55')) });
    expect(res.status).toBe(200);
    const svg = res.text || (res.body as Buffer).toString();
    expectSelfContainedSvg(svg);
    expect(svg).toMatch(/<image [^>]*href="data:image\/png;base64,/);
  });

  it('makes a badge class from a design that bakes as PNG and SVG exactly like an uploaded image', async () => {
    const badge = await auth(api().post(`/api/v1/issuers/${issuerId}/badges`)).send({
      name: 'Team Player',
      description: 'Works well with others.',
      criteria: { narrative: 'Took part in three team projects.' },
      design: EXAMPLE,
    });
    expect(badge.status, JSON.stringify(badge.body)).toBe(201);
    expect(badge.body.imageSvg).toBe(`${badge.body.openBadgeId}/image.svg`);
    expect(badge.body.imageCaption).toMatch(/^Blue circle badge .*"Team Player"/);
    const hostedSvg = await api().get(new URL(badge.body.imageSvg).pathname);
    expectSelfContainedSvg(hostedSvg.text || (hostedSvg.body as Buffer).toString());
    const image = await bytesOf(api().get(new URL(badge.body.image).pathname));
    expect((await sharp(image.body as Buffer).metadata()).width).toBe(512);

    const award = await auth(api().post(`/api/v1/badges/${badge.body.id}/assertions`)).send({ recipient: { email: 'learner@example.org' } });
    expect(award.status).toBe(201);
    const hosted = JSON.parse((await api().get(new URL(award.body.openBadgeId).pathname)).text);
    const png = await bytesOf(api().get(new URL(award.body.bakedPngUrl).pathname));
    expect(png.status).toBe(200);
    expect(JSON.parse(extractPng(png.body as Buffer)!)).toEqual(hosted);
    expect(award.body.bakedSvgUrl).toBe(`${award.body.openBadgeId}/baked.svg`);
    const svg = await api().get(new URL(award.body.bakedSvgUrl).pathname);
    const baked = svg.text || (svg.body as Buffer).toString();
    expect(extractSvg(baked)!.verify).toBe(award.body.openBadgeId);
    expect(JSON.parse(extractSvg(baked)!.json!)).toEqual(hosted);
    expect(baked).not.toMatch(/<text[\s>]/);
  });

  it('refuses a badge class whose design is invalid, naming design.<field>, and stores nothing', async () => {
    const before = tableCount(t.db, 'badge_classes');
    const res = await auth(api().post(`/api/v1/issuers/${issuerId}/badges`)).send({
      name: 'Broken',
      description: 'x',
      criteria: { narrative: 'x' },
      design: { ...EXAMPLE, shape: 'blob', border: 'nope' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toMatchObject({ 'design.shape': expect.any(String), 'design.border': expect.any(String) });
    const both = await auth(api().post(`/api/v1/issuers/${issuerId}/badges`)).send({ name: 'B', description: 'x', criteria: { narrative: 'x' }, design: EXAMPLE, image: dataUri(await pngImage()) });
    expect(both.status).toBe(422);
    expect(tableCount(t.db, 'badge_classes')).toBe(before);
  });

  it('saves, lists, updates and publishes designs; others see templates but not private designs; copies record their template', async () => {
    const created = await auth(api().post(`/api/v1/issuers/${issuerId}/designs`)).send({ name: 'Team badge', design: EXAMPLE });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/api/v1/designs/${created.body.id}`);
    expect(created.body).toMatchObject({ issuerId, name: 'Team badge', design: EXAMPLE, template: false, templateId: null });
    expect(created.body.altText).toMatch(/^Blue circle badge/);
    const list = await auth(api().get(`/api/v1/issuers/${issuerId}/designs`));
    expect(list.body.items.map((d: { id: string }) => d.id)).toContain(created.body.id);

    const bad = await auth(api().patch(`/api/v1/designs/${created.body.id}`)).send({ design: { ...EXAMPLE, background: 'red' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toHaveProperty(['design.background']);

    const other = await signedUpAgent(t);
    const otherToken = await apiToken(t, other.email);
    expect((await auth(api().get(`/api/v1/designs/${created.body.id}`), otherToken)).status).toBe(404);
    expect((await auth(api().patch(`/api/v1/designs/${created.body.id}`), otherToken).send({ template: true })).status).toBe(404);
    expect((await auth(api().get(`/api/v1/issuers/${issuerId}/designs`), otherToken)).status).toBe(404);

    const published = await auth(api().patch(`/api/v1/designs/${created.body.id}`)).send({ template: true, altText: 'A blue team badge' });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ template: true, altText: 'A blue team badge', name: 'Team badge' });
    expect((await auth(api().get(`/api/v1/designs/${created.body.id}`), otherToken)).status).toBe(200);
    const templates = await auth(api().get('/api/v1/designs/templates'), otherToken);
    expect(templates.body.items.map((d: { id: string }) => d.id)).toContain(created.body.id);

    const otherIssuer = await auth(api().post('/api/v1/issuers'), otherToken).send({ name: 'Hillside', url: 'https://hillside.example.org', email: 'hi@hillside.example.org' });
    const copy = await auth(api().post(`/api/v1/issuers/${otherIssuer.body.id}/designs`), otherToken).send({ templateId: created.body.id, design: { ...EXAMPLE, ribbon: 'Hillside' } });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ templateId: created.body.id, issuerId: otherIssuer.body.id, template: false });
  });
});

describe('badge designer pages and the Badge Canvas planner', () => {
  let t: TestKiln;
  let owner: { agent: Agent; email: string };
  let issuerId: string;

  beforeAll(async () => {
    t = await startKiln();
    owner = await signedUpAgent(t);
    const token = await apiToken(t, owner.email);
    const issuer = await request(t.server)
      .post('/api/v1/issuers')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'Riverside Youth Club', url: 'https://riverside.example.org', email: 'badges@riverside.example.org' });
    issuerId = issuer.body.id;
  });
  afterAll(() => t.close());

  const designerForm = (csrf: string, overrides: Record<string, string> = {}) => ({
    _csrf: csrf,
    shape: 'hexagon',
    palette: '',
    background: '#166534',
    border: '#bbf7d0',
    textColor: '',
    title: 'Green Fingers',
    subtitle: 'Allotment club',
    icon: 'leaf',
    ribbon: '',
    ribbonColor: '',
    altText: '',
    name: '',
    issuerId,
    ...overrides,
  });

  it('previews without JavaScript: the designer comes back with the SVG as an image and the suggested alt text', async () => {
    const csrf = await csrfFrom(owner.agent, '/designer');
    const res = await owner.agent.post('/designer/preview').type('form').send(designerForm(csrf));
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<img id="designer-preview" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="Dark green hexagon badge/);
    expect(res.text).toContain('Text contrast and size look good.');
    expect(res.text).not.toMatch(/<script>/);
  });

  it('answers the live preview with JSON: the SVG, warnings (contrast under 4.5:1) and alt text', async () => {
    const csrf = await csrfFrom(owner.agent, '/designer');
    const res = await owner.agent.post('/designer/preview').set('Accept', 'application/json').type('form').send(designerForm(csrf, { textColor: '#2f7a4a' }));
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.svg).toMatch(/^<svg /);
    expect(res.body.warnings.map((w: { field: string }) => w.field)).toEqual(['textColor']);
    const bad = await owner.agent.post('/designer/preview').set('Accept', 'application/json').type('form').send(designerForm(csrf, { title: '', background: 'green' }));
    expect(bad.body).toEqual({ ok: false, errors: { background: expect.stringMatching(/colour/), title: 'Title is required.' } });
  });

  it('re-renders the designer with 400, the typed values and a message per field, saving nothing', async () => {
    const before = tableCount(t.db, 'designs');
    const csrf = await csrfFrom(owner.agent, '/designer');
    const res = await owner.agent.post('/designer').type('form').send(designerForm(csrf, { shape: 'blob', title: 'x'.repeat(500), issuerId: '' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('Choose the issuer this design belongs to.');
    const again = await owner.agent.post('/designer').type('form').send(designerForm(csrf, { shape: 'blob', title: 'x'.repeat(500) }));
    expect(again.status).toBe(400);
    expect(again.text).toContain('Shape must be one of');
    expect(again.text).toContain('Title: at most 40 characters');
    expect(again.text).toContain(`value="${'x'.repeat(500)}"`);
    expect(tableCount(t.db, 'designs')).toBe(before);
  });

  it('refuses a huge picture upload on the form with a message beside the picture field', async () => {
    const csrf = await csrfFrom(owner.agent, '/designer');
    // Over the picture's 2 MB, under the 5 MB any upload may be (beyond that the upload itself is refused with 413).
    const huge = await sharp({ create: { width: 1000, height: 1000, channels: 3, background: '#888' } }).png({ compressionLevel: 0 }).toBuffer();
    expect(huge.length).toBeGreaterThan(2 * 1024 * 1024);
    const req = owner.agent.post('/designer');
    for (const [k, v] of Object.entries(designerForm(csrf, { icon: '' }))) req.field(k, v);
    const res = await req.attach('image', huge, { filename: 'huge.png', contentType: 'image/png' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="f-image-error">The picture is too large: at most 2 MB and 4096 × 4096 pixels\./);
  });

  it('saves a design, uses it for a new badge whose image is the design, duplicates and publishes it', async () => {
    const csrf = await csrfFrom(owner.agent, '/designer');
    const saved = await owner.agent.post('/designer').type('form').send(designerForm(csrf));
    expect(saved.status).toBe(303);
    const designId = /\/manage\/designs\/([\w-]+)$/.exec(saved.headers.location!)![1]!;
    const page = await owner.agent.get(`/manage/designs/${designId}`);
    expect(page.text).toContain(`/manage/issuers/${issuerId}/badges/new?design=${designId}`);
    const png = await bytesOf(owner.agent.get(`/manage/designs/${designId}/image.png`));
    expect((await sharp(png.body as Buffer).metadata()).width).toBe(512);

    const form = await owner.agent.get(`/manage/issuers/${issuerId}/badges/new?design=${designId}`);
    expect(form.text).toContain(`name="designId" value="${designId}"`);
    expect(form.text).toMatch(/value="Dark green hexagon badge/);
    const badgeCsrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const created = await owner.agent
      .post(`/manage/issuers/${issuerId}/badges`)
      .type('form')
      .send({ _csrf: badgeCsrf, designId, name: 'Green Fingers', description: 'Grew something.', criteriaNarrative: 'Grow a vegetable.', imageCaption: 'A green hexagon' });
    expect(created.status, created.text.slice(0, 500)).toBe(303);
    const badgeId = /\/manage\/badges\/([\w-]+)$/.exec(created.headers.location!)![1]!;
    const images = t.kiln.services.badgeClasses.images(badgeId)!;
    expect(images.svg).toMatch(/^<svg /);
    expect(images.svg).not.toMatch(/<text[\s>]/);

    const dup = await owner.agent.post(`/manage/designs/${designId}/duplicate`).type('form').send({ _csrf: csrf });
    expect(dup.status).toBe(303);
    expect(tableCount(t.db, 'designs')).toBe(2);
    const pub = await owner.agent.post(`/manage/designs/${designId}/template`).type('form').send({ _csrf: csrf, template: 'publish' });
    expect(pub.status).toBe(303);
    const other = await signedUpAgent(t);
    const library = await other.agent.get('/designer/templates');
    expect(library.text).toContain(`/designer?template=${designId}`);
    const start = await other.agent.get(`/designer?template=${designId}`);
    expect(start.text).toContain(`name="templateId" value="${designId}"`);
    expect((await other.agent.get(`/manage/designs/${designId}/image.png`)).status).toBe(200);
    expect((await other.agent.get(`/manage/designs/${designId}/edit`)).status).toBe(404);
  });

  it('plans a badge on a canvas whose components fill the badge form as itemised criteria, with a printable view', async () => {
    const token = await apiToken(t, owner.email);
    const prior = await request(t.server)
      .post(`/api/v1/issuers/${issuerId}/badges`)
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'Seedling', description: 'First steps.', criteria: { narrative: 'Plant a seed.' }, image: dataUri(await pngImage()) });
    const csrf = await csrfFrom(owner.agent, `/manage/issuers/${issuerId}/canvases/new`);
    const before = tableCount(t.db, 'canvases');
    const bad = await owner.agent
      .post(`/manage/issuers/${issuerId}/canvases`)
      .type('form')
      .send({ _csrf: csrf, name: '', audience: 'Year 7', 'alignments[0][targetName]': 'Framework', 'alignments[0][targetUrl]': 'javascript:alert(1)' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Badge name is required.');
    expect(bad.text).toContain('Alignment URL must be a full web address');
    expect(bad.text).toContain('Year 7');
    expect(tableCount(t.db, 'canvases')).toBe(before);

    const res = await owner.agent
      .post(`/manage/issuers/${issuerId}/canvases`)
      .type('form')
      .send({
        _csrf: csrf,
        name: 'Young Gardener',
        description: 'Grows food for the club kitchen.',
        audience: 'Members aged 11 to 14',
        'components[0][text]': 'Plan a bed',
        'components[0][required]': 'required',
        'components[1][text]': 'Keep a growing diary',
        'components[1][required]': 'optional',
        'components[2][text]': '',
        'components[2][required]': 'required',
        [`pathwayBadges[${prior.body.id}]`]: 'prerequisite',
        resources: 'Seeds, a bed, a mentor',
        evidence: 'Photos of the harvest',
        'alignments[0][targetName]': 'RHS School Gardening Award',
        'alignments[0][targetUrl]': 'https://schoolgardening.rhs.org.uk/',
      });
    expect(res.status).toBe(303);
    const canvasId = /\/manage\/canvases\/([\w-]+)/.exec(res.headers.location!)![1]!;
    const form = await owner.agent.get(`/manage/issuers/${issuerId}/badges/new?fromCanvas=${canvasId}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('value="Young Gardener"');
    expect(form.text).toContain('**Required**\n\n- Plan a bed\n\n**Optional**\n\n- Keep a growing diary');
    expect(form.text).toContain(`[Seedling](${prior.body.openBadgeId})`);
    expect(form.text).toContain('value="RHS School Gardening Award"');

    const print = await owner.agent.get(`/manage/canvases/${canvasId}/print`);
    expect(print.status).toBe(200);
    expect(print.text).toContain('<link rel="stylesheet" href="/assets/canvas-print.css">');
    expect(print.text).toContain('Members aged 11 to 14');
    expect((await request(t.server).get('/assets/canvas-print.css')).text).toContain('size: A3 landscape');

    const stranger = await signedUpAgent(t);
    expect((await stranger.agent.get(`/manage/canvases/${canvasId}`)).status).toBe(404);
    expect((await stranger.agent.get(`/manage/canvases/${canvasId}/print`)).status).toBe(404);
  });
});
