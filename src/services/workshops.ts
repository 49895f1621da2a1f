import crypto from 'node:crypto';
import { z } from 'zod';
import { AppError, notFound, ValidationError } from '../errors.js';
import type { Assertion } from '../repos/assertions.js';
import type { Claim } from '../repos/claims.js';
import type { PageQuery } from '../repos/pagination.js';
import type { WorkshopSession } from '../repos/workshop-sessions.js';
import type { AssertionsService } from './assertions.js';
import type { BadgeClassesService } from './badge-classes.js';
import type { ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import { NO_EMAIL_DOMAIN } from './mail.js';
import { email, parseInput, text } from './validation.js';

/*
 * Claim codes: 8 characters from 31 that cannot be confused when read off a projector (no 0/O, 1/I/L),
 * so 31^8 ≈ 8.5 × 10^11 (39 bits). A session lives at most 7 days and failed lookups are limited to 30 a minute
 * per address: one address guessing for a whole week finds a given open code with probability about 4 × 10^-7.
 */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 8;
export const DURATIONS_MINUTES = [30, 60, 120, 180, 480, 1440, 10080] as const;

export function generateCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[crypto.randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What a learner types: any case, with or without the dash or spaces. */
export function normaliseCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return code.length === CODE_LENGTH && [...code].every((c) => CODE_ALPHABET.includes(c)) ? code : null;
}

export const displayCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

const checkbox = z.preprocess((v) => v === true || v === '1' || v === 'on' || (Array.isArray(v) && v.includes('1')), z.boolean());

export const SessionInput = z.object({
  title: text.required('A title', 200),
  closesInMinutes: z.coerce
    .number()
    .refine((n) => (DURATIONS_MINUTES as readonly number[]).includes(n), 'Choose how long the session stays open.'),
  maxClaims: z.preprocess(
    (v) => (v === '' || v === undefined || v === null ? null : v),
    z.coerce.number().int('A whole number.').min(1, 'At least 1.').max(1000, 'At most 1000.').nullable(),
  ),
  autoApprove: checkbox,
  wall: checkbox,
  notify: checkbox,
});

export const ClaimInput = z
  .object({
    name: text.required('Your name', 100),
    email: z.string().trim().max(254).default(''),
    noEmail: checkbox,
    wallConsent: checkbox,
  })
  .superRefine((v, ctx) => {
    if (!v.noEmail && !email().safeParse(v.email).success) {
      ctx.addIssue({
        code: 'custom',
        path: ['email'],
        message: v.email === '' ? 'Enter your email, or tick “I don’t have an email”.' : 'Enter an email address such as name@example.org.',
      });
    }
  });

export type SessionState = 'open' | 'closed' | 'full' | 'expired';

export function workshopsService(ctx: ServiceContext, issuers: IssuersService, badgeClasses: BadgeClassesService, assertions: AssertionsService) {
  const { repos, db } = ctx;

  function stateOf(session: WorkshopSession): SessionState {
    if (session.closedAt) return 'closed';
    if (Date.parse(session.closesAt) <= ctx.now().getTime()) return 'expired';
    if (session.maxClaims !== null && repos.claims.countActive(session.id) >= session.maxClaims) return 'full';
    return 'open';
  }

  function requireSession(sessionId: string, userId: string) {
    const session = repos.workshopSessions.findById(sessionId);
    if (!session) throw notFound('Session');
    const { badge, issuer, role } = badgeClasses.requireBadge(session.badgeClassId, userId, 'awarder');
    return { session, badge, issuer, role };
  }

  /** Awards the given pending claims in one transaction (with their emails when the session sends them). */
  function approveClaims(session: WorkshopSession, userId: string, claims: Claim[]): Assertion[] {
    const pending = claims.filter((c) => c.status === 'pending');
    if (pending.length === 0) return [];
    return assertions.award(
      session.badgeClassId,
      userId,
      { recipients: pending.map((c) => ({ email: c.email ?? `claim-${c.id}@${NO_EMAIL_DOMAIN}`, name: c.name })) },
      {
        notify: session.notify,
        within: (awards) => {
          const at = ctx.now().toISOString();
          awards.forEach((a, i) => {
            if (!repos.claims.approve(pending[i]!.id, a.id, at)) throw new AppError(409, 'conflict', 'Someone else decided on this claim at the same time. Reload and try again.');
          });
        },
      },
    );
  }

  /** A session a learner may claim from, or null (unknown, closed, expired or full all look the same). */
  function findOpenByCode(input: string): WorkshopSession | null {
    const code = normaliseCode(input);
    const session = code ? repos.workshopSessions.findByCode(code) : null;
    return session && stateOf(session) === 'open' ? session : null;
  }

  /**
   * Whether learners claiming in this session are asked about a wall: only when their name could appear on one (the
   * session's own wall, or the issuer's wall, which shows every session's consenting learners).
   */
  const asksWallConsent = (session: WorkshopSession) => session.wall || repos.workshopSessions.issuerWallEnabled(session.issuerId);

  return {
    stateOf,
    requireSession,
    findOpenByCode,
    displayCode,
    asksWallConsent,

    create(badgeId: string, userId: string, raw: unknown): WorkshopSession {
      const { badge } = badgeClasses.requireBadge(badgeId, userId, 'awarder');
      if (badge.archivedAt) throw new AppError(409, 'badge_archived', 'This badge is archived. Unarchive it to award it.');
      const input = parseInput(SessionInput, raw);
      const now = ctx.now();
      for (let attempt = 0; ; attempt++) {
        const session: WorkshopSession = {
          id: crypto.randomUUID(),
          badgeClassId: badge.id,
          issuerId: badge.issuerId,
          title: input.title,
          code: generateCode(),
          closesAt: new Date(now.getTime() + input.closesInMinutes * 60_000).toISOString(),
          maxClaims: input.maxClaims,
          autoApprove: input.autoApprove,
          notify: input.notify,
          wall: input.wall,
          closedAt: null,
          createdBy: userId,
          createdAt: now.toISOString(),
        };
        try {
          repos.workshopSessions.insert(session);
          return session;
        } catch (err) {
          // A code already in use (vanishingly rare): draw another.
          if (attempt < 5 && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') continue;
          throw err;
        }
      }
    },

    listForIssuer: (issuerId: string, page: PageQuery) => repos.workshopSessions.listForIssuer(issuerId, page),
    listForBadge: (badge: { id: string; issuerId: string }, page: PageQuery) =>
      repos.workshopSessions.listForIssuer(badge.issuerId, { ...page, badgeId: badge.id }),
    roster: (sessionId: string) => repos.claims.listForSession(sessionId),

    /** A learner's claim. Returns the private link token, shown once: only its hash is stored. */
    claim(code: string, raw: unknown): { claim: Claim; token: string } {
      const input = parseInput(ClaimInput, raw);
      const token = crypto.randomBytes(32).toString('base64url');
      const now = ctx.now().toISOString();
      const id = crypto.randomUUID();
      return db.transaction(() => {
        const session = findOpenByCode(code);
        if (!session) throw new AppError(404, 'not_found', 'This claim code is not open. Check the code on the screen, or ask your facilitator.');
        const address = input.noEmail ? null : input.email.toLowerCase();
        if (address && repos.claims.hasEmail(session.id, address)) {
          throw new ValidationError({ email: 'This email has already claimed the badge in this session.' });
        }
        // A session without a wall never asked, so it stores no consent (a wall switched on later starts empty).
        const wallConsent = input.wallConsent && asksWallConsent(session);
        repos.claims.insert({ id, sessionId: session.id, name: input.name, email: address, wallConsent, linkHash: sha256(token), createdAt: now });
        const claim = repos.claims.findById(id)!;
        if (session.autoApprove && session.createdBy) approveClaims(session, session.createdBy, [claim]);
        return { claim: repos.claims.findById(id)!, token };
      })();
    },

    /** The learner's private link: their claim, its session and, once approved, the award. */
    byToken(token: string) {
      const claim = token.length >= 20 ? repos.claims.findByLinkHash(sha256(token)) : null;
      if (!claim) throw notFound('Claim');
      const session = repos.workshopSessions.findById(claim.sessionId)!;
      const badge = repos.badgeClasses.findById(session.badgeClassId)!;
      const issuer = issuers.findPublic(session.issuerId)!;
      const assertion = claim.assertionId ? assertions.findPublic(claim.assertionId) : null;
      return { claim, session, badge, issuer, assertion };
    },

    approve(sessionId: string, userId: string, claimIds: string[] | 'all'): number {
      const { session } = requireSession(sessionId, userId);
      const claims = repos.claims.listForSession(session.id).filter((c) => claimIds === 'all' || claimIds.includes(c.id));
      if (claimIds !== 'all' && claimIds.length === 0) throw new ValidationError({ ids: 'Choose at least one learner to approve.' });
      // An id from another session (or another issuer) is refused outright rather than skipped: nothing changes.
      if (claimIds !== 'all' && claims.length !== new Set(claimIds).size) throw notFound('Claim');
      return db.transaction(() => approveClaims(session, userId, claims).length)();
    },

    reject(sessionId: string, userId: string, claimIds: string[]): number {
      const { session } = requireSession(sessionId, userId);
      if (claimIds.length === 0) throw new ValidationError({ ids: 'Choose at least one learner to decline.' });
      if (claimIds.some((id) => repos.claims.findById(id)?.sessionId !== session.id)) throw notFound('Claim');
      const at = ctx.now().toISOString();
      return db.transaction(() => claimIds.filter((id) => repos.claims.reject(id, at)).length)();
    },

    setOptions(sessionId: string, userId: string, raw: unknown): void {
      const { session } = requireSession(sessionId, userId);
      const input = parseInput(z.object({ autoApprove: checkbox, wall: checkbox }), raw);
      db.transaction(() => {
        repos.workshopSessions.setOptions(session.id, input.autoApprove, input.wall);
        // Switching auto-approve on approves everyone already waiting.
        if (input.autoApprove && !session.autoApprove) approveClaims(session, userId, repos.claims.listForSession(session.id));
      })();
    },

    close(sessionId: string, userId: string): void {
      const { session } = requireSession(sessionId, userId);
      repos.workshopSessions.close(session.id, ctx.now().toISOString());
    },

    setWallHidden(sessionId: string, userId: string, claimId: string, hidden: boolean): void {
      const { session } = requireSession(sessionId, userId);
      const claim = repos.claims.findById(claimId);
      if (!claim || claim.sessionId !== session.id) throw notFound('Claim');
      repos.claims.setWallHidden(claimId, hidden);
    },

    /** Public walls show first names only, of learners who said yes at claim time and were not hidden. */
    sessionWall(sessionId: string) {
      const session = repos.workshopSessions.findById(sessionId);
      if (!session || !session.wall) throw notFound('Wall');
      const badge = repos.badgeClasses.findById(session.badgeClassId)!;
      const issuer = issuers.findPublic(session.issuerId)!;
      return { session, badge, issuer, entries: repos.claims.sessionWall(session.id).map(firstNameOnly) };
    },

    issuerWall(issuerId: string) {
      const issuer = issuers.findPublic(issuerId);
      if (!issuer || !repos.workshopSessions.issuerWallEnabled(issuerId)) throw notFound('Wall');
      return { issuer, entries: repos.claims.issuerWall(issuerId).map(firstNameOnly) };
    },

    issuerWallEnabled: (issuerId: string) => repos.workshopSessions.issuerWallEnabled(issuerId),

    setIssuerWall(issuerId: string, userId: string, enabled: boolean): void {
      issuers.requireRole(issuerId, userId, 'editor');
      repos.workshopSessions.setIssuerWall(issuerId, enabled, ctx.now().toISOString());
    },
  };
}

const firstNameOnly = <T extends { name: string }>(entry: T): T => ({ ...entry, name: entry.name.trim().split(/\s+/)[0]!.slice(0, 40) });

export type WorkshopsService = ReturnType<typeof workshopsService>;
