import { describe, expect, it } from 'vitest';
import type { BadgeClass } from '../../src/repos/badge-classes.js';
import type { Issuer } from '../../src/repos/issuers.js';
import type { QualityStandard } from '../../src/repos/quality-standards.js';
import { scoreBadge } from '../../src/services/quality-standards.js';
import { parseTargetsCsv } from '../../src/services/alignment-frameworks.js';
import { ValidationError } from '../../src/errors.js';

const badge = (overrides: Partial<BadgeClass> = {}): BadgeClass => ({
  id: 'b',
  issuerId: 'i',
  name: 'Badge',
  description: 'A badge.',
  imageCaption: '',
  criteriaNarrative: '',
  criteriaUrl: null,
  tags: [],
  alignments: [],
  expiresAfterDays: null,
  hasSvg: false,
  archivedAt: null,
  deletedAt: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...overrides,
});
// Scoring reads only the issuer's website and email.
const issuer = { id: 'i', name: 'Club', url: 'https://club.example.org', email: 'a@club.example.org' } as Issuer;
const standard = (rules: QualityStandard['rules']): QualityStandard => ({ id: 's', name: 'S', description: '', rules, createdBy: null, createdAt: '' });

describe('scoring a badge class against a standard', () => {
  it('counts criteria words, ignoring Markdown punctuation, against minWords', () => {
    const rules = standard([{ type: 'automatic', check: 'criteriaNarrative', minWords: 5 }]);
    expect(scoreBadge(rules, badge({ criteriaNarrative: 'Plan - record * edit a' }), issuer).ready).toBe(false);
    expect(scoreBadge(rules, badge({ criteriaNarrative: 'Plan, **record**, edit and share.' }), issuer).ready).toBe(true);
  });

  it('passes each automatic check only when its field is set, and leaves judgements to the reviewer', () => {
    const all = standard([
      { type: 'automatic', check: 'evidence' },
      { type: 'automatic', check: 'alignment' },
      { type: 'automatic', check: 'altText' },
      { type: 'automatic', check: 'issuerContact' },
      { type: 'automatic', check: 'validity' },
      { type: 'judgement', guidance: 'Fair?' },
    ]);
    const empty = scoreBadge(all, badge({ imageCaption: '  ' }), { ...issuer, url: '' });
    expect(empty.results.map((r) => r.passed)).toEqual([false, false, false, false, false, null]);
    expect(empty.ready).toBe(false);
    const full = scoreBadge(
      all,
      badge({ criteriaNarrative: 'Show your Evidence.', alignments: [{ targetName: 'T', targetUrl: 'https://t.example.org' }], imageCaption: 'A star', expiresAfterDays: 30 }),
      issuer,
    );
    expect(full.results.map((r) => r.passed)).toEqual([true, true, true, true, true, null]);
    expect(full).toMatchObject({ ready: true, automaticPassed: 5, automaticTotal: 5, judgementCount: 1 });
  });
});

describe('reading a framework CSV', () => {
  it('reads columns in any order, with quoted commas', () => {
    expect(parseTargetsCsv('url,name,code\nhttps://f.example.org/1,"Read, write",R1\n')).toEqual([
      { url: 'https://f.example.org/1', name: 'Read, write', code: 'R1', description: '' },
    ]);
  });

  it('refuses a file without name and url columns, or with a non-web URL, naming the line', () => {
    expect(() => parseTargetsCsv('code,title\nA,B')).toThrow(ValidationError);
    try {
      parseTargetsCsv('name,url\nOk,https://f.example.org\nBad,data:text/html,x');
      expect.unreachable();
    } catch (err) {
      expect((err as ValidationError).fields.csv).toMatch(/^Line 3: url must be a full web address/);
    }
  });
});
