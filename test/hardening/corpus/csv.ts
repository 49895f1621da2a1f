import { seeded } from './random.js';

/** A malformed or refusable CSV file, and the name of what is wrong with it. */
export interface BadCsv {
  name: string;
  bytes: Buffer;
}

const text = (s: string) => Buffer.from(s, 'utf8');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3e1bd7b0000000049454e44ae426082', 'hex');

/** Award CSVs (email, name, narrative, evidence_url, …) that must be refused whole: nothing awarded, nothing kept. */
export function badAwardCsvs(): BadCsv[] {
  const random = seeded(0x637376);
  const good = (n: number) => Array.from({ length: n }, (_, i) => `learner${i}@example.org,Learner ${i}`).join('\n');
  const items: Array<[string, Buffer]> = [
    ['empty file', Buffer.alloc(0)],
    ['BOM only', text('\ufeff')],
    ['blank lines only', text('\n\r\n'.repeat(50_000))],
    ['header only', text('email,name\n')],
    ['no email column', text('name,narrative\nAda,Wrote a story\n')],
    ['unknown column', text('email,colour\nada@example.org,blue\n')],
    ['email column twice', text('email,email\nada@example.org,ada@example.org\n')],
    ['20,000 columns in the header', text(`email,${Array.from({ length: 20_000 }, (_, i) => `c${i}`).join(',')}\nada@example.org\n`)],
    ['a quoted value never closed', text('email,name\n"ada@example.org,Ada\nbob@example.org,Bob\n')],
    ['a quote inside an unquoted value', text('email,name\nada@exa"mple.org,Ada\n')],
    ['text after a closing quote', text('email,name\n"ada@example.org"x,Ada\n')],
    ['a quoted value spanning 9,000 lines, never closed', text(`email,narrative\nada@example.org,"${'line\n'.repeat(9000)}`)],
    ['a 150,000-character value', text(`email,narrative\nada@example.org,${'x'.repeat(150_000)}\n`)],
    ['a line with more values than columns', text('email,name\nada@example.org,Ada,extra,values\n')],
    ['10,001 recipients', text(`email,name\n${good(10_001)}\n`)],
    ['one bad email among 500', text(`email,name\n${good(250)}\nnot-an-email,Nobody\n${good(249).replace(/learner/g, 'other')}\n`)],
    ['every email invalid', text('email\n@\na@\n@b\nada at example.org\n')],
    ['a spreadsheet formula as the email', text('email,name\n=HYPERLINK("http://evil.example","click"),Ada\n')],
    ['an impossible date', text('email,issued_on\nada@example.org,2026-13-45\n')],
    ['expiry before issue', text('email,issued_on,expires\nada@example.org,2026-05-01,2026-04-01\n')],
    ['a javascript: evidence URL', text('email,evidence_url\nada@example.org,javascript:alert(1)\n')],
    ['a file: evidence URL', text('email,evidence_url\nada@example.org,file:///etc/passwd\n')],
    ['header with semicolons, rows with commas', text('email;name\nada@example.org,Ada\n')],
    ['a NUL byte', text('email,name\nada@example.org,A\u0000da\n')],
    ['Latin-1 (ë as 0xEB)', Buffer.from('email,name\nzoe@example.org,Zoë\n', 'latin1')],
    ['UTF-16LE with BOM', Buffer.from('\ufeffemail,name\nada@example.org,Ada\n', 'utf16le')],
    ['invalid UTF-8 continuation bytes', Buffer.concat([text('email,name\nada@example.org,'), Buffer.from([0x80, 0xbf, 0xc0]), text('\n')])],
    ['a PNG image', PNG],
    ['64 KB of noise', random.bytes(64 * 1024)],
    ['HTML page', text('<!doctype html><html><script>alert(1)</script></html>')],
    ['JSON', text('{"recipients":[{"email":"ada@example.org"}]}')],
    ['a ZIP (xlsx) file', Buffer.concat([Buffer.from('504b0304140006000800', 'hex'), random.bytes(400)])],
  ];
  return items.map(([name, bytes]) => ({ name, bytes }));
}

/** A CSV over the 5 MB limit (413), kept apart: it is large to build and to send. */
export function oversizedCsv(): BadCsv {
  const line = 'learner@example.org,Somebody with a long name\n';
  return { name: 'over 5 MB', bytes: text(`email,name\n${line.repeat(Math.ceil((5 * 1024 * 1024) / line.length) + 10)}`) };
}

/** Alignment framework CSVs (name, url, code, description) that must be refused. */
export function badFrameworkCsvs(): BadCsv[] {
  const items: Array<[string, Buffer]> = [
    ['empty file', Buffer.alloc(0)],
    ['no name or url column', text('code,description\nA1,Something\n')],
    ['header only', text('name,url\n')],
    ['a quoted value never closed', text('name,url\n"Reading,https://example.org/r\n')],
    ['a quote inside an unquoted value', text('name,url\nRea"ding,https://example.org/r\n')],
    ['a javascript: target URL', text('name,url\nReading,javascript:alert(1)\n')],
    ['2,001 targets', text(`name,url\n${Array.from({ length: 2001 }, (_, i) => `Target ${i},https://example.org/t/${i}`).join('\n')}\n`)],
    ['over 2 MB', text(`name,url\n${'Reading,https://example.org/r\n'.repeat(75_000)}`)],
    ['Latin-1 (é as 0xE9)', Buffer.from('name,url\nCafé skills,https://example.org/cafe\n', 'latin1')],
    ['UTF-16LE with BOM', Buffer.from('\ufeffname,url\nReading,https://example.org/r\n', 'utf16le')],
    ['a NUL byte', text('name,url\nRea\u0000ding,https://example.org/r\n')],
    ['a PNG image', PNG],
  ];
  return items.map(([name, bytes]) => ({ name, bytes }));
}
