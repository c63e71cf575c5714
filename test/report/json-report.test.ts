import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeywardError } from '../../src/core/errors.ts';
import { parseAuditRun } from '../../src/report/audit-run-schema.ts';
import { renderJson } from '../../src/report/json-report.ts';
import { firstEmptyRun, hostileRun, sampleRun } from './fixtures.ts';

function rejection(value: unknown): KeywardError {
  try {
    parseAuditRun(value);
  } catch (err) {
    assert.ok(err instanceof KeywardError);
    return err;
  }
  assert.fail('accepted');
}

describe('JSON report', () => {
  it('is the run as is: parsing it gives the run back', () => {
    for (const run of [sampleRun(), hostileRun(), firstEmptyRun()]) assert.deepEqual(JSON.parse(renderJson(run)), run);
  });

  it('sorts object keys at every depth, so key order in the run does not matter', () => {
    const run = sampleRun();
    const reordered = Object.fromEntries(Object.entries(run).reverse()) as unknown as typeof run;
    assert.equal(renderJson(reordered), renderJson(run));
    const text = renderJson(run);
    assert.match(text, /^\{\n {2}"checklist": \[/);
    assert.ok(text.indexOf('"checkId"') < text.indexOf('"evidence"') && text.indexOf('"evidence"') < text.indexOf('"fingerprint"'));
    assert.ok(text.endsWith('}\n'));
  });
});

describe('parseAuditRun', () => {
  it('accepts runs as the assess domain makes them, and members a newer version may add', () => {
    for (const run of [sampleRun(), hostileRun(), firstEmptyRun()]) assert.equal(parseAuditRun(run), run);
    const newer = { ...sampleRun(), baseline: { id: 'b1' } };
    assert.equal(parseAuditRun(newer), newer);
  });

  it('names the first field that does not fit, never its value', () => {
    const run = sampleRun();
    const badSeverity = { ...run, results: [{ ...run.results[0]!, findings: [{ ...run.results[0]!.findings[0]!, severity: 'catastrophic-secret-value' }] }] };
    const err = rejection(badSeverity);
    assert.equal(err.code, 'validation_failed');
    assert.match(err.message, /^not an audit run: results\.0\.findings\.0\.severity: /);
    assert.doesNotMatch(err.message, /catastrophic-secret-value/);
    assert.equal(err.details['field'], 'results.0.findings.0.severity');

    const { trend: _trend, ...noTrend } = run;
    assert.match(rejection(noTrend).message, /trend/);
    assert.match(rejection({ ...run, maturity: { ...run.maturity, level: 6 } }).message, /maturity\.level/);
    assert.match(rejection({ ...run, metrics: { ...run.metrics, rotationCompliancePct: 140 } }).message, /metrics\.rotationCompliancePct/);
    assert.match(rejection({ ...run, metrics: { ...run.metrics, keys: { ...run.metrics.keys, total: -1 } } }).message, /metrics\.keys\.total/);
    assert.match(rejection([run]).message, /^not an audit run: run: /);
    assert.match(rejection(null).message, /^not an audit run/);
  });
});
