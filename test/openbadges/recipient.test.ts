import { describe, it, expect } from 'vitest';
import { hashIdentity, normaliseEmail, recipientMatches } from '../../src/openbadges/recipient.js';

describe('hashIdentity', () => {
  it.each([
    ['mayze', '', 'sha256$7a1a1b3f7d40552e4299180e346e3add12bf9a751a43d9c4ca4518febc2c60c6'],
    ['a@example.com', 'Kosher', 'sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399'],
    ['jjefferson18@example.com', 'FleurDeSel', 'sha256$658625b25ab3d75d613ca97d9a5a77f70e2192feca5557f4ad09a4d4f121f5fc'],
    ['alice@example.org', 'deadsea', 'sha256$c934fdacc6242be0277a284970416aa9bfa583241fb85094bc96c504ee0abd4e'],
  ])('hashes %j with salt %j to the published vector', (identity, salt, expected) => {
    expect(hashIdentity(identity, salt)).toBe(expected);
  });
});

describe('normaliseEmail', () => {
  it('trims and lowercases', () => {
    expect(normaliseEmail('  Alice@Example.ORG \n')).toBe('alice@example.org');
  });
});

describe('recipientMatches', () => {
  const hashed = {
    type: 'email',
    hashed: true,
    salt: 'deadsea',
    identity: 'sha256$c934fdacc6242be0277a284970416aa9bfa583241fb85094bc96c504ee0abd4e',
  };

  it('matches a salted sha256 hash after normalising the supplied email', () => {
    expect(recipientMatches(hashed, ' Alice@Example.ORG ')).toBe(true);
  });

  it('does not match another email', () => {
    expect(recipientMatches(hashed, 'bob@example.org')).toBe(false);
    expect(recipientMatches(hashed, 'alice@example.org.evil')).toBe(false);
  });

  it('compares hex case-insensitively', () => {
    expect(recipientMatches({ ...hashed, identity: `sha256$${hashed.identity.slice(7).toUpperCase()}` }, 'alice@example.org')).toBe(true);
  });

  it('treats a missing salt as an unsalted hash', () => {
    const unsalted = { type: 'email', hashed: true, identity: 'sha256$7a64adf28737ea90719cbdf0b1a87a5effff3753b79c91d717f4f4153ead0498' };
    expect(recipientMatches(unsalted, 'alice@example.org')).toBe(true);
  });

  it('matches an md5 hash', () => {
    const md5 = { type: 'email', hashed: true, salt: 'deadsea', identity: 'md5$d7e7e38b014cb2425985186a74477dd1' };
    expect(recipientMatches(md5, 'ALICE@example.org')).toBe(true);
    expect(recipientMatches(md5, 'bob@example.org')).toBe(false);
  });

  it('compares plaintext identities after normalising both sides', () => {
    const plain = { type: 'email', hashed: false, identity: 'Alice@Example.org' };
    expect(recipientMatches(plain, ' alice@example.ORG')).toBe(true);
    expect(recipientMatches(plain, 'bob@example.org')).toBe(false);
  });

  it('rejects unknown algorithms, wrong hex lengths and non-email recipients', () => {
    expect(recipientMatches({ ...hashed, identity: `sha1$${'0'.repeat(40)}` }, 'alice@example.org')).toBe(false);
    expect(recipientMatches({ ...hashed, identity: hashed.identity.slice(0, -1) }, 'alice@example.org')).toBe(false);
    expect(recipientMatches({ ...hashed, identity: hashed.identity.replace('sha256', 'SHA256') }, 'alice@example.org')).toBe(false);
    expect(recipientMatches({ ...hashed, type: 'url' }, 'alice@example.org')).toBe(false);
  });
});
