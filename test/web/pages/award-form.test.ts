import { describe, expect, it } from 'vitest';
import { parseRecipientLines } from '../../../src/web/pages/award-form.js';

describe('reading the recipients box', () => {
  it('reads "email", "email, name", "email; name" and "Name <email>", keeping the line numbers people see', () => {
    const text = 'ana@example.org\n\nben@example.org, Ben Lee\r\ncat@example.org; Cat\n"Dee Dee" <dee@example.org>\n<eve@example.org>';
    expect(parseRecipientLines(text)).toEqual([
      { email: 'ana@example.org', line: 1 },
      { email: 'ben@example.org', name: 'Ben Lee', line: 3 },
      { email: 'cat@example.org', name: 'Cat', line: 4 },
      { email: 'dee@example.org', name: 'Dee Dee', line: 5 },
      { email: 'eve@example.org', line: 6 },
    ]);
  });

  it('reads a line of a million "<" in linear time', () => {
    const started = performance.now();
    const [only] = parseRecipientLines('<'.repeat(1_000_000));
    expect(performance.now() - started).toBeLessThan(500);
    expect(only!.line).toBe(1);
  });
});
