import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { httpUrl, parseInput } from '../../src/services/validation.js';

describe('web address fields', () => {
  const parse = (v: string) => parseInput(httpUrl('Website'), v);

  it('refuses an address with a space or a control character, which signed JSON-LD documents would reject as an IRI', () => {
    for (const bad of ['https://example.org/a b', 'https://example.org/x?q=1 2', 'https://example.org/\ttab', 'https://example.org/\u0007']) {
      expect(() => parse(bad), JSON.stringify(bad)).toThrow(ValidationError);
    }
    expect(() => parse('https://example.org/a b')).toThrow(/Some values need attention/);
    try {
      parse('https://example.org/a b');
    } catch (err) {
      expect((err as ValidationError).fields._).toBe('Website must not contain spaces: write a space as %20.');
    }
  });

  it('keeps http(s) addresses as typed, percent-encoded spaces and markup characters included, and refuses other schemes', () => {
    expect(parse(' https://example.org/a%20b?q="x"&r=<y> ')).toBe('https://example.org/a%20b?q="x"&r=<y>');
    expect(parse('http://example.org')).toBe('http://example.org');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'ftp://example.org/', 'https://']) expect(() => parse(bad)).toThrow(ValidationError);
  });
});

// Issue 19: a website typed without a scheme is taken as https://…
describe('web addresses typed without a scheme', () => {
  const parse = (v: string) => parseInput(httpUrl('Website'), v);

  it('takes a bare host name, with or without a path or port, as https://', () => {
    expect(parse('riverside.example.org')).toBe('https://riverside.example.org');
    expect(parse(' www.riverside.org/about?x=1 ')).toBe('https://www.riverside.org/about?x=1');
    expect(parse('riverside.org:8080/clubs')).toBe('https://riverside.org:8080/clubs');
    expect(parse('http://riverside.org')).toBe('http://riverside.org');
  });

  it('still refuses what is not a web address, and says a missing one is required', () => {
    for (const bad of ['riverside', 'javascript:alert(1)', 'mailto:a@b.org', 'riverside .org', 'a..b']) {
      expect(() => parse(bad), bad).toThrow(ValidationError);
    }
    try {
      parseInput(httpUrl('Website'), undefined);
    } catch (err) {
      expect((err as ValidationError).fields._).toBe('Website is required.');
    }
  });

  it('answers at once for a megabyte of host-like text (refused by length before any pattern runs)', () => {
    const started = performance.now();
    const fieldOf = (v: string) => {
      try {
        parse(v);
      } catch (err) {
        return (err as ValidationError).fields._;
      }
      return null;
    };
    expect(fieldOf(`${'a'.repeat(1_000_000)}!`)).toBe('At most 2000 characters.');
    expect(fieldOf(`${'a.'.repeat(500_000)}-`)).toBe('At most 2000 characters.');
    expect(() => parse(`${'a.'.repeat(999)}a-`.padEnd(1999, 'a') + '!')).toThrow(ValidationError);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
