import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { csvField, csvTable } from '../../src/report/csv.ts';
import { renderCsv } from '../../src/report/csv-report.ts';
import { HOSTILE, hostileRun, sampleRun } from './fixtures.ts';

function rows(text: string): Record<string, string>[] {
  return parse<Record<string, string>>(text, { columns: true, record_delimiter: '\r\n', relax_quotes: false, relax_column_count: false });
}

describe('CSV', () => {
  it('quotes a field with a comma, quote, CR or LF and doubles its quotes (RFC 4180)', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\rhere'), '"cr\rhere"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(-3.5), '-3.5', 'a number is data, not a formula');
  });

  it('neutralises cells a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) assert.ok(csvField(`${start}1+1`).replace(/^"/, '').startsWith(`'${start}`), JSON.stringify(start));
    assert.equal(csvField('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
    assert.equal(csvField('a=b'), 'a=b', 'only the first character matters');
  });

  it('ends every record, the last too, with CRLF', () => {
    assert.equal(csvTable(['a', 'b'], [[1, 'x'], [null, 'y,z']]), 'a,b\r\n1,x\r\n,"y,z"\r\n');
  });

  it('round-trips through a CSV parser: commas, quotes and newlines come back as they were', () => {
    const run = hostileRun();
    const parsed = rows(renderCsv(run, 'findings'));
    const findings = run.results.flatMap((r) => r.findings);
    assert.equal(parsed.length, findings.length);
    const evil = parsed.find((r) => r['subject_label'] === HOSTILE.keyName);
    assert.ok(evil, 'the hostile finding, its key name intact');
    assert.equal(evil['message'], HOSTILE.message, 'commas, quotes, LF and CRLF inside a field survive');
    assert.equal(evil['title'], `'${HOSTILE.checkTitle}`, 'a title starting with @ is neutralised');
    assert.equal(evil['fingerprint'], `'${HOSTILE.fingerprint}`, 'a fingerprint starting with + is neutralised');
    assert.equal(evil['evidence'], `file src/a"b.ts:7; identity ${HOSTILE.label}`);
    assert.equal(evil['trend'], 'new');
    for (const row of parsed) for (const value of Object.values(row)) assert.doesNotMatch(value, /^[=+\-@\t\r]/, 'no cell starts a formula');
  });

  it('writes one row per finding with its check, subject, evidence and frameworks', () => {
    const parsed = rows(renderCsv(sampleRun()));
    assert.deepEqual(Object.keys(parsed[0]!), ['run_id', 'check_id', 'check_title', 'severity', 'title', 'message', 'subject_kind', 'subject_id', 'subject_label', 'evidence', 'frameworks', 'trend', 'fingerprint']);
    assert.equal(parsed.length, 8);
    const first = parsed[0]!;
    assert.equal(first['check_id'], 'ROT-01');
    assert.equal(first['subject_label'], 'billing-prod');
    assert.equal(first['frameworks'], 'NIST SP 800-57 §5.3; PCI DSS 4.0 3.7.4; ISO/IEC 27001:2022 A.8.24');
    assert.equal(first['trend'], 'still open');
    const file = parsed.find((r) => r['subject_kind'] === 'file' && r['subject_id']!.includes('rotate'))!;
    assert.equal(file['subject_id'], 'deploy/old scripts/rotate, keys.sh');
  });

  it('exports the checks with every status, the remediation plan in order, and the metrics', () => {
    const run = sampleRun();
    const checks = rows(renderCsv(run, 'checks'));
    assert.deepEqual(
      checks.map((c) => [c['check_id'], c['status'], c['findings']]),
      run.results.map((r) => [r.check.id, r.status, String(r.findings.length)]),
    );
    assert.match(checks.find((c) => c['check_id'] === 'BAK-01')!['reason']!, /^No backup records/);

    const shuffled = { ...run, remediation: [...run.remediation].reverse() };
    assert.deepEqual(rows(renderCsv(shuffled, 'remediation')).map((r) => [r['rank'], r['check_id']]), [
      ['1', 'SEC-03'],
      ['2', 'ROT-01'],
      ['3', 'ACC-02'],
      ['4', 'APR-01'],
      ['5', 'INV-07'],
    ]);

    const metrics = rows(renderCsv(run, 'metrics'));
    const value = (metric: string, dimension = ''): string | undefined => metrics.find((m) => m['metric'] === metric && m['dimension'] === dimension)?.['value'];
    assert.equal(value('keys.total'), '14');
    assert.equal(value('keys.byEnvironment', 'prod'), '7');
    assert.equal(value('rotationCompliancePct'), '78.6');
    assert.equal(value('maturity.dimension', 'recovery'), '1');
    assert.equal(value('expiredPct'), '0');
  });
});
