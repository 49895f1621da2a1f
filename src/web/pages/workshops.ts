import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { notFound } from '../../errors.js';
import type { BadgeClass } from '../../repos/badge-classes.js';
import type { Claim } from '../../repos/claims.js';
import type { Issuer } from '../../repos/issuers.js';
import type { Services } from '../../services/index.js';
import { DURATIONS_MINUTES, displayCode } from '../../services/workshops.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { pageQuery } from './form-input.js';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
const idsOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);

const DURATION_LABELS: Record<number, string> = {
  30: '30 minutes',
  60: '1 hour',
  120: '2 hours',
  180: '3 hours',
  480: '8 hours',
  1440: '1 day',
  10080: '7 days',
};

/** A QR code as an SVG data URI (img-src allows data:, so no inline markup is needed). */
async function qrDataUri(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** What the roster shows and polls: never the private link. */
const rosterItem = (c: Claim) => ({
  id: c.id,
  name: c.name,
  email: c.email,
  status: c.status,
  wallConsent: c.wallConsent,
  wallHidden: c.wallHidden,
  assertionId: c.assertionId,
  createdAt: c.createdAt,
});

export function workshopPages(services: Services) {
  const { workshops, ctx } = services;
  const claimUrl = (code: string) => `${ctx.config.publicUrl}/claim/${code}`;

  const newLocals = (badge: BadgeClass, issuer: Issuer) => ({
    title: `Open a workshop session · ${badge.name}`,
    badge,
    issuer,
    urls: ctx.urls,
    durations: DURATIONS_MINUTES.map((m) => ({ value: String(m), label: DURATION_LABELS[m] })),
  });

  function sessionLocals(req: Request) {
    const { session, badge, issuer } = workshops.requireSession(String(req.params.sessionId), currentUser(req).id);
    const claims = workshops.roster(session.id);
    return {
      title: `${session.title} · workshop session`,
      session,
      badge,
      issuer,
      state: workshops.stateOf(session),
      code: displayCode(session.code),
      claimUrl: claimUrl(session.code),
      claims: claims.map(rosterItem),
      pending: claims.filter((c) => c.status === 'pending').length,
      urls: ctx.urls,
      notice: typeof req.query.notice === 'string' ? req.query.notice : null,
    };
  }

  return {
    newForm(_req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      res.render('workshops/new', {
        ...newLocals(badge, res.locals.issuer as Issuer),
        values: { title: `${badge.name} workshop`, closesInMinutes: '180', notify: '1', wall: '' },
      });
    },

    create(req: Request, res: Response) {
      const badge = res.locals.badge as BadgeClass;
      formContext(res, 'workshops/new', newLocals(badge, res.locals.issuer as Issuer), body(req));
      const session = workshops.create(badge.id, currentUser(req).id, body(req));
      res.redirect(303, `/manage/sessions/${session.id}`);
    },

    list(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      const sessions = workshops.listForIssuer(issuer.id, pageQuery(req, 50));
      res.render('workshops/list', {
        title: `Workshop sessions · ${issuer.name}`,
        issuer,
        sessions,
        stateOf: workshops.stateOf,
        wallEnabled: workshops.issuerWallEnabled(issuer.id),
        notice: typeof req.query.notice === 'string' ? req.query.notice : null,
        wallUrl: `/issuers/${issuer.id}/wall`,
      });
    },

    show(req: Request, res: Response) {
      res.render('workshops/show', { ...sessionLocals(req), values: {} });
    },

    /** Polled by public/roster.js every few seconds. */
    rosterJson(req: Request, res: Response) {
      const locals = sessionLocals(req);
      res.set('Cache-Control', 'no-store').json({ state: locals.state, pending: locals.pending, claims: locals.claims });
    },

    async projector(req: Request, res: Response) {
      const locals = sessionLocals(req);
      res.render('workshops/projector', { ...locals, qr: await qrDataUri(locals.claimUrl) });
    },

    approve(req: Request, res: Response) {
      const sessionId = String(req.params.sessionId);
      formContext(res, 'workshops/show', sessionLocals(req), body(req));
      const ids = body(req).all === '1' ? 'all' : idsOf(body(req).ids);
      const n = workshops.approve(sessionId, currentUser(req).id, ids);
      res.redirect(303, `/manage/sessions/${sessionId}?notice=approved-${n}`);
    },

    reject(req: Request, res: Response) {
      const sessionId = String(req.params.sessionId);
      formContext(res, 'workshops/show', sessionLocals(req), body(req));
      workshops.reject(sessionId, currentUser(req).id, idsOf(body(req).ids));
      res.redirect(303, `/manage/sessions/${sessionId}?notice=declined`);
    },

    options(req: Request, res: Response) {
      const sessionId = String(req.params.sessionId);
      workshops.setOptions(sessionId, currentUser(req).id, body(req));
      res.redirect(303, `/manage/sessions/${sessionId}?notice=saved`);
    },

    close(req: Request, res: Response) {
      const sessionId = String(req.params.sessionId);
      workshops.close(sessionId, currentUser(req).id);
      res.redirect(303, `/manage/sessions/${sessionId}?notice=closed`);
    },

    wallVisibility(req: Request, res: Response) {
      const sessionId = String(req.params.sessionId);
      workshops.setWallHidden(sessionId, currentUser(req).id, String(req.params.claimId), body(req).hidden === '1');
      res.redirect(303, `/manage/sessions/${sessionId}`);
    },

    issuerWall(req: Request, res: Response) {
      const issuer = res.locals.issuer as Issuer;
      workshops.setIssuerWall(issuer.id, currentUser(req).id, body(req).enabled === '1');
      res.redirect(303, `/manage/issuers/${issuer.id}/sessions?notice=wall-saved`);
    },
  };
}

/** The learner's side: enter a code, claim, and the private link. */
export function claimPages(services: Services) {
  const { workshops, ctx } = services;

  const claimLocals = (code: string) => {
    const session = workshops.findOpenByCode(code);
    if (!session) throw notFound('Claim code');
    const badge = services.badgeClasses.findPublic(session.badgeClassId);
    const issuer = services.issuers.findPublic(session.issuerId);
    if (!badge || !issuer) throw notFound('Claim code');
    return {
      title: `Claim “${badge.name}”`,
      session,
      badge,
      issuer,
      code: session.code,
      wallConsent: workshops.asksWallConsent(session) ? (session.wall ? 'session' : 'issuer') : null,
      urls: ctx.urls,
    };
  };

  return {
    enterForm(_req: Request, res: Response) {
      res.render('claims/enter', { title: 'Claim a badge', values: {} });
    },

    /** The typed code is looked up and the learner sent to its page; unknown codes answer 404 (and count towards the limit). */
    enter(req: Request, res: Response) {
      formContext(res, 'claims/enter', { title: 'Claim a badge' }, body(req));
      const typed = typeof body(req).code === 'string' ? (body(req).code as string) : '';
      const session = workshops.findOpenByCode(typed);
      if (!session) {
        res.status(404).render('claims/enter', {
          title: 'Claim a badge',
          values: body(req),
          errors: { code: 'No open session has this code. Check it on the screen and try again.' },
          formError: 'That code did not work.',
        });
        return;
      }
      res.redirect(303, `/claim/${session.code}`);
    },

    form(req: Request, res: Response) {
      res.render('claims/form', { ...claimLocals(String(req.params.code)), values: {} });
    },

    claim(req: Request, res: Response) {
      const code = String(req.params.code);
      formContext(res, 'claims/form', claimLocals(code), body(req));
      const { token } = workshops.claim(code, body(req));
      res.redirect(303, `/claimed/${token}`);
    },

    /** The private claim link: status until approved, then the badge, its downloads and a printable certificate. */
    status(req: Request, res: Response) {
      const token = String(req.params.token);
      const found = workshops.byToken(token);
      // same-origin keeps the private link out of other sites' Referer; no-referrer would make this page's forms post `Origin: null`.
      res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'same-origin');
      res.render('claims/status', {
        title: `Your “${found.badge.name}” badge`,
        ...found,
        token,
        privateUrl: `${ctx.config.publicUrl}/claimed/${token}`,
        status: found.assertion ? services.assertions.statusOf(found.assertion) : null,
        urls: ctx.urls,
      });
    },

    /** Polled by public/claim-status.js on the waiting page; says only what the page would. */
    statusJson(req: Request, res: Response) {
      const found = workshops.byToken(String(req.params.token));
      res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'same-origin');
      res.json({ status: found.claim.status, awarded: found.assertion !== null });
    },

    sessionWall(req: Request, res: Response) {
      const wall = workshops.sessionWall(String(req.params.sessionId));
      res.render('walls/wall', { title: `${wall.session.title} · wall`, heading: wall.session.title, subheading: wall.badge.name, issuer: wall.issuer, entries: wall.entries, urls: ctx.urls });
    },

    issuerWall(req: Request, res: Response) {
      const wall = workshops.issuerWall(String(req.params.issuerId));
      res.render('walls/wall', { title: `${wall.issuer.name} · wall`, heading: wall.issuer.name, subheading: 'Badges earned', issuer: wall.issuer, entries: wall.entries, urls: ctx.urls });
    },
  };
}
