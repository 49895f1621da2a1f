import express from 'express';

import { rateLimit } from 'express-rate-limit';
import type { Config } from '../config.js';
import type { Services } from '../services/index.js';
import { apiTokenAuth, requireAdmin, requireUser, type KilnPassport } from './auth.js';
import { roleGuards } from './guards.js';
import type { PublicCache } from './public-cache.js';
import type { VerifierService } from '../services/verifier.js';
import { verifyRoutes } from './verify.js';
import { accountPages } from './pages/accounts.js';
import { assertionPages } from './pages/assertions.js';
import { badgeClassPages } from './pages/badge-classes.js';
import { homePages } from './pages/home.js';
import { issuerPages } from './pages/issuers.js';
import { publicDocuments } from './public/documents.js';
import { ob3Documents } from './public/ob3.js';
import { signedAssertionDocuments } from './public/signed-assertions.js';
import { keyApi } from './api/keys.js';
import { assertionApi } from './api/assertions.js';
import { badgeClassApi } from './api/badge-classes.js';
import { issuerApi } from './api/issuers.js';
import { apiOnly } from './api/common.js';
import { designPages } from './pages/designs.js';
import { canvasPages } from './pages/canvases.js';
import { designApi } from './api/designs.js';
import { bulkAwardPages } from './pages/bulk-awards.js';
import { bulkAwardApi, csvBody } from './api/bulk-awards.js';
import { mailPages } from './pages/mail.js';
import { correctionPages } from './pages/corrections.js';
import { correctionApi } from './api/corrections.js';
import { claimPages, workshopPages } from './pages/workshops.js';
import { endorsementDocuments } from './public/endorsements.js';
import { endorsementPages } from './pages/endorsements.js';
import { qualityAdminPages } from './pages/quality-admin.js';
import { pathwayPages } from './pages/pathways.js';
import { endorsementApi } from './api/endorsements.js';
import { pathwayApi } from './api/pathways.js';
import { issuerAgreementPages } from './pages/issuer-agreements.js';
import { issuerAgreementApi } from './api/issuer-agreements.js';
import { workshopApi } from './api/workshops.js';
import { certificatePages } from './pages/certificates.js';
import { learnerPages, requireLearner } from './pages/learners.js';
import { keptImagePages } from './pages/form-image.js';
import { dashboardPages } from './pages/dashboards.js';
import { awardExportPages } from './pages/award-exports.js';

export interface RouteDeps {
  services: Services;
  verifier: VerifierService;
  cache: PublicCache;
  passport: KilnPassport;
  config: Config;
}

/** THE route table: every URL, its guards and its handler. */
export function buildRoutes({ services, cache, passport, config, verifier }: RouteDeps) {
  const router = express.Router();
  const { requireIssuerRole, requireBadgeRole } = roleGuards(services);
  const home = homePages(services);
  const accounts = accountPages(services, passport);
  const issuers = issuerPages(services);
  const badges = badgeClassPages(services);
  const awards = assertionPages(services);
  const hosted = publicDocuments(services, cache);
  const ob3 = ob3Documents(services, cache);
  const signed = signedAssertionDocuments(services, cache);
  const keysApi = keyApi(services);
  const designer = { pages: designPages(services), api: designApi(services) };
  const canvas = canvasPages(services);
  const quality = { hosted: endorsementDocuments(services, cache), pages: endorsementPages(services), admin: qualityAdminPages(services), api: endorsementApi(services) };
  const paths = { pages: pathwayPages(services), api: pathwayApi(services) };
  const agreements = { pages: issuerAgreementPages(services), api: issuerAgreementApi(services) };
  const api = { issuers: issuerApi(services), badges: badgeClassApi(services), assertions: assertionApi(services) };
  const bulk = { pages: bulkAwardPages(services), api: bulkAwardApi(services) };
  const mail = mailPages(services);
  const corrections = { pages: correctionPages(services), api: correctionApi(services) };
  const workshops = workshopPages(services);
  const claims = claimPages(services);
  const workshopsApi = workshopApi(services);
  const certificates = certificatePages(services);
  const learner = learnerPages(services);
  const keptImages = keptImagePages(services);
  const dashboards = dashboardPages(services);
  const awardCsv = awardExportPages(services);
  const signInLimit = rateLimit({ windowMs: 60_000, limit: 30, handler: accounts.tooManyAttempts });
  // Claims: every request at 120 a minute per address (a classroom shares one address), failed ones at 30.
  const claimLimit = rateLimit({ windowMs: 60_000, limit: 120, handler: accounts.tooManyAttempts });
  const claimFailLimit = rateLimit({ windowMs: 60_000, limit: 30, skipSuccessfulRequests: true, handler: accounts.tooManyAttempts });

  // Failed logins answer 401, so only they count: 10 per 15 minutes per address.
  const loginLimit = rateLimit({ windowMs: 15 * 60_000, limit: 10, skipSuccessfulRequests: true, handler: accounts.tooManyAttempts });
  const signupLimit = rateLimit({ windowMs: 60_000, limit: 30, handler: accounts.tooManyAttempts });

  // Public: what visitors, learners and verifiers see. Hosted documents negotiate JSON-LD or HTML.
  router.get('/', home.index);
  router.get('/issuers/:issuerId', hosted.issuer);
  router.get('/issuers/:issuerId/image', hosted.issuerImage);
  router.get('/issuers/:issuerId/revocations', hosted.revocations);
  // Signed 2.0 badges: the issuer's RSA public key (CryptographicKey), their verification.creator
  router.get('/issuers/:issuerId/public-keys/:keyId', signed.publicKey);
  router.get('/badges/:badgeId', hosted.badgeClass);
  router.get('/badges/:badgeId/image', hosted.badgeImage);
  router.get('/badges/:badgeId/image.svg', hosted.badgeImageSvg);
  router.get('/assertions/:assertionId', hosted.assertion);
  router.get('/assertions/:assertionId/baked.png', hosted.bakedPng);
  router.get('/assertions/:assertionId/baked.svg', hosted.bakedSvg);
  router.get('/assertions/:assertionId/assertion.json', hosted.assertionFile);
  // Open Badges 3.0: the same records as signed verifiable credentials, at their own ids.
  router.get('/issuers/:issuerId/ob3', ob3.issuerProfile);
  router.get('/issuers/:issuerId/ob3/keys/:keyId', ob3.verificationMethod);
  router.get('/issuers/:issuerId/status/revocation', ob3.statusList);
  router.get('/badges/:badgeId/ob3', ob3.achievement);
  router.get('/credentials/:assertionId', ob3.credential);
  router.get('/credentials/:assertionId/credential.json', ob3.credentialFile);
  router.get('/credentials/:assertionId/baked.png', ob3.bakedPng);
  router.get('/credentials/:assertionId/baked.svg', ob3.bakedSvg);
  // Endorsements (hosted OB 2.0 documents, 410 once withdrawn) and public pathway maps
  router.get('/endorsements/:endorsementId', quality.hosted.endorsement);
  router.get('/endorsements/:endorsementId/ob3', quality.hosted.endorsementCredential);
  router.get('/pathways/:pathwayId', quality.hosted.pathway);

  // Accounts
  router.get('/signup', accounts.signupForm);
  router.post('/signup', signupLimit, accounts.signup);
  router.get('/login', accounts.loginForm);
  router.post('/login', loginLimit, accounts.login);
  router.post('/logout', accounts.logout);
  router.get('/account', requireUser, accounts.settings);
  router.post('/account/password', requireUser, accounts.changePassword);
  router.post('/account/time-zone', requireUser, accounts.chooseTimeZone);
  router.post('/account/tokens', requireUser, accounts.createToken);
  router.post('/account/tokens/:tokenId/revoke', requireUser, accounts.revokeToken);
  router.get('/admin', requireUser, requireAdmin, accounts.admin);
  router.post('/admin/invitations', requireUser, requireAdmin, accounts.createInvitation);

  // Managing issuers and badge classes (signed in, role-checked)
  router.get('/manage', requireUser, issuers.dashboard);
  router.get('/manage/issuers/new', requireUser, issuers.newForm);
  router.post('/manage/issuers', requireUser, issuers.create);
  router.get('/manage/issuers/:issuerId', requireUser, requireIssuerRole('awarder'), issuers.show);
  // The issuer's dashboard (charts with their tables) and one search over its badges and awards
  router.get('/manage/issuers/:issuerId/dashboard', requireUser, requireIssuerRole('awarder'), dashboards.issuer);
  router.get('/manage/issuers/:issuerId/search', requireUser, requireIssuerRole('awarder'), dashboards.search);
  router.get('/manage/issuers/:issuerId/edit', requireUser, requireIssuerRole('owner'), issuers.editForm);
  router.post('/manage/issuers/:issuerId', requireUser, requireIssuerRole('owner'), issuers.update);
  router.post('/manage/issuers/:issuerId/members', requireUser, requireIssuerRole('owner'), issuers.addMember);
  router.get('/manage/issuers/:issuerId/certificate', requireUser, requireIssuerRole('owner'), certificates.signatureForm);
  router.post('/manage/issuers/:issuerId/certificate', requireUser, requireIssuerRole('owner'), certificates.saveSignature);
  router.post('/manage/issuers/:issuerId/certificate/remove', requireUser, requireIssuerRole('owner'), certificates.removeSignature);
  router.post('/manage/issuers/:issuerId/members/:userId', requireUser, requireIssuerRole('owner'), issuers.changeRole);
  router.post('/manage/issuers/:issuerId/members/:userId/remove', requireUser, requireIssuerRole('owner'), issuers.removeMember);
  router.get('/manage/issuers/:issuerId/badges/new', requireUser, requireIssuerRole('editor'), badges.newForm);
  router.post('/manage/issuers/:issuerId/badges', requireUser, requireIssuerRole('editor'), badges.create);
  router.post('/manage/issuers/:issuerId/badges/design', requireUser, requireIssuerRole('editor'), badges.designImage);
  router.get('/manage/badges/:badgeId', requireUser, requireBadgeRole('awarder'), badges.show);
  router.get('/manage/badges/:badgeId/edit', requireUser, requireBadgeRole('editor'), badges.editForm);
  router.post('/manage/badges/:badgeId', requireUser, requireBadgeRole('editor'), badges.update);
  router.post('/manage/badges/:badgeId/duplicate', requireUser, requireBadgeRole('editor'), badges.duplicate);
  router.post('/manage/badges/:badgeId/archive', requireUser, requireBadgeRole('editor'), badges.archive);
  router.post('/manage/badges/:badgeId/unarchive', requireUser, requireBadgeRole('editor'), badges.unarchive);
  router.post('/manage/badges/:badgeId/delete', requireUser, requireBadgeRole('editor'), badges.remove);
  // An image kept from a form that came back with errors (only to the session that uploaded it)
  router.get('/manage/kept-uploads/:keptId/image.png', requireUser, keptImages.preview);

  // Awarding and revoking (awarders and up)
  router.get('/manage/badges/:badgeId/award', requireUser, requireBadgeRole('awarder'), awards.awardForm);
  router.post('/manage/badges/:badgeId/award', requireUser, requireBadgeRole('awarder'), awards.award);
  router.post('/manage/badges/:badgeId/revoke', requireUser, requireBadgeRole('awarder'), awards.revokeSelected);
  router.get('/manage/issuers/:issuerId/awards', requireUser, requireIssuerRole('awarder'), awards.issuerAwards);
  // Every award as CSV, for whoever may see the award lists
  router.get('/manage/issuers/:issuerId/awards.csv', requireUser, requireIssuerRole('awarder'), awardCsv.issuerCsv);
  router.get('/manage/badges/:badgeId/awards.csv', requireUser, requireBadgeRole('awarder'), awardCsv.badgeCsv);
  router.get('/manage/assertions/:assertionId', requireUser, awards.show);
  router.post('/manage/assertions/:assertionId/revoke', requireUser, awards.revoke);

  // Bulk awards from a CSV file: upload and check every line, confirm, then the result and its CSV
  router.get('/manage/badges/:badgeId/award/bulk', requireUser, requireBadgeRole('awarder'), bulk.pages.uploadForm);
  router.post('/manage/badges/:badgeId/award/bulk', requireUser, requireBadgeRole('awarder'), bulk.pages.preview);
  // Before the :batchId routes, which would take "template.csv" for a batch id
  router.get('/manage/badges/:badgeId/award/bulk/template.csv', requireUser, requireBadgeRole('awarder'), bulk.pages.template);
  router.post('/manage/badges/:badgeId/award/bulk/:batchId', requireUser, requireBadgeRole('awarder'), bulk.pages.confirm);
  router.get('/manage/badges/:badgeId/award/bulk/:batchId', requireUser, requireBadgeRole('awarder'), bulk.pages.result);
  router.get('/manage/badges/:badgeId/award/bulk/:batchId/result.csv', requireUser, requireBadgeRole('awarder'), bulk.pages.resultCsv);
  router.get('/manage/badges/:badgeId/award/bulk/:batchId/to-fix.csv', requireUser, requireBadgeRole('awarder'), bulk.pages.rejectedCsv);

  // Award emails: the text per badge class, resending, and the outbox (site admins read it when SMTP_URL is unset)
  router.get('/manage/badges/:badgeId/email', requireUser, requireBadgeRole('editor'), mail.templateForm);
  router.post('/manage/badges/:badgeId/email', requireUser, requireBadgeRole('editor'), mail.saveTemplate);
  router.post('/manage/assertions/:assertionId/resend', requireUser, mail.resend);
  router.post('/manage/assertions/:assertionId/correct', requireUser, corrections.pages.correct);
  router.get('/admin/outbox', requireUser, requireAdmin, mail.outbox);
  router.get('/admin/outbox/:messageId', requireUser, requireAdmin, mail.message);

  // Workshop sessions: the facilitator's roster (polled as JSON), projector page, approval, walls
  router.get('/manage/badges/:badgeId/sessions/new', requireUser, requireBadgeRole('awarder'), workshops.newForm);
  router.post('/manage/badges/:badgeId/sessions', requireUser, requireBadgeRole('awarder'), workshops.create);
  router.get('/manage/issuers/:issuerId/sessions', requireUser, requireIssuerRole('awarder'), workshops.list);
  router.post('/manage/issuers/:issuerId/wall', requireUser, requireIssuerRole('editor'), workshops.issuerWall);
  router.get('/manage/sessions/:sessionId', requireUser, workshops.show);
  router.get('/manage/sessions/:sessionId/roster.json', requireUser, workshops.rosterJson);
  router.get('/manage/sessions/:sessionId/projector', requireUser, workshops.projector);
  router.post('/manage/sessions/:sessionId/approve', requireUser, workshops.approve);
  router.post('/manage/sessions/:sessionId/reject', requireUser, workshops.reject);
  router.post('/manage/sessions/:sessionId/options', requireUser, workshops.options);
  router.post('/manage/sessions/:sessionId/close', requireUser, workshops.close);
  router.post('/manage/sessions/:sessionId/claims/:claimId/wall', requireUser, workshops.wallVisibility);

  // Learners claim with a code (never logged: see redact-url.ts) and keep a private link; public walls
  router.get('/claim', claims.enterForm);
  router.post('/claim', claimLimit, claimFailLimit, claims.enter);
  router.get('/claim/:code', claimLimit, claimFailLimit, claims.form);
  router.post('/claim/:code', claimLimit, claimFailLimit, claims.claim);
  router.get('/claimed/:token', claimLimit, claimFailLimit, claims.status);
  // Polled by claim-status.js while the learner waits: a room of learners shares one address, so only failures are limited
  router.get('/claimed/:token/status.json', claimFailLimit, claims.statusJson);
  router.get('/claimed/:token/certificate', claimLimit, claimFailLimit, certificates.forClaim);
  router.get('/manage/assertions/:assertionId/certificate', requireUser, certificates.forAwarder);
  router.get('/sessions/:sessionId/wall', claims.sessionWall);
  router.get('/issuers/:issuerId/wall', claims.issuerWall);

  // Learners: sign in with a single-use emailed link, see and download their awards, share collections
  router.get('/learner', learner.home);
  router.post('/learner/sign-in', signInLimit, learner.requestLink);
  router.get('/learner/sign-in/:token', signInLimit, learner.linkPage);
  router.post('/learner/sign-in/:token', signInLimit, learner.useLink);
  router.post('/learner/sign-out', learner.signOut);
  router.get('/learner/awards/:assertionId/certificate', requireLearner, learner.certificate);
  router.post('/learner/collections', requireLearner, learner.createCollection);
  router.get('/learner/collections/:collectionId', requireLearner, learner.editCollection);
  router.post('/learner/collections/:collectionId', requireLearner, learner.updateCollection);
  router.post('/learner/collections/:collectionId/delete', requireLearner, learner.deleteCollection);
  router.get('/collections/:collectionId', learner.publicCollection);

  // Badge designer (any signed-in user may design; saving needs an editor role on the chosen issuer) and saved designs
  router.get('/designer', requireUser, designer.pages.designer);
  router.post('/designer', requireUser, designer.pages.create);
  router.post('/designer/preview', requireUser, designer.pages.preview);
  router.get('/designer/icons', requireUser, designer.pages.icons);
  router.get('/designer/icons/:name.svg', designer.pages.icon);
  router.get('/designer/templates', requireUser, designer.pages.templates);
  router.get('/manage/issuers/:issuerId/designs', requireUser, requireIssuerRole('awarder'), designer.pages.list);
  router.get('/manage/designs/:designId', requireUser, designer.pages.show);
  router.get('/manage/designs/:designId/image.png', requireUser, designer.pages.image('png'));
  router.get('/manage/designs/:designId/image.svg', requireUser, designer.pages.image('svg'));
  router.get('/manage/designs/:designId/edit', requireUser, designer.pages.editForm);
  router.post('/manage/designs/:designId', requireUser, designer.pages.update);
  router.post('/manage/designs/:designId/duplicate', requireUser, designer.pages.duplicate);
  router.post('/manage/designs/:designId/template', requireUser, designer.pages.setTemplate);

  // Badge Canvas planner: one canvas per badge idea, printable for workshop tables
  router.get('/manage/issuers/:issuerId/canvases', requireUser, requireIssuerRole('awarder'), canvas.list);
  router.get('/manage/issuers/:issuerId/canvases/new', requireUser, requireIssuerRole('editor'), canvas.newForm);
  router.post('/manage/issuers/:issuerId/canvases', requireUser, requireIssuerRole('editor'), canvas.create);
  router.get('/manage/canvases/:canvasId', requireUser, canvas.editForm);
  router.post('/manage/canvases/:canvasId', requireUser, canvas.update);
  router.get('/manage/canvases/:canvasId/print', requireUser, canvas.print);

  // Quality standards, review and endorsement: site admins define standards, endorsers and frameworks; facilitators
  // submit badges; the endorser's members review (never their own submission); every action is in the audit log
  router.get('/admin/standards', requireUser, requireAdmin, quality.admin.standards);
  router.post('/admin/standards', requireUser, requireAdmin, quality.admin.createStandard);
  router.post('/admin/endorsers', requireUser, requireAdmin, quality.admin.addEndorser);
  router.post('/admin/endorsers/:issuerId/remove', requireUser, requireAdmin, quality.admin.removeEndorser);
  router.get('/admin/alignment-frameworks', requireUser, requireAdmin, quality.admin.frameworks);
  router.post('/admin/alignment-frameworks', requireUser, requireAdmin, quality.admin.loadFramework);
  router.post('/admin/alignment-frameworks/:frameworkId/delete', requireUser, requireAdmin, quality.admin.removeFramework);
  router.get('/manage/badges/:badgeId/quality', requireUser, requireBadgeRole('awarder'), quality.pages.quality);
  router.post('/manage/badges/:badgeId/submissions', requireUser, requireBadgeRole('editor'), quality.pages.submit);
  router.get('/manage/reviews', requireUser, quality.pages.myQueue);
  router.get('/manage/issuers/:issuerId/reviews', requireUser, requireIssuerRole('awarder'), quality.pages.issuerQueue);
  router.get('/manage/submissions/:submissionId', requireUser, quality.pages.submission);
  router.post('/manage/submissions/:submissionId/approve', requireUser, quality.pages.approve);
  router.post('/manage/submissions/:submissionId/return', requireUser, quality.pages.returnSubmission);
  router.post('/manage/submissions/:submissionId/resubmit', requireUser, quality.pages.resubmit);
  router.post('/manage/endorsements/:endorsementId/withdraw', requireUser, quality.pages.withdraw);

  // Pathways: badges from any issuer on this Kiln with a completion rule; the capstone is awarded in the award transaction
  router.get('/manage/issuers/:issuerId/pathways', requireUser, requireIssuerRole('awarder'), paths.pages.list);
  router.get('/manage/issuers/:issuerId/pathways/new', requireUser, requireIssuerRole('editor'), paths.pages.newForm);
  router.post('/manage/issuers/:issuerId/pathways', requireUser, requireIssuerRole('editor'), paths.pages.create);
  router.get('/manage/pathways/:pathwayId', requireUser, paths.pages.show);
  router.post('/manage/pathways/:pathwayId/completions/:completionId/resolve', requireUser, paths.pages.resolve);
  // Cross-issuer agreements: another issuer's badges count as pathway steps only once its owner accepts (owners only)
  router.get('/manage/issuers/:issuerId/agreements', requireUser, requireIssuerRole('owner'), agreements.pages.list);
  router.post('/manage/issuers/:issuerId/agreements', requireUser, requireIssuerRole('owner'), agreements.pages.request);
  router.post('/manage/agreements/:agreementId/accept', requireUser, agreements.pages.accept);
  router.post('/manage/agreements/:agreementId/withdraw', requireUser, agreements.pages.withdraw);

  // JSON API: bearer tokens only; errors are {"error":{code,message,details}}
  const v1 = express.Router();
  v1.use(apiTokenAuth(services.accounts), apiOnly);
  v1.get('/issuers', api.issuers.list);
  v1.post('/issuers', api.issuers.create);
  v1.get('/issuers/:issuerId', api.issuers.get);
  v1.patch('/issuers/:issuerId', api.issuers.update);
  v1.get('/issuers/:issuerId/keys', keysApi.list);
  v1.post('/issuers/:issuerId/keys/rotate', keysApi.rotate);
  v1.get('/issuers/:issuerId/badges', api.badges.listForIssuer);
  v1.post('/issuers/:issuerId/badges', api.badges.create);
  v1.get('/badges/:badgeId', api.badges.get);
  v1.patch('/badges/:badgeId', api.badges.update);
  v1.delete('/badges/:badgeId', api.badges.remove);
  v1.get('/badges/:badgeId/assertions', api.assertions.list);
  v1.post('/badges/:badgeId/assertions', api.assertions.create);
  v1.get('/assertions/:assertionId', api.assertions.get);
  v1.post('/assertions/:assertionId/revoke', api.assertions.revoke);
  v1.post('/assertions/:assertionId/correct', corrections.api.correct);
  v1.post('/designs/render', designer.api.render);
  v1.get('/designs/templates', designer.api.templates);
  v1.get('/designs/:designId', designer.api.get);
  v1.patch('/designs/:designId', designer.api.update);
  v1.get('/issuers/:issuerId/designs', designer.api.list);
  v1.post('/issuers/:issuerId/designs', designer.api.create);
  v1.get('/standards', quality.api.listStandards);
  v1.post('/standards', quality.api.createStandard);
  v1.post('/endorsers', quality.api.addEndorser);
  v1.get('/badges/:badgeId/submissions', quality.api.listForBadge);
  v1.post('/badges/:badgeId/submissions', quality.api.submit);
  v1.get('/submissions/:submissionId', quality.api.getSubmission);
  v1.post('/submissions/:submissionId/approve', quality.api.approve);
  v1.post('/submissions/:submissionId/return', quality.api.returnSubmission);
  v1.post('/submissions/:submissionId/resubmit', quality.api.resubmit);
  v1.post('/endorsements/:endorsementId/withdraw', quality.api.withdraw);
  v1.post('/pathways', paths.api.create);
  v1.get('/pathways/:pathwayId', paths.api.get);
  v1.get('/issuers/:issuerId/agreements', agreements.api.list);
  v1.post('/issuers/:issuerId/agreements', agreements.api.request);
  v1.post('/agreements/:agreementId/accept', agreements.api.accept);
  v1.post('/agreements/:agreementId/withdraw', agreements.api.withdraw);
  // Workshop claim sessions (awarders and up): the claim code is in the bodies, never in an API URL
  v1.post('/badges/:badgeId/sessions', workshopsApi.create);
  v1.get('/badges/:badgeId/sessions', workshopsApi.list);
  v1.get('/sessions/:sessionId', workshopsApi.get);
  v1.post('/sessions/:sessionId/claims/:claimId/approve', workshopsApi.approve);
  v1.post('/sessions/:sessionId/claims/:claimId/decline', workshopsApi.decline);
  v1.post('/sessions/:sessionId/close', workshopsApi.close);
  // A CSV body, not JSON: registered before the v1 router, whose JSON-only check would refuse it.
  router.post('/api/v1/badges/:badgeId/assertions/bulk', apiTokenAuth(services.accounts), bulk.api.requireAwarder, csvBody, bulk.api.create);
  // The public verifier: before the token-only v1 router, since anyone may verify a badge.
  router.use(verifyRoutes({ verifier }));
  router.use('/api/v1', v1);

  void config;
  return Object.assign(router, { listRoutes: () => [...routesOf(router, '', v1), ...routesOf(v1, '/api/v1', v1)] });
}

export interface RouteInfo {
  method: string;
  path: string;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * Every method and path registered on a router, read from the router itself (tests enumerate them).
 * Routers mounted at the root (router.use(subRouter)) are included; `mounted` (v1) is listed with its own prefix.
 */
function routesOf(router: express.Router, prefix: string, mounted: express.Router): RouteInfo[] {
  const stack = (router as unknown as { stack: Layer[] }).stack;
  return stack.flatMap((layer): RouteInfo[] => {
    if (layer.route) {
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((m) => ({ method: m.toUpperCase(), path: prefix + layer.route!.path }));
    }
    const sub = layer.handle;
    if (sub?.stack && sub !== (mounted as unknown)) return routesOf(sub as unknown as express.Router, prefix, mounted);
    return [];
  });
}
