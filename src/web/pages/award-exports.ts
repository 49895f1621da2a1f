import type { Request, Response } from 'express';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { slugOf, streamCsv } from '../csv-download.js';

export function awardExportPages(services: Services) {
  const { awardExports, ctx } = services;
  const today = () => ctx.now().toISOString().slice(0, 10);

  return {
    issuerCsv(_req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      return streamCsv(res, `awards-${slugOf(issuer.name, 'issuer')}-${today()}.csv`, awardExports.issuerCsv(issuer.id));
    },

    badgeCsv(_req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      return streamCsv(res, `awards-${slugOf(badge.name)}-${today()}.csv`, awardExports.badgeCsv(badge.id));
    },
  };
}
