/**
 * Malformed and hostile bodies for `POST /api/v1/verify` as JSON ({assertion} or {url}): broken badge JSON, hostile
 * structures, addresses the verifier must not fetch, bad signed badges, and bodies that break the API's own shape.
 * `raw` bodies are sent as they are (not JSON-encoded).
 */
export interface BadBadgeBody {
  name: string;
  body?: unknown;
  raw?: string;
}

const ASSERTION = JSON.stringify({
  '@context': 'https://w3id.org/openbadges/v2',
  type: 'Assertion',
  id: 'https://badges.example.org/assertions/1',
  recipient: { type: 'email', hashed: true, salt: 'x', identity: 'sha256$00' },
  badge: 'https://badges.example.org/badges/1',
  verification: { type: 'hosted' },
  issuedOn: '2026-01-01T00:00:00Z',
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function badBadgeBodies(): BadBadgeBody[] {
  const truncations = [1, 2, 10, 40, 80, 120, 160, ASSERTION.length - 1].map((at) => ({
    name: `assertion JSON cut at ${at} of ${ASSERTION.length}`,
    body: { assertion: ASSERTION.slice(0, at) },
  }));
  const withId = (id: unknown) => JSON.stringify({ ...JSON.parse(ASSERTION), id });
  return [
    { name: 'empty assertion text', body: { assertion: '' } },
    { name: 'whitespace assertion text', body: { assertion: ' \n\t ' } },
    { name: 'assertion text null', body: { assertion: 'null' } },
    { name: 'assertion text that is a JSON array', body: { assertion: '[1,2,3]' } },
    { name: 'assertion text that is a JSON string', body: { assertion: '"https://badges.example.org/a/1"' } },
    ...truncations,
    { name: 'assertion nested 100,000 arrays deep (text)', body: { assertion: `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}` } },
    { name: 'assertion nested 100,000 objects deep (text)', body: { assertion: `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}` } },
    { name: 'assertion nested 3,000 objects deep (JSON)', raw: `{"assertion":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}` },
    { name: '__proto__ and constructor keys', raw: '{"assertion":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"type":"Assertion","id":"https://badges.example.org/a/1"}}' },
    { name: 'numbers out of range', body: { assertion: '{"type":"Assertion","id":1e999,"issuedOn":-1e999,"expires":123456789012345678901234567890}' } },
    { name: 'id javascript:', body: { assertion: withId('javascript:alert(1)') } },
    { name: 'id file:', body: { assertion: withId('file:///etc/passwd') } },
    { name: 'id data:', body: { assertion: withId('data:application/json,{}') } },
    { name: 'id at the cloud metadata address', body: { assertion: withId('http://169.254.169.254/latest/meta-data/') } },
    { name: 'id on loopback, another port', body: { assertion: withId('http://127.0.0.1:1/assertions/1') } },
    { name: 'id on IPv6 loopback', body: { assertion: withId('http://[::1]:22/') } },
    { name: 'id as a hex IP', body: { assertion: withId('http://0x7f000001/') } },
    { name: 'id an object', body: { assertion: withId({ id: 'https://x.example' }) } },
    { name: 'url at the cloud metadata address', body: { url: 'http://169.254.169.254/latest/meta-data/' } },
    { name: 'url on loopback, another port', body: { url: 'http://127.0.0.1:1/assertions/1' } },
    { name: 'url in a private network', body: { url: 'http://10.0.0.1/assertions/1' } },
    { name: 'url with user info pointing at loopback', body: { url: 'http://badges.example.org@127.0.0.1:1/' } },
    { name: 'url gopher:', body: { url: 'gopher://127.0.0.1:70/' } },
    { name: 'url file:', body: { url: 'file:///etc/passwd' } },
    { name: 'url of 5,000 characters', body: { url: `https://badges.example.org/${'a'.repeat(5000)}` } },
    { name: 'url that is not a string', body: { url: ['https://badges.example.org/a/1'] } },
    { name: 'both url and assertion', body: { url: 'https://badges.example.org/a/1', assertion: ASSERTION } },
    { name: 'neither url nor assertion', body: { email: 'ada@example.org' } },
    { name: 'assertion a number', body: { assertion: 12 } },
    { name: 'assertion an array', body: { assertion: [ASSERTION] } },
    { name: 'assertion text over 2 MB', body: { assertion: 'x'.repeat(2 * 1024 * 1024 + 1) } },
    { name: 'email that is not one', body: { assertion: ASSERTION, email: 'not an email' } },
    { name: 'email of 400 characters', body: { assertion: ASSERTION, email: `${'a'.repeat(390)}@example.org` } },
    { name: 'signed badge of three dots', body: { assertion: 'a.b.c' } },
    { name: 'signed badge with alg none', body: { assertion: `${b64url({ alg: 'none' })}.${b64url(JSON.parse(ASSERTION))}.` } },
    { name: 'signed badge with alg HS256', body: { assertion: `${b64url({ alg: 'HS256' })}.${b64url(JSON.parse(ASSERTION))}.c2lnbmF0dXJl` } },
    { name: 'signed badge with a 1 MB header', body: { assertion: `${b64url({ alg: 'RS256', x: 'x'.repeat(750_000) })}.${b64url({})}.AAAA` } },
    { name: 'signed badge whose payload is not JSON', body: { assertion: `${b64url({ alg: 'RS256' })}.${Buffer.from('not json').toString('base64url')}.AAAA` } },
    { name: 'signed badge whose header is not base64', body: { assertion: '!!!.e30.AAAA' } },
    { name: 'OB 3.0 credential without a proof', body: { assertion: JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential', 'OpenBadgeCredential'], issuer: 'https://badges.example.org/issuers/1' }) } },
    { name: 'OB 3.0 credential with a hostile proof', body: { assertion: JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2', 'https://evil.example/context.json'], type: ['VerifiableCredential', 'OpenBadgeCredential'], issuer: { id: 'did:web:127.0.0.1%3A1' }, proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: 'http://127.0.0.1:1/key', proofValue: 'z'.repeat(5000) } }) } },
    { name: 'body that is not JSON', raw: '{"assertion":' },
    { name: 'body that is a JSON string', raw: '"https://badges.example.org/a/1"' },
    { name: 'body that is a JSON array', raw: '[{"assertion":"x"}]' },
    { name: 'body with a lone surrogate', raw: '{"assertion":"\\ud800"}' },
  ];
}
