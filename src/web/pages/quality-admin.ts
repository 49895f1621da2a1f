import type { Request, Response } from 'express';
import type { Services } from '../../services/index.js';
import { decodeCsv } from '../../services/bulk-awards.js';
import { QUALITY_CHECKS } from '../../services/quality-standards.js';
import { currentUser } from '../auth.js';
import { field, formContext } from '../forms.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** The standard form: a checkbox per automatic check, a word count, and one judgement rule per line. */
export function standardFormInput(b: Record<string, unknown>) {
  const checks = list(b.checks);
  const minWords = field(b, 'minWords').trim();
  return {
    name: field(b, 'name'),
    description: field(b, 'description'),
    rules: [
      ...checks.map((check) => ({
        type: 'automatic' as const,
        check,
        ...(check === 'criteriaNarrative' && minWords !== '' ? { minWords: /^\d+$/.test(minWords) ? Number(minWords) : Number.NaN } : {}),
      })),
      ...field(b, 'judgements')
        .split(/\r?\n/)
        .map((g) => g.trim())
        .filter(Boolean)
        .map((guidance) => ({ type: 'judgement' as const, guidance })),
    ],
  };
}

/** Site administration of the shared quality: standards, endorsers and alignment frameworks. */
export function qualityAdminPages(services: Services) {
  const { standards, alignmentFrameworks } = services;

  const standardsLocals = () => ({
    title: 'Quality standards',
    standards: standards.list(),
    checks: QUALITY_CHECKS,
    endorsers: standards.endorsers(),
    issuers: standards.allIssuers(),
  });
  const frameworkLocals = () => ({ title: 'Alignment frameworks', frameworks: alignmentFrameworks.list() });

  return {
    standards(req: Request, res: Response) {
      res.render('quality/standards', { ...standardsLocals(), values: { checks: [], minWords: '50' }, notice: noticeOf(req) });
    },

    createStandard(req: Request, res: Response) {
      formContext(res, 'quality/standards', standardsLocals(), { ...body(req), checks: list(body(req).checks) });
      standards.create(currentUser(req).id, standardFormInput(body(req)));
      res.redirect(303, '/admin/standards?notice=standard-added');
    },

    addEndorser(req: Request, res: Response) {
      formContext(res, 'quality/standards', standardsLocals(), { checks: [], minWords: '50', issuerId: field(body(req), 'issuerId') });
      standards.setEndorser(currentUser(req).id, field(body(req), 'issuerId'), true);
      res.redirect(303, '/admin/standards?notice=endorser-added#endorsers-h');
    },

    removeEndorser(req: Request, res: Response) {
      standards.setEndorser(currentUser(req).id, String(req.params.issuerId), false);
      res.redirect(303, '/admin/standards?notice=endorser-removed#endorsers-h');
    },

    frameworks(req: Request, res: Response) {
      res.render('quality/frameworks', { ...frameworkLocals(), values: {}, notice: noticeOf(req) });
    },

    loadFramework(req: Request, res: Response) {
      const b = body(req);
      formContext(res, 'quality/frameworks', frameworkLocals(), b);
      // The CSV arrives as a file or pasted into the text area.
      const file = (req.files as Record<string, Express.Multer.File[]> | undefined)?.csv?.[0];
      // A file is read as the bulk award CSV is: UTF-8 text only (binary and other encodings are refused).
      const csv = file && file.size > 0 ? decodeCsv(file.buffer) : field(b, 'csvText');
      alignmentFrameworks.load(currentUser(req).id, { name: field(b, 'name'), url: field(b, 'url'), csv });
      res.redirect(303, '/admin/alignment-frameworks?notice=loaded');
    },

    removeFramework(req: Request, res: Response) {
      alignmentFrameworks.remove(currentUser(req).id, String(req.params.frameworkId));
      res.redirect(303, '/admin/alignment-frameworks?notice=removed');
    },
  };
}

const noticeOf = (req: Request) => (typeof req.query.notice === 'string' ? req.query.notice : null);
