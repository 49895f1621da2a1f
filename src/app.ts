import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { IncomingMessage, ServerResponse } from 'node:http';
import crypto from 'node:crypto';
import path from 'node:path';
import multer from 'multer';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { isLocalPublicUrl, type Config } from './config.js';
import { databaseAvailable, type Db } from './db/database.js';
import { createRepos } from './repos/index.js';
import { createServiceContext } from './services/context.js';
import { createServices, type Services } from './services/index.js';
import { MAX_UPLOAD_BYTES } from './services/images.js';
import { createPassport, knownBrowsers } from './web/auth.js';
import { errorHandler, notFoundHandler } from './web/error-handler.js';
import { apiJsonBodies } from './web/json-body.js';
import { PublicCache } from './web/public-cache.js';
import { headersOf, publicFastPath, type PublicFastPath } from './web/public/fast-path.js';
import { publicResolvers } from './web/public/resolve.js';
import { buildRoutes, type RouteInfo } from './web/routes.js';
import { verifierService } from './services/verifier.js';
import { runAsTenant } from './services/work-budget.js';
import { inProcessFetch } from './web/verify.js';
import { createCsrf, sameOriginOnly, securityHeaders } from './web/security.js';
import { SqliteSessionStore } from './web/session-store.js';
import { redactUrl } from './redact-url.js';
import { countOf } from './web/plural.js';
import { recipientLabel } from './web/recipient-label.js';
import { dateOf, dateTimeOf, datesIn, monthOf, timeOf } from './web/dates.js';

export interface AppDeps {
  db: Db;
  config: Config;
  sessionSecret: string;
  logger?: Logger;
  now?: () => Date;
  /** The public cache's byte budget (src/web/public-cache.ts); tests make it small. */
  publicCacheBytes?: number;
}

export interface Kiln {
  /** The request listener: the public cache first, then the fast path for public documents, then Express. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  app: express.Express;
  services: Services;
  cache: PublicCache;
  fastPath: PublicFastPath;
  /** Every route in the table, for tests that must cover each one. */
  routes: RouteInfo[];
}

const root = path.resolve(import.meta.dirname, '..');

export function createApp(deps: AppDeps): Kiln {
  const { db, config } = deps;
  const logger = deps.logger ?? pino({ level: 'silent' });
  const services = createServices(createServiceContext(db, createRepos(db), config, deps.now));
  // Writes evict exactly what they changed, whichever process made them (migrations/011_public_changes.sql).
  const cache = new PublicCache(services.ctx.repos.publicChanges, deps.publicCacheBytes);
  const secure = config.publicUrl.startsWith('https:');
  const passport = createPassport(services.accounts, knownBrowsers(deps.sessionSecret, secure));
  const csrf = createCsrf();

  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', path.join(root, 'views'));
  // Compiled templates are kept (Express does so only with NODE_ENV=production); restart to see template edits.
  app.set('view cache', true);
  app.set('x-powered-by', false);
  app.locals.publicUrl = config.publicUrl;
  // Pages never say an email is on its way when nothing sends it (no SMTP_URL: it waits in the outbox).
  app.locals.smtpConfigured = Boolean(config.smtpUrl);
  // Admins are told on every page while badges would carry ids nobody else can reach (see views/partials/head.ejs).
  app.locals.publicUrlIsLocal = isLocalPublicUrl(config.publicUrl);
  app.locals.countOf = countOf;
  app.locals.recipientLabel = recipientLabel;
  app.locals.dateOf = dateOf;
  app.locals.dateTimeOf = dateTimeOf;
  app.locals.timeOf = timeOf;
  app.locals.monthOf = monthOf;

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // URLs only: never bodies, cookies, or Authorization headers.
      serializers: {
        // Query strings can carry invitation codes and search terms (emails): log the path only.
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url.split('?')[0]!) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/health' },
    }),
  );
  const security = securityHeaders(config.publicUrl);
  app.use(security);
  app.use('/assets', express.static(path.join(root, 'public'), { maxAge: '1h', index: false }));
  app.get('/health', (_req, res) => {
    if (databaseAvailable(db)) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unavailable' });
  });

  app.use(sameOriginOnly(config.publicUrl));
  app.use('/api', apiJsonBodies());
  app.use(express.urlencoded({ extended: true, limit: '1mb', parameterLimit: 2000 }));
  // Forms with a file: one image at most, kept in memory, size-capped before it reaches sharp.
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 200, fieldSize: 100_000 } }).fields([
    { name: 'image', maxCount: 1 },
    { name: 'csv', maxCount: 1 },
    { name: 'file', maxCount: 1 },
  ]);
  app.use(
    (req: Request, res: Response, next: NextFunction) =>
      upload(req, res, (err?: unknown) => {
        // An oversized image on a form: keep the fields that arrived, so the form can say so beside the field.
        if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE' && err.field === 'image' && !req.path.startsWith('/api/')) {
          res.locals.uploadTooLarge = true;
          return next();
        }
        next(err);
      }),
    // Handlers read the image as req.file (as with .single('image')); a bulk-award CSV stays in req.files.csv.
    (req: Request, _res: Response, next: NextFunction) => {
      const image = (req.files as Record<string, Express.Multer.File[]> | undefined)?.image?.[0];
      if (image) req.file = image;
      next();
    },
  );
  const sessions = session({
    store: new SqliteSessionStore(services.ctx.repos.sessions),
    secret: deps.sessionSecret,
    name: 'kiln.sid',
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: 14 * 24 * 60 * 60 * 1000 },
  });
  const signedInUser = passport.session();
  // The JSON API authenticates with bearer tokens only (CSRF is skipped there too): no session to load or make.
  app.use((req: Request, res: Response, next: NextFunction) => (req.path.startsWith('/api/') ? next() : sessions(req, res, next)));
  app.use((req: Request, res: Response, next: NextFunction) => (req.path.startsWith('/api/') ? next() : signedInUser(req, res, next)));
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.currentUser = req.user ?? null;
    // A learner signed in by link (src/web/pages/learners.ts) gets their own menu, not the facilitators' sign-in.
    res.locals.learnerEmail = req.user ? null : (req.session?.learnerEmail ?? null);
    // Signed-in pages are private: never kept by a shared cache or the back button of a shared computer.
    if (req.user || res.locals.learnerEmail) res.set('Cache-Control', 'no-store');
    res.locals.path = req.path;
    res.locals.values = {};
    res.locals.errors = {};
    next();
  });
  // Facilitators read every time in their own zone (their account's choice, first taken from their browser).
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    if (req.user) {
      const timeZone = await services.preferences.timeZoneOf(req.user.id);
      Object.assign(res.locals, datesIn(timeZone), { timeZone });
    }
    next();
  });
  app.use(csrf.locals);
  app.use((req: Request, res: Response, next: NextFunction) => (req.path.startsWith('/api/') ? next() : csrf.protect(req, res, next)));

  // Expensive work on untrusted input is shared out per account and client address (services/work-budget.ts);
  // the account is read when the work starts, since API tokens are checked later, in the v1 router.
  app.use((req: Request, _res: Response, next: NextFunction) =>
    runAsTenant(() => ({ account: req.user?.id ?? null, address: req.ip ?? null }), next),
  );

  // Our own documents are verified in-process (never over the network); `handle` is defined below.
  const verifier = verifierService({
    allowPrivateNetworks: config.allowPrivateNetworks,
    local: inProcessFetch(config.publicUrl, (req, res) => handle(req, res)),
    now: deps.now,
  });
  const routes = buildRoutes({ services, cache, passport, config, verifier });
  app.use(routes);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  const fastPath = publicFastPath({ resolvers: publicResolvers(services), cache, securityHeaders: headersOf(security), fallback: app });
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const since = cache.begin(req);
    if (cache.serve(req, res) || fastPath.take(req, res, since)) return;
    app(req, res);
  };
  return { handle, app, services, cache, fastPath, routes: routes.listRoutes() };
}
