import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mdText, renderMarkdown } from '../../src/report/markdown-report.ts';
import { firstEmptyRun, HOSTILE, hostileRun, sampleRun } from './fixtures.ts';

/** Cells of a table line: split on pipes that are not escaped, outer pipes dropped. */
function cells(line: string): string[] {
  return line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
}

/** Every GFM table of the text: runs of lines starting with `|`. */
function tables(text: string): string[][] {
  const out: string[][] = [];
  let current: string[] | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) (current ??= []).push(line);
    else if (current) {
      out.push(current);
      current = null;
    }
  }
  if (current) out.push(current);
  return out;
}

function assertWellFormed(text: string): void {
  const all = tables(text);
  assert.ok(all.length >= 4, 'the report has its tables');
  for (const table of all) {
    const [header, separator, ...rows] = table;
    assert.ok(header && separator, 'a header and a separator line');
    assert.match(separator, /^\|( ?:?-{3,}:? ?\|)+$/, `separator: ${separator}`);
    const width = cells(header).length;
    assert.equal(cells(separator).length, width);
    for (const row of rows) {
      assert.ok(row.endsWith('|'), `row ends with a pipe: ${row}`);
      assert.equal(cells(row).length, width, `as many cells as the header: ${row}`);
    }
  }
}

describe('Markdown report', () => {
  it('has every section, in order', () => {
    const headings = renderMarkdown(sampleRun()).split('\n').filter((l) => /^#{1,2} /.test(l));
    assert.deepEqual(headings, [
      '# Key management audit report',
      '## Summary',
      '## Decision checklist',
      '## Remediation plan',
      '## Findings',
      '## Not assessed',
      '## Passed checks',
      '## Trend',
      '## Metrics',
    ]);
  });

  it('writes well-formed GFM tables, even when names hold pipes and newlines', () => {
    for (const run of [sampleRun(), hostileRun(), firstEmptyRun()]) assertWellFormed(renderMarkdown(run));
  });

  it('has a findings table per failed check with a row per finding', () => {
    const text = renderMarkdown(sampleRun());
    const findings = text.slice(text.indexOf('## Findings'), text.indexOf('## Not assessed'));
    const checks = findings.split('\n').filter((l) => l.startsWith('### '));
    assert.deepEqual(checks, [
      '### SEC-03: Secrets committed to source files (Critical)',
      '### ROT-01: Keys past their rotation period (High)',
      '### ACC-02: Standing administrative access to keys (Medium)',
      '### APR-01: Approvals decided slowly (Low)',
      '### INV-07: Keys without a description (Info)',
    ]);
    assert.deepEqual(tables(findings).map((t) => t.length - 2), [2, 3, 1, 1, 1]);
    assert.match(findings, /\| High \| key billing-prod \| \*\*Rotation overdue\*\*: billing-prod \(AES\\_256\\_GCM, tier 1\) was last rotated/);
  });

  it('lists not-assessed checks with their reasons, apart from passed ones', () => {
    const text = renderMarkdown(sampleRun());
    const section = text.slice(text.indexOf('## Not assessed'), text.indexOf('## Passed checks'));
    assert.match(section, /\| BAK-01 \| Backups never restored \| Not assessed \| No backup records: backups are not made through Keyward/);
    assert.match(section, /\| INV-02 \| External keys inventoried \| Error \| The aws connector timed out/);
    const passed = text.slice(text.indexOf('## Passed checks'), text.indexOf('## Trend'));
    assert.equal(tables(passed)[0]!.length - 2, 3);
    assert.doesNotMatch(passed, /BAK|INV-02/);
  });

  it('escapes what would become markup, links, emphasis or a new table cell', () => {
    const text = renderMarkdown(hostileRun());
    assert.doesNotMatch(text.replace(/<br>/g, ''), /(?<!\\)[<>]/, 'no raw HTML: every < and > is escaped (but the <br> of evidence lists)');
    assert.ok(!text.includes('[link](javascript'), 'no link');
    assert.ok(text.includes('\\<script\\>alert("pwned")\\</script\\>'));
    assert.ok(text.includes('@SUM(1+1) \\*bold\\* \\[link\\](javascript:alert(1))'));
    assert.ok(text.includes('first line, "quoted" second line \\| with a pipe and \\<img'), 'newlines folded, pipe escaped');
    assert.ok(!text.includes(HOSTILE.message), 'the raw message with its newlines is not there');
  });

  it('escapes line starts that would make a list, quote or heading', () => {
    assert.equal(mdText('- item'), '\\- item');
    assert.equal(mdText('# title'), '\\# title');
    assert.equal(mdText('> quote'), '\\> quote');
    assert.equal(mdText('1. first'), '1\\. first');
    assert.equal(mdText('a - b'), 'a - b', 'a dash inside a line stays readable');
  });

  it('says so when there is nothing to compare with', () => {
    assert.match(renderMarkdown(firstEmptyRun()), /## Trend\n\nThis is the first audit run of this instance/);
  });
});
