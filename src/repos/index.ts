import type { Db } from '../db/database.js';
import { apiTokensRepo } from './api-tokens.js';
import { assertionsRepo } from './assertions.js';
import { badgeClassesRepo } from './badge-classes.js';
import { invitationsRepo } from './invitations.js';
import { issuersRepo } from './issuers.js';
import { sessionsRepo } from './sessions.js';
import { usersRepo } from './users.js';

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
  };
}

export type Repos = ReturnType<typeof createRepos>;
