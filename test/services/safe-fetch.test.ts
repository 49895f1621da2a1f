import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FetchError } from '../../src/openbadges/verify/types.js';
import { createSafeFetch, isPublicAddress, VERIFIER_ACCEPT, type LookupFn } from '../../src/services/safe-fetch.js';
import { startForeignIssuer, type ForeignIssuer } from '../helpers/foreign-issuer.js';

// "Public" hosts are simulated: an injected DNS answer (127.0.0.2) that the injected address policy lets
// through, on top of the real policy. Nothing here leaves the loopback interface.
const FAKE_PUBLIC = 'badges.public.test';
let pub: ForeignIssuer; // listens on 127.0.0.2, the one address the test policy treats as public
let internal: ForeignIssuer; // listens on 127.0.0.1: private

beforeAll(async () => {
  pub = await startForeignIssuer('127.0.0.2');
  internal = await startForeignIssuer('127.0.0.1');
  internal.serveJson('/secret', { secret: true });
});
afterAll(async () => {
  await pub.close();
  await internal.close();
});

const port = (fi: ForeignIssuer) => new URL(fi.origin).port;
const publicUrl = (path: string) => `http://${FAKE_PUBLIC}:${port(pub)}${path}`;

function fakeDns(): LookupFn & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    if (hostname === FAKE_PUBLIC) return [{ address: '127.0.0.2', family: 4 }];
    if (hostname === 'mixed.public.test') return [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }];
    if (hostname === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  return Object.assign(lookup, { calls });
}

function publicOnlyFetch(options: { timeoutMs?: number; maxBytes?: number } = {}) {
  const lookup = fakeDns();
  const fetch = createSafeFetch({
    allowPrivateNetworks: false,
    lookup,
    isAllowedAddress: (address) => address === '127.0.0.2' || isPublicAddress(address),
    ...options,
  });
  return { fetch, lookup };
}

async function refusal(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

describe('createSafeFetch with private networks refused', () => {
  const fetch = createSafeFetch({ allowPrivateNetworks: false });

  it.each([
    ['127.0.0.1', () => `http://127.0.0.1:${port(internal)}/secret`],
    ['10.0.0.1', () => 'http://10.0.0.1/'],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
    ['[::1]', () => `http://[::1]:${port(internal)}/secret`],
    ['a name resolving to loopback (localhost)', () => `http://localhost:${port(internal)}/secret`],
    ['an IPv4-mapped IPv6 address', () => `http://[::ffff:127.0.0.1]:${port(internal)}/secret`],
    ['a decimal IPv4 literal', () => `http://2130706433:${port(internal)}/secret`],
  ])('refuses %s with a clear message', async (_name, url) => {
    const before = internal.requests.length;
    const error = await refusal(fetch(url()));
    expect(error.code).toBe('private_address');
    expect(error.message).toMatch(/^the address points to a private or local network \(.+\), which Kiln does not contact$/);
    expect(internal.requests.length).toBe(before);
  });

  it.each([
    ['hex and short IPv4 (0x7f.1)', () => `http://0x7f.1:${port(internal)}/secret`],
    ['short IPv4 (127.1)', () => `http://127.1:${port(internal)}/secret`],
    ['octal IPv4 (0177.0.0.1)', () => `http://0177.0.0.1:${port(internal)}/secret`],
    ['hex IPv4 (0x7f000001)', () => `http://0x7f000001:${port(internal)}/secret`],
    ['a trailing dot (127.0.0.1.)', () => `http://127.0.0.1.:${port(internal)}/secret`],
    ['a percent-encoded host (%31%32%37.0.0.1)', () => `http://%31%32%37.0.0.1:${port(internal)}/secret`],
    ['an IPv4-compatible IPv6 address', () => `http://[::127.0.0.1]:${port(internal)}/secret`],
    ['a NAT64 address of loopback', () => `http://[64:ff9b::7f00:1]:${port(internal)}/secret`],
    ['a 6to4 address of a private network', () => 'http://[2002:c0a8:101::1]/'],
    ['a documentation address', () => 'http://192.0.2.10/'],
    ['a CGNAT address', () => 'http://100.64.1.1/'],
  ])('refuses %s', async (_name, url) => {
    const before = internal.requests.length;
    expect((await refusal(fetch(url()))).code).toBe('private_address');
    expect(internal.requests.length).toBe(before);
  });

  it('refuses an IPv6 literal with a zone id as an invalid address', async () => {
    expect((await refusal(fetch(`http://[fe80::1%25lo]:${port(internal)}/secret`))).code).toBe('bad_url');
  });

  it('refuses schemes other than http and https', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.org/x', 'javascript:alert(1)', 'gopher://x/']) {
      expect((await refusal(fetch(url))).code).toBe('unsupported_protocol');
    }
    expect((await refusal(fetch('not a url'))).code).toBe('bad_url');
    expect((await refusal(fetch(`http://user:pw@127.0.0.1:${port(internal)}/`))).code).toBe('bad_url');
  });
});

describe('createSafeFetch following redirects', () => {
  it('fetches from an allowed host, sending the verifier Accept header', async () => {
    let accept: string | undefined;
    const server = http.createServer((req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { 'Content-Type': 'application/ld+json; charset=utf-8' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const { fetch } = publicOnlyFetch();
    const result = await fetch(`http://${FAKE_PUBLIC}:${(server.address() as AddressInfo).port}/doc`);
    server.close();
    expect(result).toMatchObject({ status: 200, contentType: 'application/ld+json' });
    expect(result.body.toString()).toBe('{"ok":true}');
    expect(accept).toBe(VERIFIER_ACCEPT);
  });

  it('refuses a redirect from an allowed host to a private address', async () => {
    pub.serve('/hop-to-ip', { status: 302, headers: { Location: `http://127.0.0.1:${port(internal)}/secret` } });
    pub.serve('/hop-to-name', { status: 301, headers: { Location: `http://localhost:${port(internal)}/secret` } });
    const before = internal.requests.length;
    const { fetch } = publicOnlyFetch();
    for (const path of ['/hop-to-ip', '/hop-to-name']) {
      const error = await refusal(fetch(publicUrl(path)));
      expect(error.code).toBe('private_address');
      expect(error.message).toContain('127.0.0.1');
    }
    expect(internal.requests.length).toBe(before);
  });

  it('refuses a host when any of its DNS answers is private', async () => {
    const { fetch } = publicOnlyFetch();
    expect((await refusal(fetch('http://mixed.public.test/'))).code).toBe('private_address');
  });

  it('connects to the vetted address without resolving the name again', async () => {
    pub.serveJson('/pinned', { pinned: true });
    const { fetch, lookup } = publicOnlyFetch();
    const result = await fetch(publicUrl('/pinned'));
    expect(JSON.parse(result.body.toString())).toEqual({ pinned: true });
    expect(lookup.calls).toEqual([FAKE_PUBLIC]);
  });

  it('follows up to 3 redirects, resolving relative locations, and refuses a 4th', async () => {
    pub.serve('/r1', { status: 301, headers: { Location: '/r2' } });
    pub.serve('/r2', { status: 302, headers: { Location: 'r3' } });
    pub.serve('/r3', { status: 307, headers: { Location: publicUrl('/final') } });
    pub.serveJson('/final', { final: true });
    pub.serve('/r0', { status: 308, headers: { Location: '/r1' } });
    const { fetch } = publicOnlyFetch();
    const result = await fetch(publicUrl('/r1'));
    expect(result).toMatchObject({ status: 200, url: publicUrl('/final') });
    const error = await refusal(fetch(publicUrl('/r0')));
    expect(error.code).toBe('too_many_redirects');
  });

  it('gives up after the timeout', async () => {
    const server = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const { fetch } = publicOnlyFetch({ timeoutMs: 200 });
    const started = Date.now();
    const error = await refusal(fetch(`http://${FAKE_PUBLIC}:${(server.address() as AddressInfo).port}/slow`));
    server.closeAllConnections();
    server.close();
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses bodies over the size cap, declared or streamed', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x20);
    pub.serve('/big', { type: 'application/json', body: big });
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(big.subarray(0, 1024 * 1024));
      res.write(big.subarray(0, 1024 * 1024));
      res.end(big.subarray(0, 1024 * 1024));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const { fetch } = publicOnlyFetch();
    expect((await refusal(fetch(publicUrl('/big')))).code).toBe('too_large');
    expect((await refusal(fetch(`http://${FAKE_PUBLIC}:${(server.address() as AddressInfo).port}/chunked`))).code).toBe('too_large');
    server.closeAllConnections();
    server.close();
  });

  it('reports an unknown host as not found', async () => {
    const { fetch } = publicOnlyFetch();
    const error = await refusal(fetch('https://no-such-host.public.test/x'));
    expect(error.code).toBe('dns_failed');
  });
});

describe('createSafeFetch with a local handler for our own PUBLIC_URL', () => {
  it('answers our own URLs in-process, also after a redirect, without touching the network', async () => {
    const ours = 'http://127.0.0.1:1';
    const fetch = createSafeFetch({
      allowPrivateNetworks: false,
      lookup: fakeDns(),
      isAllowedAddress: (address) => address === '127.0.0.2' || isPublicAddress(address),
      local: async (url) => (url.startsWith(`${ours}/`) ? { url, status: 200, contentType: 'application/ld+json', body: Buffer.from('{"local":true}') } : null),
    });
    expect((await fetch(`${ours}/issuers/1`)).body.toString()).toBe('{"local":true}');
    pub.serve('/to-ours', { status: 302, headers: { Location: `${ours}/badges/2` } });
    expect(await fetch(publicUrl('/to-ours'))).toMatchObject({ url: `${ours}/badges/2`, status: 200 });
  });

  it('still fetches loopback when private networks are allowed', async () => {
    const fetch = createSafeFetch({ allowPrivateNetworks: true });
    const result = await fetch(`http://127.0.0.1:${port(internal)}/secret`);
    expect(JSON.parse(result.body.toString())).toEqual({ secret: true });
  });
});

describe('createSafeFetch with DNS names whose answers are private in disguise', () => {
  // The real address policy, with only DNS injected: each name "resolves" to a form of a private address.
  const answers: Record<string, string> = {
    'mapped.example.test': '::ffff:127.0.0.1',
    'mapped-hex.example.test': '::ffff:7f00:1',
    'translated.example.test': '::ffff:0:7f00:1',
    'compatible.example.test': '::7f00:1',
    'nat64.example.test': '64:ff9b::a9fe:a9fe',
    'nat64-local.example.test': '64:ff9b:1::808:808',
    'sixtofour.example.test': '2002:7f00:1::',
    'teredo.example.test': '2001:0:4136:e378:8000:63bf:80ff:fffe',
    'zoned.example.test': 'fe80::1%lo',
    'short-form.example.test': '127.1',
    'decimal.example.test': '2130706433',
    'documentation.example.test': '2001:db8::1',
    'documentation-3fff.example.test': '3fff::1',
    'benchmark.example.test': '198.18.0.1',
    'benchmark6.example.test': '2001:2::1',
    'multicast.example.test': '224.0.0.251',
    'cgnat.example.test': '100.100.100.200',
  };
  const lookup: LookupFn = async (hostname) => {
    const address = answers[hostname];
    if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  const fetch = createSafeFetch({ allowPrivateNetworks: false, lookup });

  it.each(Object.entries(answers))('refuses %s (resolving to %s)', async (name, address) => {
    const before = internal.requests.length;
    const error = await refusal(fetch(`http://${name}:${port(internal)}/secret`));
    expect(error.code).toBe('private_address');
    expect(error.message).toContain(address);
    expect(internal.requests.length).toBe(before);
  });
});
