import crypto from 'node:crypto';
import request from 'supertest';
import { ValidationError } from '../../../src/errors.js';
import { apiToken, csrfFrom, pngImage, signedUpAgent, startKiln, type Agent, type TestKiln } from '../../helpers/app.js';

/*
 * A "world" for the route and page sweeps of issue 9: issuer A holds one of every kind of object Kiln has (badges,
 * awards, a revoked and a corrected award, a CSV batch, an email template, a design, a canvas, a workshop session with
 * claims and walls, a submission and its endorsement, a pathway with a flagged completion, a standard, a framework,
 * API tokens, signing keys, outbox messages, a learner with a collection), with an owner (the site admin), an editor
 * and an awarder; issuer B has its own member and a few objects of its own (for mixed-id checks); issuer E endorses.
 * With `xss: true`, every free-text and URL field carries a stored-XSS payload.
 */

/** Each one sets window.__xss if it ever runs; none may. */
export const XSS_PAYLOADS = [
  '<script>window.__xss=1</script>',
  '"><img src=x onerror=window.__xss=1>',
  "'><svg onload=window.__xss=1>",
  '</textarea><script>window.__xss=1</script>',
  '{{7*7}}${7*7}<%= 7*7 %>',
] as const;
/** Fits the designer's 24-character ribbon. */
const SHORT_PAYLOAD = '<svg onload=__xss=1>';
export const JAVASCRIPT_URL = 'javascript:window.__xss=1';
/** A valid http(s) address that still carries markup, for URL fields (they refuse javascript:). */
export const XSS_URL = `https://example.org/x?q="><script>window.__xss=1</script>&r='><img/src=x/onerror=window.__xss=1>`;

export interface Ids {
  issuerId: string;
  badgeId: string;
  capstoneBadgeId: string;
  componentBadgeId: string;
  assertionId: string;
  revokedAssertionId: string;
  learnerAssertionId: string;
  keyId: string;
  /** Issuer A's OB 3.0 signing key (its verification method URL ends with it). */
  ob3KeyId: string;
  endorsementId: string;
  withdrawnEndorsementId: string;
  submissionId: string;
  pendingSubmissionId: string;
  pathwayId: string;
  completionId: string;
  userId: string;
  batchId: string;
  messageId: string;
  sessionId: string;
  claimId: string;
  claimCode: string;
  claimToken: string;
  signInToken: string;
  collectionId: string;
  iconName: string;
  designId: string;
  canvasId: string;
  frameworkId: string;
  tokenId: string;
  endorserIssuerId: string;
  standardId: string;
  agreementId: string;
}

export interface Person {
  id: string;
  email: string;
  password: string;
  /** A supertest agent signed in as this person (cookie session). */
  agent: Agent;
  /** A bearer token for the JSON API. */
  token: string;
}

export interface World {
  t: TestKiln;
  /** Issuer A's owner, also the site admin (the first account) and a reviewer of endorser E. */
  owner: Person;
  editor: Person;
  awarder: Person;
  /** The owner of issuer B, with no role on A or E. */
  memberB: Person;
  a: Ids;
  /** Issuer B's own objects, for routes with two ids (B's container, A's object). */
  b: Pick<Ids, 'issuerId' | 'badgeId' | 'sessionId' | 'pathwayId' | 'claimId' | 'assertionId' | 'designId' | 'canvasId'>;
  /** A learner who holds A's awards and signed in with an emailed link (a cookie session). */
  learner: { email: string; agent: Agent };
  /** Another learner with an award and a collection of their own. */
  otherLearner: { email: string; agent: Agent; collectionId: string };
  /** A site invitation code (for /signup?invitation=). */
  invitationCode: string;
  /** The text put in each free-text field, by field name: shows where payloads were stored. */
  texts: Record<string, string>;
  /** URL fields that refused javascript: (field → message), when built with xss. */
  refusedUrls: Record<string, string>;
}

export interface WorldOptions {
  xss?: boolean;
}

/** A learner signs in with an emailed link, as a browser-less agent would. */
export async function learnerAgent(t: TestKiln, email: string): Promise<Agent> {
  const agent = request.agent(t.server);
  const token = signInToken(t, email);
  const csrf = await csrfFrom(agent, `/learner/sign-in/${token}`);
  const res = await agent.post(`/learner/sign-in/${token}`).type('form').send({ _csrf: csrf });
  if (res.status !== 303) throw new Error(`learner sign-in: ${res.status}`);
  return agent;
}

/** Asks for a sign-in link (as the service does for the form) and reads the token out of the queued email. */
export function signInToken(t: TestKiln, email: string): string {
  t.kiln.services.learners.requestSignIn({ email });
  const body = t.db.prepare("SELECT text_body FROM outbox WHERE kind = 'sign_in' AND to_address = ? ORDER BY rowid DESC").pluck().get(email) as string;
  return /\/learner\/sign-in\/([\w-]+)/.exec(body)![1]!;
}

/** An SVG badge image (sanitised and kept on arrival), so every .svg route has something to serve. */
const SVG_IMAGE = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256"><circle cx="128" cy="128" r="120" fill="#1d4ed8"/></svg>',
);

export async function buildWorld(options: WorldOptions = {}, t?: TestKiln): Promise<World> {
  t ??= await startKiln();
  const s = t.kiln.services;
  const xss = options.xss ?? false;
  const texts: Record<string, string> = {};
  let n = 0;
  /** Free text of at most `max` characters: a label, plus as many payloads as fit when xss is on. */
  const T = (label: string, max = 5000): string => {
    let value = label;
    if (xss) {
      const all = XSS_PAYLOADS.join(' ');
      const fits = XSS_PAYLOADS.filter((p) => label.length + 1 + p.length <= max);
      if (label.length + 1 + all.length <= max) value = `${label} ${all}`;
      else if (fits.length > 0) value = `${label} ${fits[n++ % fits.length]}`;
      else value = XSS_PAYLOADS.find((p) => p.length <= max) ?? SHORT_PAYLOAD;
    }
    texts[label] = value;
    return value;
  };
  const U = (plain: string) => (xss ? XSS_URL : plain);
  const refusedUrls: Record<string, string> = {};
  /** In xss mode, proves a URL field refuses javascript: (or a space) before the real value is stored. */
  const refusesJavascript = async (field: string, attempt: () => unknown) => {
    if (!xss) return;
    try {
      await attempt();
    } catch (err) {
      if (err instanceof ValidationError) {
        refusedUrls[field] = Object.values(err.fields).join(' ');
        return;
      }
      throw err;
    }
    throw new Error(`${field} accepted a bad URL`);
  };

  const person = async (signedUp: { agent: Agent; email: string; password: string }): Promise<Person> => ({
    ...signedUp,
    id: s.accounts.findUserByEmail(signedUp.email)!.id,
    token: await apiToken(t, signedUp.email),
  });
  const uid = () => crypto.randomUUID().slice(0, 8);
  const owner = await person(await signedUpAgent(t, `owner-${uid()}@example.org`));
  const editor = await person(await signedUpAgent(t, `editor-${uid()}@example.org`));
  const awarder = await person(await signedUpAgent(t, `awarder-${uid()}@example.org`));
  const memberB = await person(await signedUpAgent(t, `member-b-${uid()}@example.org`));
  const reviewer = await person(await signedUpAgent(t, `reviewer-${uid()}@example.org`));
  if (!s.accounts.findUser(owner.id)!.isAdmin) throw new Error('the world needs a fresh Kiln: its owner must be the first account');
  const png = { bytes: await pngImage(96, 96, '#0f766e'), type: 'image/png' };

  // Issuer A, signing its 2.0 assertions (so it has an RSA key), with an editor and an awarder.
  const issuerInput = { name: T('Issuer name', 200), url: U('https://riverside.example.org'), email: 'badges@riverside.example.org', description: T('Issuer description'), signedAssertions: true };
  await refusesJavascript('issuer.url', () => s.issuers.create(owner.id, { ...issuerInput, url: JAVASCRIPT_URL }));
  // A space would make the stored address an invalid IRI in signed documents.
  await refusesJavascript('issuer.url (with a space)', () => s.issuers.create(owner.id, { ...issuerInput, url: 'https://example.org/a b' }));
  const issuerA = await s.issuers.create(owner.id, issuerInput, png);
  s.issuers.addMember(issuerA.id, owner.id, { email: editor.email, role: 'editor' });
  s.issuers.addMember(issuerA.id, owner.id, { email: awarder.email, role: 'awarder' });
  const keyId = t.db.prepare('SELECT id FROM issuer_rsa_keys WHERE issuer_id = ?').pluck().get(issuerA.id) as string;
  await s.credentials.listKeys(issuerA.id, owner.id); // the OB 3.0 signing key
  const ob3KeyId = t.db.prepare('SELECT id FROM issuer_keys WHERE issuer_id = ?').pluck().get(issuerA.id) as string;

  // Endorser E: its owner reviews; A's owner is one of its reviewers too (never of their own submissions).
  const endorser = await s.issuers.create(reviewer.id, { name: T('Endorser name', 200), url: 'https://council.example.org', email: 'badges@council.example.org', description: T('Endorser description') }, png);
  s.issuers.addMember(endorser.id, reviewer.id, { email: owner.email, role: 'awarder' });

  // Badges: one meeting every quality check (with an SVG image), a capstone and a second pathway component.
  const badgeInput = (name: string) => ({
    name: T(name, 200),
    description: T(`${name} description`),
    imageCaption: T(`${name} caption`, 500),
    criteriaNarrative: T(`${name} criteria: plan, record and edit a two-minute story, then share it as evidence with your group leader.`, 20000),
    criteriaUrl: U('https://example.org/criteria'),
    tags: xss ? ['media', XSS_PAYLOADS[1].slice(0, 60), XSS_PAYLOADS[0]] : ['media', 'storytelling'],
    alignments: [
      {
        targetName: T(`${name} alignment`, 300),
        targetUrl: U('https://example.org/framework/3.1'),
        targetDescription: T(`${name} alignment description`, 2000),
        targetFramework: T(`${name} framework`, 300),
        targetCode: T('Code', 100),
      },
    ],
    expiresAfterDays: 365,
  });
  const main = badgeInput('Badge');
  await refusesJavascript('badge.criteriaUrl', () => s.badgeClasses.create(issuerA.id, owner.id, { ...main, criteriaUrl: JAVASCRIPT_URL }, png));
  await refusesJavascript('badge.alignments.targetUrl', () =>
    s.badgeClasses.create(issuerA.id, owner.id, { ...main, alignments: [{ ...main.alignments[0], targetUrl: JAVASCRIPT_URL }] }, png),
  );
  const badgeA = await s.badgeClasses.create(issuerA.id, owner.id, main, { bytes: SVG_IMAGE, type: 'image/svg+xml' });
  const capstone = await s.badgeClasses.create(issuerA.id, owner.id, badgeInput('Capstone'), png);
  const component = await s.badgeClasses.create(issuerA.id, owner.id, badgeInput('Component'), png);

  // Awards: one with everything, one revoked, one corrected, and the learner's.
  const awardInput = (email: string, name: string) => ({
    recipients: [{ email, name: T(name, 200) }],
    narrative: T(`${name} narrative`, 10000),
    evidence: [{ url: U('https://example.org/evidence'), narrative: T(`${name} evidence narrative`), name: T(`${name} evidence name`, 200) }],
  });
  await refusesJavascript('award.evidence.url', () =>
    s.assertions.award(badgeA.id, owner.id, { ...awardInput('x@example.org', 'X'), evidence: [{ url: JAVASCRIPT_URL, narrative: 'x' }] }),
  );
  const learnerEmail = `learner-${uid()}@example.org`;
  const [assertionA] = s.assertions.award(badgeA.id, owner.id, awardInput(learnerEmail, 'Recipient name'), { notify: true });
  const [revoked] = s.assertions.award(badgeA.id, owner.id, awardInput(`revoked-${uid()}@example.org`, 'Revoked recipient'));
  s.assertions.revoke([revoked!.id], owner.id, { reason: T('Revocation reason', 500) });
  const [mistyped] = s.assertions.award(badgeA.id, owner.id, awardInput(`mistyped-${uid()}@example.org`, 'Mistyped recipient'));
  s.corrections.correctRecipient(mistyped!.id, owner.id, { email: `corrected-${uid()}@example.org`, name: T('Corrected name', 200) });

  // A CSV batch awarded with "award the good lines", so it has a result page and a CSV of the refused line to fix.
  const csv = `email,name,narrative\nbatch-${uid()}@example.org,"${T('Batch name', 200).replace(/"/g, '""')}","${T('Batch narrative').replace(/"/g, '""')}"\nnot-an-email,"${T('Refused name', 200).replace(/"/g, '""')}",\n`;
  const preview = await s.bulkAwards.preview(badgeA.id, owner.id, { bytes: Buffer.from(csv), filename: 'awards.csv' }, false, true);
  const batch = await s.bulkAwards.confirm(badgeA.id, preview.batch.id, owner.id);

  s.mail.saveTemplate(badgeA.id, owner.id, { subject: T('Email subject', 200).replace(/\r?\n/g, ' '), body: T('Email body {{recipientName}} {{badgeName}}') });

  // A saved design (not a template) and a canvas that uses it.
  const design = await s.designs.create(
    issuerA.id,
    owner.id,
    { name: T('Design name', 200), altText: T('Design alt text', 500) },
    { shape: 'shield', background: '#1d4ed8', border: '#facc15', textColor: '#ffffff', title: T('T', 40), subtitle: T('S', 40), icon: 'star', ribbon: xss ? SHORT_PAYLOAD : 'Ribbon', ribbonColor: '#b91c1c' },
  );
  const canvasInput = {
    name: T('Canvas name', 200),
    description: T('Canvas description'),
    audience: T('Canvas audience'),
    components: [{ text: T('Canvas component', 500), required: true }, { text: T('Optional component', 500), required: false }],
    pathways: T('Canvas pathways'),
    pathwayBadges: [{ badgeId: component.id, relation: 'prerequisite' }],
    resources: T('Canvas resources'),
    alignments: [{ targetName: T('Canvas alignment', 300), targetUrl: U('https://example.org/canvas-alignment') }],
    evidence: T('Canvas evidence'),
    designId: design.id,
  };
  await refusesJavascript('canvas.alignments.targetUrl', () =>
    s.canvases.create(issuerA.id, owner.id, { ...canvasInput, alignments: [{ targetName: 'x', targetUrl: JAVASCRIPT_URL }] }),
  );
  const canvas = s.canvases.create(issuerA.id, owner.id, canvasInput);

  // A workshop session with a wall: one approved claim (with a certificate), one pending; the issuer's wall is on.
  const session = s.workshops.create(badgeA.id, owner.id, { title: T('Session title', 200), closesInMinutes: '480', wall: '1', notify: '' });
  const claimed = s.workshops.claim(session.code, { name: T('Claimant', 100), email: `claimant-${uid()}@example.org`, wallConsent: '1' });
  s.workshops.approve(session.id, owner.id, [claimed.claim.id]);
  s.workshops.claim(session.code, { name: T('Waiting claimant', 100), email: '', noEmail: '1', wallConsent: '1' });
  s.workshops.setIssuerWall(issuerA.id, owner.id, true);

  // Quality: a standard, E as endorser, one submission approved (an endorsement), one withdrawn, one pending.
  const standard = s.standards.create(owner.id, {
    name: T('Standard name', 200),
    description: T('Standard description'),
    rules: [
      { type: 'automatic', check: 'criteriaNarrative', minWords: 10 },
      { type: 'automatic', check: 'alignment' },
      { type: 'automatic', check: 'altText' },
      { type: 'automatic', check: 'issuerContact' },
      { type: 'automatic', check: 'validity' },
      { type: 'judgement', guidance: T('Judgement guidance', 2000) },
    ],
  });
  s.standards.setEndorser(owner.id, endorser.id, true);
  const submission = s.endorsements.submit(badgeA.id, editor.id, { standardId: standard.id, endorserIssuerId: endorser.id, message: T('Submission message') });
  const endorsement = s.endorsements.approve(submission.id, owner.id, { comment: T('Endorsement comment') });
  const withdrawnSub = s.endorsements.submit(capstone.id, editor.id, { standardId: standard.id, endorserIssuerId: endorser.id, message: T('Second message') });
  const withdrawn = s.endorsements.approve(withdrawnSub.id, reviewer.id, { comment: T('Withdrawn comment') });
  s.endorsements.withdraw(withdrawn.id, reviewer.id, { reason: T('Withdrawal reason', 500) });
  const pending = s.endorsements.submit(component.id, editor.id, { standardId: standard.id, endorserIssuerId: endorser.id, message: T('Pending message') });

  // An alignment framework (site admin).
  const frameworkCsv = `code,name,url,description\nDC-1,"${T('Framework target', 300).replace(/"/g, '""')}","${U('https://example.org/dc-1').replace(/"/g, '""')}","${T('Target description').replace(/"/g, '""')}"\n`;
  await refusesJavascript('framework.url', () => s.alignmentFrameworks.load(owner.id, { name: 'x', url: JAVASCRIPT_URL, csv: 'code,name,url\nA,B,https://example.org\n' }));
  const framework = s.alignmentFrameworks.load(owner.id, { name: T('Framework name', 300), url: U('https://example.org/framework'), csv: frameworkCsv });

  // A pathway (badge + component → capstone) with a flagged completion: the component award is revoked afterwards.
  const pathway = s.pathways.create(issuerA.id, owner.id, {
    name: T('Pathway name', 200),
    description: T('Pathway description'),
    badgeIds: [{ badgeId: badgeA.id, group: T('Group', 100) }, component.id],
    rule: { type: 'all' },
    capstoneBadgeId: capstone.id,
  });
  const flagEmail = `flag-${uid()}@example.org`;
  s.assertions.award(badgeA.id, owner.id, { recipients: [{ email: flagEmail }] });
  const [componentAward] = s.assertions.award(component.id, owner.id, { recipients: [{ email: flagEmail }] });
  s.assertions.revoke([componentAward!.id], owner.id, { reason: T('Component revoked', 500) });
  const completionId = t.db.prepare('SELECT id FROM pathway_completions WHERE pathway_id = ? AND flagged_at IS NOT NULL').pluck().get(pathway.id) as string;
  if (!completionId) throw new Error('world: the pathway completion was not flagged');
  // The learner also completed the pathway (so the learner home shows progress and the capstone).
  s.assertions.award(component.id, owner.id, { recipients: [{ email: learnerEmail, name: T('Learner name', 200) }] });

  // Learners: the one holding A's awards, with a collection, and another with their own.
  const learnerAward = s.learners.awards(learnerEmail)[0]!;
  const collection = s.learners.createCollection(learnerEmail, { name: T('Collection name', 100), description: T('Collection description', 1000) });
  s.learners.updateCollection(learnerEmail, collection.id, { name: T('Collection name', 100), description: T('Collection description', 1000) }, s.learners.awards(learnerEmail).map((a) => a.id));
  const otherEmail = `other-learner-${uid()}@example.org`;
  s.assertions.award(badgeA.id, owner.id, { recipients: [{ email: otherEmail }] });
  const otherCollection = s.learners.createCollection(otherEmail, { name: 'Other collection', description: '' });
  const learner = { email: learnerEmail, agent: await learnerAgent(t, learnerEmail) };
  const otherLearner = { email: otherEmail, agent: await learnerAgent(t, otherEmail), collectionId: otherCollection.id };

  const tokenId = s.accounts.createApiToken(owner.id, { name: T('Token name', 100) }).id;
  const invitationCode = s.accounts.createInvitation(owner.id);
  const messageId = t.db.prepare("SELECT id FROM outbox WHERE kind = 'award' ORDER BY rowid LIMIT 1").pluck().get() as string;

  // Issuer B: its own badge, session (with a claim) and pathway.
  const issuerB = await s.issuers.create(memberB.id, { name: 'Issuer B', url: 'https://b.example.org', email: 'badges@b.example.org' }, png);
  const badgeB = await s.badgeClasses.create(issuerB.id, memberB.id, { name: 'B badge', description: 'B', criteriaNarrative: 'Do B.' }, png);
  const [assertionB] = s.assertions.award(badgeB.id, memberB.id, { recipients: [{ email: `b-${uid()}@example.org` }] });
  const sessionB = s.workshops.create(badgeB.id, memberB.id, { title: 'B session', closesInMinutes: '480' });
  const claimB = s.workshops.claim(sessionB.code, { name: 'B learner', email: `b-claim-${uid()}@example.org` });
  const pathwayB = s.pathways.create(issuerB.id, memberB.id, { name: 'B pathway', badgeIds: [badgeB.id], rule: { type: 'all' } });
  const designB = await s.designs.create(issuerB.id, memberB.id, { name: 'B design', altText: 'B' }, { shape: 'circle', background: '#1d4ed8', border: '#facc15', textColor: '#ffffff', title: 'B', icon: 'star' });
  const canvasB = s.canvases.create(issuerB.id, memberB.id, { name: 'B canvas' });

  // A asked endorser E to let it use E's badges as pathway steps; E's owner has not answered (issue 18).
  const agreement = s.issuerAgreements.request(issuerA.id, owner.id, { stepIssuerId: endorser.id, message: T('Agreement message', 1000) });

  return {
    t,
    owner,
    editor,
    awarder,
    memberB,
    learner,
    otherLearner,
    invitationCode,
    texts,
    refusedUrls,
    a: {
      issuerId: issuerA.id,
      badgeId: badgeA.id,
      capstoneBadgeId: capstone.id,
      componentBadgeId: component.id,
      assertionId: assertionA!.id,
      revokedAssertionId: revoked!.id,
      learnerAssertionId: learnerAward.id,
      keyId,
      ob3KeyId,
      endorsementId: endorsement.id,
      withdrawnEndorsementId: withdrawn.id,
      submissionId: submission.id,
      pendingSubmissionId: pending.id,
      pathwayId: pathway.id,
      completionId,
      userId: editor.id,
      batchId: batch.id,
      messageId,
      sessionId: session.id,
      claimId: claimed.claim.id,
      claimCode: session.code,
      claimToken: claimed.token,
      signInToken: signInToken(t, learnerEmail),
      collectionId: collection.id,
      iconName: 'star',
      designId: design.id,
      canvasId: canvas.id,
      frameworkId: framework.id,
      tokenId,
      endorserIssuerId: endorser.id,
      standardId: standard.id,
      agreementId: agreement.id,
    },
    b: { issuerId: issuerB.id, badgeId: badgeB.id, sessionId: sessionB.id, pathwayId: pathwayB.id, claimId: claimB.claim.id, assertionId: assertionB!.id, designId: designB.id, canvasId: canvasB.id },
  };
}

/** Tables whose columns change on every authenticated use, and so are left out of "changes nothing". */
const VOLATILE_COLUMNS: Record<string, string[]> = { api_tokens: ['last_used_at'] };

/**
 * Every table but sessions: its row count and a hash of its contents, so "changes nothing" means no row was added,
 * removed or altered anywhere.
 */
export function snapshot(t: TestKiln): Record<string, string> {
  const tables = t.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sessions') AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  return Object.fromEntries(
    tables.map((name) => {
      const rows = t.db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all() as Array<Record<string, unknown>>;
      const hash = crypto.createHash('sha256');
      for (const row of rows) {
        for (const column of VOLATILE_COLUMNS[name] ?? []) delete row[column];
        hash.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
        hash.update('\n');
      }
      return [name, `${rows.length}:${hash.digest('hex').slice(0, 16)}`];
    }),
  );
}
