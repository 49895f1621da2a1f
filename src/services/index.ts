import { accountsService } from './accounts.js';
import { assertionsService } from './assertions.js';
import { badgeClassesService } from './badge-classes.js';
import type { ServiceContext } from './context.js';
import { issuersService } from './issuers.js';

export function createServices(ctx: ServiceContext) {
  const accounts = accountsService(ctx);
  const issuers = issuersService(ctx);
  const badgeClasses = badgeClassesService(ctx, issuers);
  const assertions = assertionsService(ctx, badgeClasses);
  return { ctx, accounts, issuers, badgeClasses, assertions };
}

export type Services = ReturnType<typeof createServices>;
