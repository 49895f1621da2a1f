// Open Badges 3.0 credentials in the verifier (openbadges-spec.md §4.3, §4.4, §5.3). The issuer's controller document
// and its status list come through the run's fetcher (SSRF-safe, our own PUBLIC_URL answered in-process); the checks
// themselves (format, key provenance, proof, validity window, revocation, recipient) are src/openbadges/ob3's.
import { createDocumentLoader, verifyCredential, type CredentialCheck } from '../ob3/index.js';
import { normaliseEmail } from '../recipient.js';
import { idOf, isHttpUrl, isObject, single, valuesOf, type Json, type JsonObject } from './json.js';
import { loadImage } from './rules.js';
import { getDocument, hostOf, stringOrNull, type Run } from './run.js';

/** Checks a credential (an object already parsed from JSON, a baked image or a URL) and logs every check. */
export async function verifyCredentialDocument(run: Run, credential: JsonObject): Promise<void> {
  // The issuer's profile is the controller document of its keys (it also signs the status list); a proof made with
  // a key under another controller needs that document too, so its controller can be compared with the issuer.
  const documents = new Map<string, unknown>();
  const issuerId = idOf(credential.issuer);
  const controllerUrl = controllerOf(credential);
  let profile: JsonObject | null = null;
  if (isHttpUrl(issuerId)) {
    profile = await fetchInto(run, documents, 'issuer-fetch', issuerId, "the issuer's profile and signing keys");
  }
  if (controllerUrl !== null && controllerUrl !== issuerId) {
    await fetchInto(run, documents, 'key-fetch', controllerUrl, 'the document that publishes the signing key');
  }
  summarise(run, credential, profile);

  const email = run.options.email?.trim();
  const checks = await verifyCredential(credential, {
    documentLoader: createDocumentLoader(documents),
    fetchStatusList: async (url) => {
      if (!isHttpUrl(url)) throw new Error(`the status list address ${url} is not a web address`);
      const list = await getDocument(run, url);
      if ('failure' in list) throw new Error(`${list.failure} (${list.detail})`);
      return list.doc;
    },
    now: run.now,
    ...(email ? { recipientEmail: normaliseEmail(email) } : {}),
  });
  for (const check of checks) record(run, check);
  if (email && checks.some((c) => c.id === 'recipient' && c.outcome !== 'warning')) run.log.summary.recipientChecked = true;
  if (!checks.some((c) => c.id === 'credential-format' && c.outcome === 'fail')) await checkPicture(run, credential);
  run.log.complete = true;
}

async function fetchInto(run: Run, documents: Map<string, unknown>, check: string, url: string, what: string): Promise<JsonObject | null> {
  const fetched = await getDocument(run, url);
  if ('failure' in fetched) {
    run.log.fail(check, 'unverifiable', `Kiln couldn't get ${what} from ${hostOf(url)}: ${fetched.failure}.`, fetched.detail);
    return null;
  }
  documents.set(url, fetched.doc);
  run.log.pass(check, `Fetched ${what} from ${hostOf(url)}.`, fetched.detail);
  return fetched.doc;
}

/** The controller document's URL: the proof's verification method without its fragment, when it is a web address. */
function controllerOf(credential: JsonObject): string | null {
  const proof = valuesOf(credential.proof).find((p): p is JsonObject => isObject(p) && p.type === 'DataIntegrityProof');
  const method = proof ? idOf(proof.verificationMethod) : null;
  if (method === null) return null;
  const url = method.split('#')[0]!;
  return isHttpUrl(url) ? url : null;
}

function record(run: Run, check: CredentialCheck): void {
  if (check.outcome === 'pass') run.log.pass(check.id, check.message, check.detail);
  else if (check.outcome === 'warning') run.log.warn(check.id, check.message, check.detail);
  else run.log.fail(check.id, check.effect ?? 'invalid', check.message, check.detail);
}

/** Badge, issuer and dates for the report; the issuer's hosted profile wins over the copy embedded in the credential. */
function summarise(run: Run, credential: JsonObject, profile: JsonObject | null): void {
  const subject = single(credential.credentialSubject).value;
  const achievement = isObject(subject) && isObject(subject.achievement) ? subject.achievement : null;
  const embedded = single(credential.issuer).value;
  const issuer = profile && profile.id === idOf(credential.issuer) ? profile : isObject(embedded) ? embedded : null;
  run.log.summary.badge = {
    name: stringOrNull(achievement?.name) ?? stringOrNull(credential.name),
    description: stringOrNull(achievement?.description) ?? stringOrNull(credential.description),
    image: pictureOf(credential),
    // An EndorsementCredential has no achievement: its subject's id is what it endorses.
    id: stringOrNull(achievement?.id) ?? (isObject(subject) ? stringOrNull(subject.id) : null),
  };
  run.log.summary.issuer = { name: stringOrNull(issuer?.name), url: stringOrNull(issuer?.url), id: idOf(credential.issuer) };
  run.log.summary.assertion = { id: stringOrNull(credential.id), issuedOn: stringOrNull(credential.validFrom), expires: stringOrNull(credential.validUntil) };
}

function pictureOf(credential: JsonObject): string | null {
  const subject = single(credential.credentialSubject).value;
  const achievement = isObject(subject) && isObject(subject.achievement) ? subject.achievement : null;
  const image: Json | undefined = achievement?.image ?? credential.image;
  return idOf(image);
}

/** 3.0 makes the picture optional, so one that does not load is a warning; it is shown on the result page. */
async function checkPicture(run: Run, credential: JsonObject): Promise<void> {
  const src = pictureOf(credential);
  if (src === null) return;
  const image = await loadImage(run, src, true);
  if ('failure' in image) {
    run.log.warn('badge-image', `The badge's picture ${image.failure}.`, image.detail);
    return;
  }
  run.badgeImage = image.dataUri;
  run.log.pass('badge-image', "The badge's picture loads and is a PNG or SVG image.", image.detail);
}
