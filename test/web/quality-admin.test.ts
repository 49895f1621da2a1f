import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, signedUpAgent, startKiln, tableCount, type Agent, type TestKiln } from '../helpers/app.js';

const FRAMEWORK_CSV = [
  'code,name,url,description',
  'DC 3.1,Developing digital content,https://digcomp.example.org/3.1,"Create and edit content, in different formats"',
  'DC 1.1,"Browsing, searching and filtering data",https://digcomp.example.org/1.1,',
].join('\n');

describe('site administration of standards and alignment frameworks', () => {
  let t: TestKiln;
  let admin: { agent: Agent; email: string };
  let member: { agent: Agent; email: string };

  beforeAll(async () => {
    t = await startKiln();
    admin = await signedUpAgent(t);
    member = await signedUpAgent(t);
  });
  afterAll(() => t.close());

  it('defines a standard from the form: checked automatic checks, a word count and one judgement per line', async () => {
    const csrf = await csrfFrom(admin.agent, '/admin/standards');
    const res = await admin.agent
      .post('/admin/standards')
      .type('form')
      .send({ _csrf: csrf, name: 'City Digital Badge Standard v1', checks: ['criteriaNarrative', 'altText'], minWords: '25', judgements: 'Fair to assess\n\nRelevant to employers' });
    expect(res.status).toBe(303);
    const [standard] = t.kiln.services.standards.list();
    expect(standard!.rules).toEqual([
      { type: 'automatic', check: 'criteriaNarrative', minWords: 25 },
      { type: 'automatic', check: 'altText' },
      { type: 'judgement', guidance: 'Fair to assess' },
      { type: 'judgement', guidance: 'Relevant to employers' },
    ]);
  });

  it('re-renders the standard form with 400, the typed values and a message when it has no rules, writing nothing', async () => {
    const before = tableCount(t.db, 'quality_standards');
    const csrf = await csrfFrom(admin.agent, '/admin/standards');
    const res = await admin.agent.post('/admin/standards').type('form').send({ _csrf: csrf, name: 'Empty standard', minWords: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Add at least one rule.');
    expect(res.text).toContain('value="Empty standard"');
    expect(tableCount(t.db, 'quality_standards')).toBe(before);
  });

  it('keeps the admin pages from everyone but site admins', async () => {
    expect((await member.agent.get('/admin/standards')).status).toBe(403);
    const csrf = await csrfFrom(member.agent, '/account');
    const res = await member.agent.post('/admin/alignment-frameworks').type('form').send({ _csrf: csrf, name: 'X', url: 'https://x.example.org', csvText: FRAMEWORK_CSV });
    expect(res.status).toBe(403);
    expect(tableCount(t.db, 'alignment_frameworks')).toBe(0);
  });

  it('names the bad line of a framework CSV and loads nothing', async () => {
    const csrf = await csrfFrom(admin.agent, '/admin/alignment-frameworks');
    const res = await admin.agent
      .post('/admin/alignment-frameworks')
      .type('form')
      .send({ _csrf: csrf, name: 'DigComp 2.2', url: 'https://digcomp.example.org', csvText: `${FRAMEWORK_CSV}\nDC 9,Broken,javascript:alert(1),` });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Line 4: url must be a full web address');
    expect(tableCount(t.db, 'alignment_targets')).toBe(0);
  });

  it('loads a framework from an uploaded CSV file and offers its targets on the badge form', async () => {
    const csrf = await csrfFrom(admin.agent, '/admin/alignment-frameworks');
    const res = await admin.agent
      .post('/admin/alignment-frameworks')
      .field('_csrf', csrf)
      .field('name', 'DigComp 2.2')
      .field('url', 'https://digcomp.example.org')
      .attach('csv', Buffer.from(FRAMEWORK_CSV), { filename: 'digcomp.csv', contentType: 'text/csv' });
    expect(res.status).toBe(303);
    expect(t.kiln.services.alignmentFrameworks.choices().map((c) => [c.code, c.name, c.frameworkName])).toEqual([
      ['DC 3.1', 'Developing digital content', 'DigComp 2.2'],
      ['DC 1.1', 'Browsing, searching and filtering data', 'DigComp 2.2'],
    ]);

    const issuerCsrf = await csrfFrom(member.agent, '/manage/issuers/new');
    const issuer = await member.agent
      .post('/manage/issuers')
      .type('form')
      .send({ _csrf: issuerCsrf, name: 'Riverside', url: 'https://riverside.example.org', email: 'b@riverside.example.org' });
    const form = await member.agent.get(`${issuer.headers.location}/badges/new`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<datalist id="alignment-targets">');
    expect(form.text).toContain('data-url="https://digcomp.example.org/3.1"');
    expect(form.text).toContain('<script src="/assets/alignment-picker.js" defer></script>');
  });
});
