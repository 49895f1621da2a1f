import { accountsService } from './accounts.js';
import { assertionsService } from './assertions.js';
import { badgeClassesService } from './badge-classes.js';
import { canvasesService } from './canvases.js';
import { bulkAwardsService } from './bulk-awards.js';
import type { ServiceContext } from './context.js';
import { designsService } from './designs.js';
import { issuersService } from './issuers.js';
import { mailService } from './mail.js';

export function createServices(ctx: ServiceContext) {
  const accounts = accountsService(ctx);
  const issuers = issuersService(ctx);
  const badgeClasses = badgeClassesService(ctx, issuers);
  const mail = mailService(ctx, issuers);
  const assertions = assertionsService(ctx, badgeClasses, mail);
  const bulkAwards = bulkAwardsService(ctx, badgeClasses, assertions);
  const designs = designsService(ctx, issuers);
  const canvases = canvasesService(ctx, issuers);
  return { ctx, accounts, issuers, badgeClasses, assertions, mail, bulkAwards, designs, canvases };
}

export type Services = ReturnType<typeof createServices>;
