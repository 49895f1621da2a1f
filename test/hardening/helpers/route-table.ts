import type { Ids, World } from './world.js';

/*
 * How every route of the route table (src/web/routes.ts) is covered by test/hardening/routes.test.ts and the browser
 * sweep. A route missing here, a line here without a route, or a path parameter without a world object fails those
 * tests with a message saying what to add. Keys are `METHOD path` exactly as the router lists them.
 *
 * - public:  anyone may use it, by design; the reason says why. Anonymous visitors are not sent to the login page.
 * - issuer:  reads or changes one issuer's data; a member of another issuer gets 404 and nothing changes.
 * - account: any signed-in user, acting on their own account (or creating their own issuer/design); no foreign ids.
 * - learner: a learner signed in with an emailed link; another learner gets 404 for this learner's objects.
 * - admin:   site administrators only; other signed-in users get 403.
 */
export type Coverage =
  | { kind: 'public'; reason: string; params?: ParamOverrides }
  | { kind: 'issuer'; params?: ParamOverrides }
  | { kind: 'account'; params?: ParamOverrides }
  | { kind: 'learner'; params?: ParamOverrides }
  | { kind: 'admin'; params?: ParamOverrides };

type ParamOverrides = Record<string, keyof Ids>;

/** What each path parameter names, by default: the world object of issuer A (or its people) that fills it. */
export const PARAMS: Record<string, keyof Ids> = {
  issuerId: 'issuerId',
  badgeId: 'badgeId',
  assertionId: 'assertionId',
  keyId: 'keyId',
  endorsementId: 'endorsementId',
  submissionId: 'submissionId',
  pathwayId: 'pathwayId',
  completionId: 'completionId',
  userId: 'userId',
  batchId: 'batchId',
  messageId: 'messageId',
  sessionId: 'sessionId',
  claimId: 'claimId',
  code: 'claimCode',
  token: 'claimToken',
  collectionId: 'collectionId',
  name: 'iconName',
  designId: 'designId',
  canvasId: 'canvasId',
  frameworkId: 'frameworkId',
  tokenId: 'tokenId',
  agreementId: 'agreementId',
};

const hosted = (what: string): Coverage => ({ kind: 'public', reason: `hosted ${what}: verifiers and learners fetch it without an account (DESIGN.md public URLs)` });
const ob3 = (what: string): Coverage => ({ kind: 'public', reason: `Open Badges 3.0 ${what}: public like its 2.0 twin, verifiers fetch it` });
const claim = (why: string): Coverage => ({ kind: 'public', reason: `learner claim flow, no account: ${why}` });
const magicLink = (why: string): Coverage => ({ kind: 'public', reason: `learner sign-in by emailed link: ${why}` });
const issuer: Coverage = { kind: 'issuer' };
const account: Coverage = { kind: 'account' };
const admin: Coverage = { kind: 'admin' };
const learner: Coverage = { kind: 'learner' };

export const COVERAGE: Record<string, Coverage> = {
  'GET /': { kind: 'public', reason: 'home page' },
  'GET /issuers/:issuerId': hosted('issuer Profile and page'),
  'GET /issuers/:issuerId/image': hosted('issuer logo'),
  'GET /issuers/:issuerId/revocations': hosted('RevocationList'),
  'GET /issuers/:issuerId/public-keys/:keyId': hosted('CryptographicKey that signed 2.0 badges'),
  'GET /badges/:badgeId': hosted('BadgeClass and badge page'),
  'GET /badges/:badgeId/image': hosted('badge image'),
  'GET /badges/:badgeId/image.svg': hosted('badge SVG image'),
  'GET /assertions/:assertionId': hosted('Assertion and award page'),
  'GET /assertions/:assertionId/baked.png': hosted('baked PNG'),
  'GET /assertions/:assertionId/baked.svg': hosted('baked SVG'),
  'GET /assertions/:assertionId/assertion.json': hosted('Assertion as a download'),
  'GET /issuers/:issuerId/ob3': ob3('issuer profile'),
  'GET /issuers/:issuerId/ob3/keys/:keyId': { ...ob3('verification method (Multikey)'), params: { keyId: 'ob3KeyId' } },
  'GET /issuers/:issuerId/status/revocation': ob3('status list'),
  'GET /badges/:badgeId/ob3': ob3('achievement'),
  'GET /credentials/:assertionId': ob3('credential'),
  'GET /credentials/:assertionId/credential.json': ob3('credential download'),
  'GET /credentials/:assertionId/baked.png': ob3('baked PNG'),
  'GET /credentials/:assertionId/baked.svg': ob3('baked SVG'),
  'GET /endorsements/:endorsementId': hosted('Endorsement'),
  'GET /endorsements/:endorsementId/ob3': ob3('EndorsementCredential'),
  'GET /pathways/:pathwayId': { kind: 'public', reason: 'public pathway map, linked from badge pages' },

  'GET /signup': { kind: 'public', reason: 'account creation' },
  'POST /signup': { kind: 'public', reason: 'account creation' },
  'GET /login': { kind: 'public', reason: 'sign-in form' },
  'POST /login': { kind: 'public', reason: 'sign-in' },
  'POST /logout': { kind: 'public', reason: 'ends whatever session the browser has (none is a no-op)' },
  'GET /account': account,
  'POST /account/password': account,
  'POST /account/time-zone': account,
  'POST /account/tokens': account,
  'POST /account/tokens/:tokenId/revoke': account,
  'GET /admin': admin,
  'POST /admin/invitations': admin,

  'GET /manage': account,
  'GET /manage/issuers/new': account,
  'POST /manage/issuers': account,
  'GET /manage/issuers/:issuerId': issuer,
  'GET /manage/issuers/:issuerId/edit': issuer,
  'POST /manage/issuers/:issuerId': issuer,
  'GET /manage/issuers/:issuerId/certificate': issuer,
  'POST /manage/issuers/:issuerId/certificate': issuer,
  'POST /manage/issuers/:issuerId/certificate/remove': issuer,
  'POST /manage/issuers/:issuerId/members': issuer,
  'POST /manage/issuers/:issuerId/members/:userId': issuer,
  'POST /manage/issuers/:issuerId/members/:userId/remove': issuer,
  'GET /manage/issuers/:issuerId/badges/new': issuer,
  'POST /manage/issuers/:issuerId/badges': issuer,
  'POST /manage/issuers/:issuerId/badges/design': issuer,
  'GET /manage/badges/:badgeId': issuer,
  'GET /manage/badges/:badgeId/edit': issuer,
  // A form's kept image (issue 19) belongs to the session that uploaded it; any other id, a token's included, is 404.
  'GET /manage/kept-uploads/:keptId/image.png': { kind: 'account', params: { keptId: 'tokenId' } },
  'POST /manage/badges/:badgeId': issuer,
  'POST /manage/badges/:badgeId/duplicate': issuer,
  'POST /manage/badges/:badgeId/archive': issuer,
  'POST /manage/badges/:badgeId/unarchive': issuer,
  'POST /manage/badges/:badgeId/delete': issuer,
  'GET /manage/badges/:badgeId/award': issuer,
  'POST /manage/badges/:badgeId/award': issuer,
  'POST /manage/badges/:badgeId/revoke': issuer,
  'GET /manage/issuers/:issuerId/awards': issuer,
  'GET /manage/issuers/:issuerId/awards.csv': issuer,
  'GET /manage/badges/:badgeId/awards.csv': issuer,
  'GET /manage/issuers/:issuerId/dashboard': issuer,
  'GET /manage/issuers/:issuerId/search': issuer,
  'GET /manage/assertions/:assertionId': issuer,
  'POST /manage/assertions/:assertionId/revoke': issuer,
  'GET /manage/badges/:badgeId/award/bulk': issuer,
  'POST /manage/badges/:badgeId/award/bulk': issuer,
  'POST /manage/badges/:badgeId/award/bulk/:batchId': issuer,
  'GET /manage/badges/:badgeId/award/bulk/:batchId': issuer,
  'GET /manage/badges/:badgeId/award/bulk/:batchId/result.csv': issuer,
  'GET /manage/badges/:badgeId/award/bulk/:batchId/to-fix.csv': issuer,
  'GET /manage/badges/:badgeId/award/bulk/template.csv': issuer,
  'GET /manage/badges/:badgeId/email': issuer,
  'POST /manage/badges/:badgeId/email': issuer,
  'POST /manage/assertions/:assertionId/resend': issuer,
  'POST /manage/assertions/:assertionId/correct': issuer,
  'GET /admin/outbox': admin,
  'GET /admin/outbox/:messageId': admin,

  'GET /manage/badges/:badgeId/sessions/new': issuer,
  'POST /manage/badges/:badgeId/sessions': issuer,
  'GET /manage/issuers/:issuerId/sessions': issuer,
  'POST /manage/issuers/:issuerId/wall': issuer,
  'GET /manage/sessions/:sessionId': issuer,
  'GET /manage/sessions/:sessionId/roster.json': issuer,
  'GET /manage/sessions/:sessionId/projector': issuer,
  'POST /manage/sessions/:sessionId/approve': issuer,
  'POST /manage/sessions/:sessionId/reject': issuer,
  'POST /manage/sessions/:sessionId/options': issuer,
  'POST /manage/sessions/:sessionId/close': issuer,
  'POST /manage/sessions/:sessionId/claims/:claimId/wall': issuer,

  'GET /claim': claim('the code entry form'),
  'POST /claim': claim('a typed code leads to its session'),
  'GET /claim/:code': claim('the code shown in the room is the key'),
  'POST /claim/:code': claim('the code shown in the room is the key'),
  'GET /claimed/:token': claim('the private link (an unguessable token) is the key'),
  'GET /claimed/:token/certificate': claim('the private link (an unguessable token) is the key'),
  'GET /claimed/:token/status.json': claim('the private link (an unguessable token) is the key; says only pending, approved or rejected'),
  'GET /manage/assertions/:assertionId/certificate': issuer,
  'GET /sessions/:sessionId/wall': { kind: 'public', reason: 'workshop wall: first names of learners who agreed, shown on a projector' },
  'GET /issuers/:issuerId/wall': { kind: 'public', reason: 'issuer wall, switched on by an editor' },

  'GET /learner': { kind: 'public', reason: 'the learner sign-in form (or, signed in by link, their badges)' },
  'POST /learner/sign-in': magicLink('asks for a link; the same answer for every address'),
  'GET /learner/sign-in/:token': { ...magicLink('the emailed token is the key'), params: { token: 'signInToken' } },
  'POST /learner/sign-in/:token': { ...magicLink('the emailed token is the key'), params: { token: 'signInToken' } },
  'POST /learner/sign-out': magicLink('ends whatever learner session the browser has'),
  'GET /learner/awards/:assertionId/certificate': { kind: 'learner', params: { assertionId: 'learnerAssertionId' } },
  'POST /learner/collections': learner,
  'GET /learner/collections/:collectionId': learner,
  'POST /learner/collections/:collectionId': learner,
  'POST /learner/collections/:collectionId/delete': learner,
  'GET /collections/:collectionId': { kind: 'public', reason: 'a collection its learner shares by link' },

  'GET /designer': account,
  'POST /designer': account,
  'POST /designer/preview': account,
  'GET /designer/icons': account,
  'GET /designer/icons/:name.svg': { kind: 'public', reason: 'bundled lucide icons: public, immutable package data' },
  'GET /designer/templates': account,
  'GET /manage/issuers/:issuerId/designs': issuer,
  'GET /manage/designs/:designId': issuer,
  'GET /manage/designs/:designId/image.png': issuer,
  'GET /manage/designs/:designId/image.svg': issuer,
  'GET /manage/designs/:designId/edit': issuer,
  'POST /manage/designs/:designId': issuer,
  'POST /manage/designs/:designId/duplicate': issuer,
  'POST /manage/designs/:designId/template': issuer,

  'GET /manage/issuers/:issuerId/canvases': issuer,
  'GET /manage/issuers/:issuerId/canvases/new': issuer,
  'POST /manage/issuers/:issuerId/canvases': issuer,
  'GET /manage/canvases/:canvasId': issuer,
  'POST /manage/canvases/:canvasId': issuer,
  'GET /manage/canvases/:canvasId/print': issuer,

  'GET /admin/standards': admin,
  'POST /admin/standards': admin,
  'POST /admin/endorsers': admin,
  'POST /admin/endorsers/:issuerId/remove': { kind: 'admin', params: { issuerId: 'endorserIssuerId' } },
  'GET /admin/alignment-frameworks': admin,
  'POST /admin/alignment-frameworks': admin,
  'POST /admin/alignment-frameworks/:frameworkId/delete': admin,
  'GET /manage/badges/:badgeId/quality': issuer,
  'POST /manage/badges/:badgeId/submissions': issuer,
  'GET /manage/reviews': account,
  'GET /manage/issuers/:issuerId/reviews': issuer,
  'GET /manage/submissions/:submissionId': issuer,
  'POST /manage/submissions/:submissionId/approve': { kind: 'issuer', params: { submissionId: 'pendingSubmissionId' } },
  'POST /manage/submissions/:submissionId/return': { kind: 'issuer', params: { submissionId: 'pendingSubmissionId' } },
  'POST /manage/submissions/:submissionId/resubmit': issuer,
  'POST /manage/endorsements/:endorsementId/withdraw': issuer,

  'GET /manage/issuers/:issuerId/pathways': issuer,
  'GET /manage/issuers/:issuerId/pathways/new': issuer,
  'POST /manage/issuers/:issuerId/pathways': issuer,
  'GET /manage/pathways/:pathwayId': issuer,
  'POST /manage/pathways/:pathwayId/completions/:completionId/resolve': issuer,
  'GET /manage/issuers/:issuerId/agreements': issuer,
  'POST /manage/issuers/:issuerId/agreements': issuer,
  'POST /manage/agreements/:agreementId/accept': issuer,
  'POST /manage/agreements/:agreementId/withdraw': issuer,

  'POST /api/v1/badges/:badgeId/assertions/bulk': issuer,
  'GET /verify': { kind: 'public', reason: 'the public verifier: anyone may check a badge' },
  'POST /verify': { kind: 'public', reason: 'the public verifier: anyone may check a badge' },
  'POST /api/v1/verify': { kind: 'public', reason: 'the public verifier API: anyone may check a badge (rate-limited)' },
  'GET /api/v1/issuers': account,
  'POST /api/v1/issuers': account,
  'GET /api/v1/issuers/:issuerId': issuer,
  'PATCH /api/v1/issuers/:issuerId': issuer,
  'GET /api/v1/issuers/:issuerId/keys': issuer,
  'POST /api/v1/issuers/:issuerId/keys/rotate': issuer,
  'GET /api/v1/issuers/:issuerId/badges': issuer,
  'POST /api/v1/issuers/:issuerId/badges': issuer,
  'GET /api/v1/badges/:badgeId': issuer,
  'PATCH /api/v1/badges/:badgeId': issuer,
  'DELETE /api/v1/badges/:badgeId': issuer,
  'GET /api/v1/badges/:badgeId/assertions': issuer,
  'POST /api/v1/badges/:badgeId/assertions': issuer,
  'GET /api/v1/assertions/:assertionId': issuer,
  'POST /api/v1/assertions/:assertionId/revoke': issuer,
  'POST /api/v1/assertions/:assertionId/correct': issuer,
  'POST /api/v1/designs/render': account,
  'GET /api/v1/designs/templates': account,
  'GET /api/v1/designs/:designId': issuer,
  'PATCH /api/v1/designs/:designId': issuer,
  'GET /api/v1/issuers/:issuerId/designs': issuer,
  'POST /api/v1/issuers/:issuerId/designs': issuer,
  'GET /api/v1/standards': account,
  'POST /api/v1/standards': admin,
  'POST /api/v1/endorsers': admin,
  'GET /api/v1/badges/:badgeId/submissions': issuer,
  'POST /api/v1/badges/:badgeId/submissions': issuer,
  'GET /api/v1/submissions/:submissionId': issuer,
  'POST /api/v1/submissions/:submissionId/approve': { kind: 'issuer', params: { submissionId: 'pendingSubmissionId' } },
  'POST /api/v1/submissions/:submissionId/return': { kind: 'issuer', params: { submissionId: 'pendingSubmissionId' } },
  'POST /api/v1/submissions/:submissionId/resubmit': issuer,
  'POST /api/v1/endorsements/:endorsementId/withdraw': issuer,
  'POST /api/v1/pathways': account,
  'GET /api/v1/pathways/:pathwayId': issuer,
  'GET /api/v1/issuers/:issuerId/agreements': issuer,
  'POST /api/v1/issuers/:issuerId/agreements': issuer,
  'POST /api/v1/agreements/:agreementId/accept': issuer,
  'POST /api/v1/agreements/:agreementId/withdraw': issuer,
  'POST /api/v1/badges/:badgeId/sessions': issuer,
  'GET /api/v1/badges/:badgeId/sessions': issuer,
  'GET /api/v1/sessions/:sessionId': issuer,
  'POST /api/v1/sessions/:sessionId/claims/:claimId/approve': issuer,
  'POST /api/v1/sessions/:sessionId/claims/:claimId/decline': issuer,
  'POST /api/v1/sessions/:sessionId/close': issuer,
};

/** Issuer B's own objects, the containers of the "body names another issuer's object" checks. */
export type OwnIds = World['b'] & { collectionId: string };

/**
 * How each write route takes ids in its body (issue 18, item 8). `names`: bodies that name issuer A's objects, sent by
 * B's member (or another learner) on B's own objects; each must answer 404, or 400/422 naming the field, and change
 * nothing. `none`: why the body holds no other issuer's object. A write route without a line fails the suite.
 */
export type ForeignBody =
  | { kind: 'names'; bodies: (a: Ids, b: OwnIds) => Array<Record<string, unknown>>; as?: 'otherLearner' }
  | { kind: 'none'; reason: string };

const none = (reason: string): ForeignBody => ({ kind: 'none', reason });
const noIds = none('no ids in the body: only text, dates, options or a file');
const pathIdsOnly = none('every id is in the path (the mixed-id checks cover them)');
const adminOnly = none('site administrators only; other users get 403 (checked above)');
const accountOnly = none('acts on the signed-in user’s own account; no issuer object in the body');
const anonymous = none('public flow keyed by a secret or a code in the path; no issuer ids in the body');
const designFields = { title: 'Mine now', shape: 'circle', background: '#1d4ed8', border: '#facc15', icon: 'star' };

export const FOREIGN_BODIES: Record<string, ForeignBody> = {
  'POST /signup': anonymous,
  'POST /login': anonymous,
  'POST /logout': anonymous,
  'POST /account/password': accountOnly,
  'POST /account/time-zone': accountOnly,
  'POST /account/tokens': accountOnly,
  'POST /account/tokens/:tokenId/revoke': accountOnly,
  'POST /admin/invitations': adminOnly,
  'POST /manage/issuers': none('creates a new issuer of the user’s own'),
  'POST /manage/issuers/:issuerId': noIds,
  'POST /manage/issuers/:issuerId/certificate': noIds,
  'POST /manage/issuers/:issuerId/certificate/remove': noIds,
  'POST /manage/issuers/:issuerId/members': none('names a person by email (accounts are site-wide), not an issuer’s object'),
  'POST /manage/issuers/:issuerId/members/:userId': pathIdsOnly,
  'POST /manage/issuers/:issuerId/members/:userId/remove': pathIdsOnly,
  'POST /manage/issuers/:issuerId/badges/design': noIds,
  'POST /manage/issuers/:issuerId/badges': { kind: 'names', bodies: (a) => [{ designId: a.designId, name: 'Copied', description: 'Copied', criteriaNarrative: 'Copied' }] },
  'POST /manage/badges/:badgeId': { kind: 'names', bodies: (a) => [{ designId: a.designId, name: 'Copied', description: 'Copied', criteriaNarrative: 'Copied' }] },
  'POST /manage/badges/:badgeId/duplicate': pathIdsOnly,
  'POST /manage/badges/:badgeId/archive': pathIdsOnly,
  'POST /manage/badges/:badgeId/unarchive': pathIdsOnly,
  'POST /manage/badges/:badgeId/delete': pathIdsOnly,
  'POST /manage/badges/:badgeId/award': none('recipients are email addresses; evidence is a URL'),
  'POST /manage/badges/:badgeId/revoke': { kind: 'names', bodies: (a, b) => [{ ids: [a.assertionId], reason: 'Taken' }, { ids: [b.assertionId, a.assertionId], reason: 'Taken' }] },
  'POST /manage/assertions/:assertionId/revoke': pathIdsOnly,
  'POST /manage/badges/:badgeId/award/bulk': none('a CSV file of emails'),
  'POST /manage/badges/:badgeId/award/bulk/:batchId': pathIdsOnly,
  'POST /manage/badges/:badgeId/email': noIds,
  'POST /manage/assertions/:assertionId/resend': pathIdsOnly,
  'POST /manage/assertions/:assertionId/correct': none('a corrected email and name'),
  'POST /manage/badges/:badgeId/sessions': noIds,
  'POST /manage/issuers/:issuerId/wall': noIds,
  'POST /manage/sessions/:sessionId/approve': { kind: 'names', bodies: (a, b) => [{ ids: [a.claimId] }, { ids: [b.claimId, a.claimId] }] },
  'POST /manage/sessions/:sessionId/reject': { kind: 'names', bodies: (a, b) => [{ ids: [a.claimId] }, { ids: [b.claimId, a.claimId] }] },
  'POST /manage/sessions/:sessionId/options': noIds,
  'POST /manage/sessions/:sessionId/close': pathIdsOnly,
  'POST /manage/sessions/:sessionId/claims/:claimId/wall': pathIdsOnly,
  'POST /claim': anonymous,
  'POST /claim/:code': anonymous,
  'POST /learner/sign-in': anonymous,
  'POST /learner/sign-in/:token': anonymous,
  'POST /learner/sign-out': anonymous,
  'POST /learner/collections': none('a name and a description for a new collection of the learner’s own'),
  'POST /learner/collections/:collectionId': { kind: 'names', as: 'otherLearner', bodies: (a) => [{ name: 'Taken', ids: [a.learnerAssertionId] }] },
  'POST /learner/collections/:collectionId/delete': pathIdsOnly,
  'POST /designer': { kind: 'names', bodies: (a, b) => [{ ...designFields, issuerId: a.issuerId }, { ...designFields, issuerId: b.issuerId, name: 'Mine', templateId: a.designId }] },
  'POST /designer/preview': { kind: 'names', bodies: (a) => [{ ...designFields, designId: a.designId }] },
  'POST /manage/designs/:designId': noIds,
  'POST /manage/designs/:designId/duplicate': pathIdsOnly,
  'POST /manage/designs/:designId/template': pathIdsOnly,
  'POST /manage/issuers/:issuerId/canvases': { kind: 'names', bodies: (a) => [{ name: 'Mine', designId: a.designId }, { name: 'Mine', [`pathwayBadges[${a.badgeId}]`]: 'prerequisite' }] },
  'POST /manage/canvases/:canvasId': { kind: 'names', bodies: (a) => [{ name: 'Mine', designId: a.designId }, { name: 'Mine', [`pathwayBadges[${a.badgeId}]`]: 'prerequisite' }] },
  'POST /admin/standards': adminOnly,
  'POST /admin/endorsers': adminOnly,
  'POST /admin/endorsers/:issuerId/remove': adminOnly,
  'POST /admin/alignment-frameworks': adminOnly,
  'POST /admin/alignment-frameworks/:frameworkId/delete': adminOnly,
  'POST /manage/badges/:badgeId/submissions': { kind: 'names', bodies: (a) => [{ standardId: a.standardId, endorserIssuerId: a.issuerId, message: 'Endorse me' }] },
  'POST /manage/submissions/:submissionId/approve': pathIdsOnly,
  'POST /manage/submissions/:submissionId/return': pathIdsOnly,
  'POST /manage/submissions/:submissionId/resubmit': pathIdsOnly,
  'POST /manage/endorsements/:endorsementId/withdraw': pathIdsOnly,
  'POST /manage/issuers/:issuerId/pathways': {
    kind: 'names',
    bodies: (a, b) => [
      { name: 'Mine', badges: a.badgeId, ruleType: 'all' },
      { name: 'Mine', badges: `${b.badgeId}\n${a.componentBadgeId}`, ruleType: 'atLeast', ruleN: '1' },
      { name: 'Mine', badges: b.badgeId, ruleType: 'all', capstoneBadgeId: a.capstoneBadgeId },
      // The same through the list of badges to tick (a hand-made request can tick any id)
      { name: 'Mine', steps: a.badgeId, ruleType: 'all' },
      { name: 'Mine', steps: [b.badgeId, a.componentBadgeId], [`order-${a.componentBadgeId}`]: '1', ruleType: 'atLeast', ruleN: '1' },
    ],
  },
  'POST /manage/pathways/:pathwayId/completions/:completionId/resolve': pathIdsOnly,
  'POST /manage/issuers/:issuerId/agreements': none('names another issuer by design: a request that issuer’s owner must accept (issuers are public)'),
  'POST /manage/agreements/:agreementId/accept': pathIdsOnly,
  'POST /manage/agreements/:agreementId/withdraw': pathIdsOnly,
  'POST /api/v1/badges/:badgeId/assertions/bulk': none('a CSV body of emails'),
  'POST /verify': none('the public verifier reads a badge, whoever issued it; it writes nothing'),
  'POST /api/v1/verify': none('the public verifier reads a badge, whoever issued it; it writes nothing'),
  'POST /api/v1/issuers': none('creates a new issuer of the user’s own'),
  'PATCH /api/v1/issuers/:issuerId': noIds,
  'POST /api/v1/issuers/:issuerId/keys/rotate': pathIdsOnly,
  'POST /api/v1/issuers/:issuerId/badges': noIds,
  'PATCH /api/v1/badges/:badgeId': noIds,
  'DELETE /api/v1/badges/:badgeId': pathIdsOnly,
  'POST /api/v1/badges/:badgeId/assertions': none('recipients are email addresses; evidence is a URL'),
  'POST /api/v1/assertions/:assertionId/revoke': pathIdsOnly,
  'POST /api/v1/assertions/:assertionId/correct': none('a corrected email and name'),
  'POST /api/v1/designs/render': none('renders a design given in the body; writes nothing'),
  'PATCH /api/v1/designs/:designId': noIds,
  'POST /api/v1/issuers/:issuerId/designs': { kind: 'names', bodies: (a) => [{ name: 'Mine', templateId: a.designId, design: designFields }] },
  'POST /api/v1/standards': adminOnly,
  'POST /api/v1/endorsers': adminOnly,
  'POST /api/v1/badges/:badgeId/submissions': { kind: 'names', bodies: (a) => [{ standardId: a.standardId, endorserIssuerId: a.issuerId, message: 'Endorse me' }] },
  'POST /api/v1/submissions/:submissionId/approve': pathIdsOnly,
  'POST /api/v1/submissions/:submissionId/return': pathIdsOnly,
  'POST /api/v1/submissions/:submissionId/resubmit': pathIdsOnly,
  'POST /api/v1/endorsements/:endorsementId/withdraw': pathIdsOnly,
  'POST /api/v1/pathways': {
    kind: 'names',
    bodies: (a, b) => [
      { issuerId: b.issuerId, name: 'Mine', badgeIds: [a.badgeId], rule: { type: 'all' } },
      { issuerId: b.issuerId, name: 'Mine', badgeIds: [b.badgeId, a.componentBadgeId], rule: { type: 'atLeast', n: 1 } },
      { issuerId: b.issuerId, name: 'Mine', badgeIds: [b.badgeId], rule: { type: 'all' }, capstoneBadgeId: a.capstoneBadgeId },
      { issuerId: a.issuerId, name: 'Mine', badgeIds: [b.badgeId], rule: { type: 'all' } },
    ],
  },
  'POST /api/v1/issuers/:issuerId/agreements': none('names another issuer by design: a request that issuer’s owner must accept (issuers are public)'),
  'POST /api/v1/agreements/:agreementId/accept': pathIdsOnly,
  'POST /api/v1/agreements/:agreementId/withdraw': pathIdsOnly,
  'POST /api/v1/badges/:badgeId/sessions': noIds,
  'POST /api/v1/sessions/:sessionId/claims/:claimId/approve': pathIdsOnly,
  'POST /api/v1/sessions/:sessionId/claims/:claimId/decline': pathIdsOnly,
  'POST /api/v1/sessions/:sessionId/close': pathIdsOnly,
};

/** Write routes without a FOREIGN_BODIES line, and lines without a write route. */
export function foreignBodyProblems(routes: Array<{ method: string; path: string }>): string[] {
  const writes = routes.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map(routeKey);
  return [
    ...writes.filter((k) => !FOREIGN_BODIES[k]).map((k) => `Write route ${k} has no line in FOREIGN_BODIES (test/hardening/helpers/route-table.ts): list the bodies that could name another issuer's objects, or why none can.`),
    ...Object.keys(FOREIGN_BODIES).filter((k) => !writes.includes(k)).map((k) => `FOREIGN_BODIES lists ${k}, which is no write route of the router.`),
  ];
}

export const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
export const paramsOf = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);

/** The world object a parameter of this route names (the route's override, else the default). */
export function paramKey(coverage: Coverage | undefined, name: string): keyof Ids | undefined {
  return coverage?.params?.[name] ?? PARAMS[name];
}

/** The path with every parameter filled from `ids` (issuer A's objects, or B's where `ids` has them). */
export function fillPath(path: string, coverage: Coverage | undefined, ids: Partial<Ids>): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => {
    const key = paramKey(coverage, name);
    const value = key ? ids[key] : undefined;
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}

/**
 * Every problem with the table against the routes the app lists: a route without a line, a line without a route,
 * a parameter nobody maps, an issuer route without an id. Empty when the table covers the router exactly.
 */
export function tableProblems(routes: Array<{ method: string; path: string }>): string[] {
  const problems: string[] = [];
  const listed = new Set(routes.map(routeKey));
  for (const route of routes) {
    const key = routeKey(route);
    const coverage = COVERAGE[key];
    if (!coverage) {
      problems.push(
        `New route ${key} is not covered. Add a line for it to COVERAGE in test/hardening/helpers/route-table.ts: ` +
          `{ kind: 'issuer' } if it touches one issuer's data (members of another issuer must get 404), 'account', 'learner', 'admin', ` +
          `or { kind: 'public', reason: '…why anyone may use it…' }.`,
      );
      continue;
    }
    for (const name of paramsOf(route.path)) {
      if (!paramKey(coverage, name)) {
        problems.push(
          `Route ${key} has a parameter :${name} that no world object fills. Add it to PARAMS in test/hardening/helpers/route-table.ts ` +
            `(or to this route's params), and create that object for issuer A in buildWorld (test/hardening/helpers/world.ts).`,
        );
      }
    }
    if (coverage.kind === 'issuer' && paramsOf(route.path).length === 0) {
      problems.push(`Route ${key} is marked issuer-scoped but has no id in its path: mark it 'account' (or 'admin'), or name the id.`);
    }
  }
  for (const key of Object.keys(COVERAGE)) {
    if (!listed.has(key)) problems.push(`COVERAGE lists ${key}, which the router no longer has: remove its line from test/hardening/helpers/route-table.ts.`);
  }
  return problems;
}
