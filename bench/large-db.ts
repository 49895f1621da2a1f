import crypto from 'node:crypto';
import { ValidationError } from '../src/errors.js';
import type { BadgeClass } from '../src/repos/badge-classes.js';
import { BADGE_SVG, startBenchKiln } from './fixture.js';
import { LARGE_PUBLIC_URL } from './large-public-url.js';

/**
 * Child process: builds the large database the traffic scenarios run against, through the services and repos (not
 * HTTP), then closes it and sends what the scenarios need: `{ type: 'built', dataDir, token, badgeId, ids }`.
 *   - AWARDS awards on one badge class (10,000 per service call, as a bulk award does),
 *   - SVG_AWARDS on a second badge class uploaded as SVG (for baked SVG),
 *   - EXTRA issuers and badge classes written with the repos (first requests of distinct Profiles and BadgeClasses),
 *   - SIGNED OB 3.0 credentials signed and stored (a first request of a stored credential; signing is its own figure).
 */
const AWARDS = Number(process.argv[2] ?? 100_000);
const EXTRA = Number(process.argv[3] ?? 2_000);
const SIGNED = Number(process.argv[4] ?? 400);
const SVG_AWARDS = 3_000;

const started = Date.now();
const bench = await startBenchKiln(LARGE_PUBLIC_URL);
const { services } = bench.kiln;
const { repos, db } = services.ctx;

const awardMany = (badgeId: string, total: number, prefix: string) => {
  const ids: string[] = [];
  for (let done = 0; done < total; done += 10_000) {
    const recipients = Array.from({ length: Math.min(10_000, total - done) }, (_, i) => ({ email: `${prefix}-${done + i}@riverside.example.org` }));
    const awards = services.assertions.award(badgeId, bench.userId, { recipients, narrative: 'Recorded a two-minute story with three interviews.' });
    ids.push(...awards.map((a) => a.id));
  }
  return ids;
};

const ids = awardMany(bench.badgeId, AWARDS, 'learner');

let svgBadge: BadgeClass | undefined;
for (let attempt = 1; !svgBadge; attempt++) {
  try {
    svgBadge = await services.badgeClasses.create(
      bench.issuerId,
      bench.userId,
      { name: 'Story Editor', description: 'Edited a story.', criteriaNarrative: 'Edit a story.', imageCaption: 'An orange badge' },
      { bytes: Buffer.from(BADGE_SVG), type: 'image/svg+xml' },
    );
  } catch (err) {
    if (!(err instanceof ValidationError) || attempt >= 5) throw err;
  }
}
const svgIds = awardMany(svgBadge.id, SVG_AWARDS, 'editor');

const template = repos.badgeClasses.findById(bench.badgeId)!;
const images = repos.badgeClasses.images(bench.badgeId)!;
const now = new Date().toISOString();
const issuerIds: string[] = [];
const badgeIds: string[] = [];
db.transaction(() => {
  for (let i = 0; i < EXTRA; i++) {
    const issuerId = crypto.randomUUID();
    repos.issuers.insert({
      id: issuerId,
      name: `Youth Club ${i}`,
      url: `https://club-${i}.example.org`,
      email: `badges@club-${i}.example.org`,
      description: 'Open youth work.',
      imagePng: null,
      imageSvg: null,
      now,
    });
    issuerIds.push(issuerId);
    const badgeId = crypto.randomUUID();
    repos.badgeClasses.insert({ ...template, id: badgeId, issuerId: bench.issuerId, name: `${template.name} ${i}`, imagePng: images.png, imageSvg: images.svg, now });
    badgeIds.push(badgeId);
  }
})();

const signedIds = ids.slice(-SIGNED);
for (const id of signedIds) await services.credentials.credentialJson(services.assertions.findPublic(id)!);

const user = repos.users.findById(bench.userId)!;
const { token } = services.accounts.createApiToken(user.id, { name: 'bench' });
db.pragma('wal_checkpoint(TRUNCATE)');
db.close();
// Disconnect only once the (large) message is written.
process.send!({
  type: 'built',
  seconds: (Date.now() - started) / 1000,
  dataDir: bench.dataDir,
  token,
  badgeId: bench.badgeId,
  ids,
  svgIds,
  issuerIds,
  badgeIds,
  signedIds,
}, () => process.disconnect());
