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
