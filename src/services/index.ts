import { accountsService } from './accounts.js';
import { assertionsService, createAwardHooks } from './assertions.js';
import { badgeClassesService } from './badge-classes.js';
import { bulkAwardsService } from './bulk-awards.js';
import { canvasesService } from './canvases.js';
import type { ServiceContext } from './context.js';
import { designsService } from './designs.js';
import { issuersService } from './issuers.js';
import { credentialsService } from './credentials.js';
import { keysService } from './keys.js';
import { signedAssertionsService } from './signed-assertions.js';
import { mailService } from './mail.js';
import { correctionsService } from './corrections.js';
import { workshopsService } from './workshops.js';
import { qualityStandardsService } from './quality-standards.js';
import { endorsementsService } from './endorsements.js';
import { pathwaysService } from './pathways.js';
import { alignmentFrameworksService } from './alignment-frameworks.js';
import { learnersService } from './learners.js';
import { issuerAgreementsService } from './issuer-agreements.js';
import { keptUploadsService } from './kept-uploads.js';
import { preferencesService } from './preferences.js';
import { certificatesService } from './certificates.js';
import { dashboardsService } from './dashboards.js';
import { awardExportsService } from './award-exports.js';

export function createServices(ctx: ServiceContext) {
  const accounts = accountsService(ctx);
  const keys = keysService(ctx);
  const issuers = issuersService(ctx, keys);
  const badgeClasses = badgeClassesService(ctx, issuers);
  const mail = mailService(ctx, issuers);
  // Extension point of the award transaction: pathways register their capstone and flagging callbacks here.
  const awardHooks = createAwardHooks();
  // Issuers that sign their 2.0 assertions get an RS256 JWS in every baked badge (and in their revocation list).
  const signedAssertions = signedAssertionsService(ctx, { keys, badgeClasses });
  const assertions = signedAssertions.signing(assertionsService(ctx, badgeClasses, mail, awardHooks));
  const bulkAwards = bulkAwardsService(ctx, badgeClasses, assertions);
  const corrections = correctionsService(ctx, assertions, mail);
  const workshops = workshopsService(ctx, issuers, badgeClasses, assertions);
  const learners = learnersService(ctx, mail);
  const designs = designsService(ctx, issuers);
  const canvases = canvasesService(ctx, issuers);
  const credentials = credentialsService(ctx, { issuers, badgeClasses, assertions, keys });
  const standards = qualityStandardsService(ctx);
  const endorsements = endorsementsService(ctx, { issuers, badgeClasses, standards, keys });
  const pathways = pathwaysService(ctx, { issuers, badgeClasses, assertions, mail }, awardHooks);
  const alignmentFrameworks = alignmentFrameworksService(ctx);
  const issuerAgreements = issuerAgreementsService(ctx, { issuers, pathways });
  const keptUploads = keptUploadsService(ctx);
  const preferences = preferencesService(ctx);
  const certificates = certificatesService(ctx, issuers);
  const dashboards = dashboardsService(ctx);
  const awardExports = awardExportsService(ctx);
  return { ctx, signedAssertions, accounts, issuers, badgeClasses, assertions, mail, bulkAwards, corrections, workshops, learners, designs, canvases, keys, credentials, standards, endorsements, pathways, issuerAgreements, alignmentFrameworks, keptUploads, preferences, certificates, dashboards, awardExports };
}

export type Services = ReturnType<typeof createServices>;
