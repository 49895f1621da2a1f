import type { NextFunction, Request, Response } from 'express';
import type { Services } from '../../services/index.js';
import { formContext } from '../forms.js';
import { certificatePages } from './certificates.js';

declare module 'express-session' {
  interface SessionData {
    /** The address a learner proved by following a sign-in link. */
    learnerEmail?: string;
  }
}

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
const idsOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);
const learnerOf = (req: Request): string | null => req.session?.learnerEmail ?? null;

/** Learner pages need a signed-in learner; otherwise back to the sign-in form. */
export function requireLearner(req: Request, res: Response, next: NextFunction): void {
  if (learnerOf(req)) return next();
  if (req.method === 'GET') {
    res.redirect(303, '/learner');
    return;
  }
  res.status(401).render('error', { title: 'Please sign in', status: 401, message: 'Ask for a sign-in link to see your badges.' });
}

export function learnerPages(services: Services) {
  const { learners, ctx } = services;
  const certificates = certificatePages(services);

  const homeLocals = (owner: string) => ({
    title: 'Your badges',
    owner,
    awards: learners.awards(owner),
    collections: learners.collections(owner),
    pathwayProgress: services.pathways.progressFor(owner),
    urls: ctx.urls,
  });

  return {
    home(req: Request, res: Response) {
      const owner = learnerOf(req);
      if (!owner) {
        res.render('learners/sign-in', { title: 'Your badges', values: {}, sent: false });
        return;
      }
      res.set('Cache-Control', 'no-store');
      res.render('learners/home', { ...homeLocals(owner), values: {}, notice: typeof req.query.notice === 'string' ? req.query.notice : null });
    },

    /** The same page for every valid address: whether it holds awards is never told here. */
    requestLink(req: Request, res: Response) {
      formContext(res, 'learners/sign-in', { title: 'Your badges', sent: false }, body(req));
      learners.requestSignIn(body(req));
      res.render('learners/sign-in', { title: 'Check your email', values: {}, sent: true });
    },

    linkPage(req: Request, res: Response) {
      const token = String(req.params.token);
      // same-origin, not no-referrer: the token still never leaves in a Referer, but a no-referrer page's form posts
      // carry `Origin: null`, which the cross-site check (rightly) refuses, so the Sign in button would never work.
      res.set('Referrer-Policy', 'same-origin').set('Cache-Control', 'no-store');
      if (!learners.checkLink(token)) {
        res.status(410).render('error', { title: 'Link expired', status: 410, message: 'This sign-in link has expired or has already been used. Ask for a new one on the “Your badges” page.' });
        return;
      }
      // A button rather than signing in on GET, so mail scanners that open links do not use them up.
      res.render('learners/confirm', { title: 'Sign in to your badges', token });
    },

    useLink(req: Request, res: Response, next: NextFunction) {
      const address = learners.useLink(String(req.params.token));
      req.session.regenerate((err) => {
        if (err) return next(err);
        req.session.learnerEmail = address;
        res.redirect(303, '/learner');
      });
    },

    signOut(req: Request, res: Response, next: NextFunction) {
      req.session.regenerate((err) => (err ? next(err) : res.redirect(303, '/learner')));
    },

    async certificate(req: Request, res: Response) {
      const owner = learnerOf(req)!;
      const award = learners.requireAward(owner, String(req.params.assertionId));
      await certificates.render(res, services.assertions.findPublic(award.id)!, '/learner');
    },

    createCollection(req: Request, res: Response) {
      const owner = learnerOf(req)!;
      formContext(res, 'learners/home', { ...homeLocals(owner), notice: null }, body(req));
      const collection = learners.createCollection(owner, body(req));
      res.redirect(303, `/learner/collections/${collection.id}`);
    },

    editCollection(req: Request, res: Response) {
      const owner = learnerOf(req)!;
      const collection = learners.requireCollection(String(req.params.collectionId), owner);
      const inIt = new Set(learners.collectionItems(collection.id).map((a) => a.id));
      res.set('Cache-Control', 'no-store');
      res.render('learners/collection', {
        title: collection.name,
        collection,
        awards: learners.awards(owner),
        inIt,
        publicUrl: `${ctx.config.publicUrl}/collections/${collection.id}`,
        values: { name: collection.name, description: collection.description },
        notice: req.query.notice === 'saved' ? 'saved' : null,
      });
    },

    updateCollection(req: Request, res: Response) {
      const owner = learnerOf(req)!;
      const collection = learners.requireCollection(String(req.params.collectionId), owner);
      const ids = idsOf(body(req).ids);
      formContext(
        res,
        'learners/collection',
        { title: collection.name, collection, awards: learners.awards(owner), inIt: new Set(ids), publicUrl: `${ctx.config.publicUrl}/collections/${collection.id}`, notice: null },
        body(req),
      );
      learners.updateCollection(owner, collection.id, body(req), ids);
      res.redirect(303, `/learner/collections/${collection.id}?notice=saved`);
    },

    deleteCollection(req: Request, res: Response) {
      learners.deleteCollection(learnerOf(req)!, String(req.params.collectionId));
      res.redirect(303, '/learner?notice=deleted');
    },

    publicCollection(req: Request, res: Response) {
      const { collection, items } = learners.publicCollection(String(req.params.collectionId));
      res.render('learners/public-collection', { title: collection.name, collection, items, urls: ctx.urls });
    },
  };
}
