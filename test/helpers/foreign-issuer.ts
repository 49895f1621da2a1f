import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { bakePng } from '../../src/openbadges/png.js';
import { bakeSvg } from '../../src/openbadges/svg.js';
import { hashIdentity } from '../../src/openbadges/recipient.js';

/**
 * A second Open Badges issuer on its own loopback port: it hosts whatever documents, images, redirects and
 * errors a test puts on it, so the verifier meets badges it did not make.
 */

export interface Route {
  status?: number;
  type?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

type Doc = Record<string, unknown>;

export interface ForeignIssuer {
  origin: string;
  url(path: string): string;
  serve(path: string, route: Route): void;
  serveJson(path: string, doc: unknown, status?: number): void;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startForeignIssuer(host = '127.0.0.1'): Promise<ForeignIssuer> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const route = routes.get(req.url ?? '');
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    res.writeHead(route.status ?? 200, { ...(route.type ? { 'Content-Type': route.type } : {}), ...route.headers });
    res.end(route.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    url: (path) => `${origin}${path}`,
    serve: (path, route) => void routes.set(path, route),
    serveJson: (path, doc, status = 200) =>
      void routes.set(path, { status, type: 'application/ld+json', body: JSON.stringify(doc) }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const CONTEXT = 'https://w3id.org/openbadges/v2';
let counter = 0;
let pngCache: Promise<Buffer> | null = null;

export const badgePicture = () => (pngCache ??= sharp({ create: { width: 32, height: 32, channels: 4, background: '#2e86de' } }).png().toBuffer());

export const BADGE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><circle cx="16" cy="16" r="14" fill="#2e86de"/></svg>';

export interface HostedBadge {
  email: string;
  issuer: Doc;
  badge: Doc;
  assertion: Doc;
  assertionUrl: string;
  /** The assertion JSON exactly as hosted; bake it to make a baked badge. */
  json: string;
  bakedPng(text?: string): Promise<Buffer>;
  bakedSvg(text?: string): string;
  /** Re-hosts the (edited) documents. */
  republish(): void;
}

export interface HostedBadgeOptions {
  email?: string;
  /** Where the assertion is hosted, when not on the issuer's own server. */
  assertionHost?: ForeignIssuer;
  edit?: (docs: { issuer: Doc; badge: Doc; assertion: Doc }) => void;
}

/** An issuer Profile, BadgeClass and hosted Assertion (issued 2024-05-01, no expiry), all served. */
export async function hostBadge(fi: ForeignIssuer, options: HostedBadgeOptions = {}): Promise<HostedBadge> {
  const n = ++counter;
  const email = options.email ?? `learner${n}@example.org`;
  const salt = crypto.randomBytes(16).toString('hex');
  const assertionHost = options.assertionHost ?? fi;
  const issuer: Doc = {
    '@context': CONTEXT,
    type: 'Issuer',
    id: fi.url(`/issuers/${n}`),
    name: 'Northfield Coding Club',
    url: 'https://northfield.example.org',
    email: 'badges@northfield.example.org',
  };
  const badge: Doc = {
    '@context': CONTEXT,
    type: 'BadgeClass',
    id: fi.url(`/badges/${n}`),
    name: 'Web Explorer',
    description: 'Built and published a first web page.',
    image: fi.url(`/badges/${n}/image.png`),
    criteria: { narrative: 'Publish a web page with at least one link.' },
    issuer: issuer.id,
  };
  const assertion: Doc = {
    '@context': CONTEXT,
    type: 'Assertion',
    id: assertionHost.url(`/assertions/${n}`),
    recipient: { type: 'email', hashed: true, salt, identity: hashIdentity(email, salt) },
    badge: badge.id,
    verification: { type: 'HostedBadge' },
    issuedOn: '2024-05-01T12:00:00Z',
    image: assertionHost.url(`/assertions/${n}/baked.png`),
  };
  options.edit?.({ issuer, badge, assertion });
  const picture = await badgePicture();
  const hosted: HostedBadge = {
    email,
    issuer,
    badge,
    assertion,
    assertionUrl: String(assertion.id),
    json: '',
    bakedPng: async (text = hosted.json) => bakePng(picture, text),
    bakedSvg: (text = hosted.json) => bakeSvg(BADGE_SVG, String(assertion.id), text),
    republish() {
      hosted.json = JSON.stringify(assertion);
      fi.serveJson(new URL(String(issuer.id)).pathname, issuer);
      fi.serveJson(new URL(String(badge.id)).pathname, badge);
      assertionHost.serveJson(new URL(hosted.assertionUrl).pathname, assertion);
      fi.serve(`/badges/${n}/image.png`, { type: 'image/png', body: picture });
      assertionHost.serve(`/assertions/${n}/baked.png`, { type: 'image/png', body: bakePng(picture, hosted.json) });
    },
  };
  hosted.republish();
  return hosted;
}

export interface SigningKey {
  url: string;
  privateKey: crypto.KeyObject;
  publicKeyPem: string;
}

let keyPairs: Array<{ privateKey: crypto.KeyObject; publicKeyPem: string }> = [];

function keyPair(index: number) {
  while (keyPairs.length <= index) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyPairs = [...keyPairs, { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }];
  }
  return keyPairs[index]!;
}

/** Hosts a CryptographicKey document owned by `ownerId`; `index` picks one of a few cached RSA key pairs. */
export function hostKey(fi: ForeignIssuer, ownerId: string, index = 0): SigningKey {
  const pair = keyPair(index);
  const url = fi.url(`/keys/${++counter}`);
  fi.serveJson(new URL(url).pathname, { '@context': CONTEXT, type: 'CryptographicKey', id: url, owner: ownerId, publicKeyPem: pair.publicKeyPem });
  return { url, ...pair };
}

/** RS256 compact JWS over `payload` (openbadges-spec.md §2). */
export function signJws(payload: unknown, privateKey: crypto.KeyObject, header: Doc = { alg: 'RS256' }): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${crypto.sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
}

export interface SignedBadge {
  email: string;
  issuer: Doc;
  badge: Doc;
  assertion: Doc;
  key: SigningKey;
  revocationListUrl: string;
  jws: string;
  sign(payload?: Doc, key?: SigningKey): string;
  /** Lists assertion ids on the issuer's RevocationList. */
  revoke(...entries: unknown[]): void;
}

/** A signed 2.0 badge: issuer Profile listing its key and RevocationList, BadgeClass, and an RS256 JWS. */
export async function signedBadge(fi: ForeignIssuer, edit?: (docs: { issuer: Doc; assertion: Doc }) => void): Promise<SignedBadge> {
  const hosted = await hostBadge(fi);
  const key = hostKey(fi, String(hosted.issuer.id));
  const revocationListUrl = fi.url(`/revocations/${++counter}`);
  const issuer: Doc = { ...hosted.issuer, publicKey: [key.url], revocationList: revocationListUrl };
  const assertion: Doc = {
    ...hosted.assertion,
    id: `urn:uuid:${crypto.randomUUID()}`,
    verification: { type: 'SignedBadge', creator: key.url },
  };
  delete assertion.image;
  edit?.({ issuer, assertion });
  fi.serveJson(new URL(String(issuer.id)).pathname, issuer);
  const revoke = (...entries: unknown[]) =>
    fi.serveJson(new URL(revocationListUrl).pathname, {
      '@context': CONTEXT,
      type: 'RevocationList',
      id: revocationListUrl,
      issuer: issuer.id,
      revokedAssertions: entries,
    });
  revoke(`urn:uuid:${crypto.randomUUID()}`);
  const sign = (payload: Doc = assertion, signer: SigningKey = key) => signJws(payload, signer.privateKey);
  return { email: hosted.email, issuer, badge: hosted.badge, assertion, key, revocationListUrl, jws: sign(), sign, revoke };
}

/** A PNG with the pre-2013 legacy bake: the hosted URL in an `openbadges` tEXt chunk. */
export async function legacyTextPng(url: string): Promise<Buffer> {
  const png = await badgePicture();
  const data = Buffer.from(`openbadges\0${url}`, 'latin1');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write('tEXt', 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([png.subarray(0, 33), head, data, crc, png.subarray(33)]);
}
