import type { Db } from '../db/database.js';
import { apiTokensRepo } from './api-tokens.js';
import { assertionCorrectionsRepo } from './assertion-corrections.js';
import { awardBatchesRepo } from './award-batches.js';
import { awardEmailTemplatesRepo } from './award-email-templates.js';
import { claimsRepo } from './claims.js';
import { learnersRepo } from './learners.js';
import { outboxRepo } from './outbox.js';
import { workshopSessionsRepo } from './workshop-sessions.js';
import { assertionsRepo } from './assertions.js';
import { badgeClassesRepo } from './badge-classes.js';
import { canvasesRepo } from './canvases.js';
import { designsRepo } from './designs.js';
import { invitationsRepo } from './invitations.js';
import { issuersRepo } from './issuers.js';
import { sessionsRepo } from './sessions.js';
import { usersRepo } from './users.js';
import { credentialsRepo } from './credentials.js';
import { issuerKeysRepo } from './issuer-keys.js';
import { issuerRsaKeysRepo } from './issuer-rsa-keys.js';
import { statusListsRepo } from './status-lists.js';
import { qualityStandardsRepo } from './quality-standards.js';
import { endorsementsRepo } from './endorsements.js';
import { pathwaysRepo } from './pathways.js';
import { issuerAgreementsRepo } from './issuer-agreements.js';
import { loginFailuresRepo } from './login-failures.js';
import { alignmentFrameworksRepo } from './alignment-frameworks.js';
import { publicChangesRepo } from './public-changes.js';

/** Every prepared statement, made once per connection. */
export function createRepos(db: Db) {
  return {
    users: usersRepo(db),
    sessions: sessionsRepo(db),
    apiTokens: apiTokensRepo(db),
    invitations: invitationsRepo(db),
    issuers: issuersRepo(db),
    badgeClasses: badgeClassesRepo(db),
    assertions: assertionsRepo(db),
    issuerKeys: issuerKeysRepo(db),
    issuerRsaKeys: issuerRsaKeysRepo(db),
    credentials: credentialsRepo(db),
    statusLists: statusListsRepo(db),
    qualityStandards: qualityStandardsRepo(db),
    endorsements: endorsementsRepo(db),
    pathways: pathwaysRepo(db),
    issuerAgreements: issuerAgreementsRepo(db),
    loginFailures: loginFailuresRepo(db),
    alignmentFrameworks: alignmentFrameworksRepo(db),
    awardBatches: awardBatchesRepo(db),
    awardEmailTemplates: awardEmailTemplatesRepo(db),
    outbox: outboxRepo(db),
    assertionCorrections: assertionCorrectionsRepo(db),
    workshopSessions: workshopSessionsRepo(db),
    claims: claimsRepo(db),
    learners: learnersRepo(db),
    designs: designsRepo(db),
    canvases: canvasesRepo(db),
    publicChanges: publicChangesRepo(db),
  };
}

export type Repos = ReturnType<typeof createRepos>;
