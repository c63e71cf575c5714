import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Log, Result } from 'sarif';
import { renderSarif } from '../../src/report/sarif-report.ts';
import { firstEmptyRun, HOSTILE, hostileRun, sampleRun } from './fixtures.ts';

// The OASIS SARIF 2.1.0 schema, verbatim (see test/fixtures/sarif/README.md).
const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

function sarif(run = sampleRun()): Log {
  const text = renderSarif(run, { toolVersion: '0.1.0' });
  const log = JSON.parse(text) as Log;
  const valid = validate(log);
  assert.deepEqual(valid ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message ?? ''}`), [], 'valid against the SARIF 2.1.0 schema');
  return log;
}

function resultsOf(log: Log): Result[] {
  return log.runs[0]!.results!;
}

describe('SARIF report', () => {
  it('is valid SARIF 2.1.0 for a full run, a hostile run and an empty first run', () => {
    for (const run of [sampleRun(), hostileRun(), firstEmptyRun()]) {
      const log = sarif(run);
      assert.equal(log.version, '2.1.0');
      assert.equal(log.runs.length, 1);
    }
  });

  it('the schema check itself rejects a broken log', () => {
    const log = JSON.parse(renderSarif(sampleRun())) as { runs: { results: { level: string }[] }[] };
    log.runs[0]!.results[0]!.level = 'severe';
    assert.equal(validate(log), false);
  });

  it('describes every check once as a rule with help, frameworks and a security severity', () => {
    const run = sampleRun();
    const rules = sarif(run).runs[0]!.tool.driver.rules!;
    assert.deepEqual(
      rules.map((r) => r.id),
      run.results.map((r) => r.check.id),
    );
    const rot = rules.find((r) => r.id === 'ROT-01')!;
    assert.equal(rot.name, 'KeysPastTheirRotationPeriod');
    assert.equal(rot.shortDescription?.text, 'Keys past their rotation period');
    assert.match(rot.help?.text ?? '', /^Rotate the key .*\n\nReferences: NIST SP 800-57 §5\.3; PCI DSS 4\.0 3\.7\.4; ISO\/IEC 27001:2022 A\.8\.24$/);
    assert.equal(rot.defaultConfiguration?.level, 'error');
    assert.equal(rot.properties?.['security-severity'], '8.0');
    assert.deepEqual(rot.properties?.['frameworks'], [
      { framework: 'NIST SP 800-57', control: '§5.3' },
      { framework: 'PCI DSS 4.0', control: '3.7.4' },
      { framework: 'ISO/IEC 27001:2022', control: 'A.8.24' },
    ]);
    assert.deepEqual(rot.properties?.tags, ['security', 'key-management', 'NIST SP 800-57', 'PCI DSS 4.0', 'ISO/IEC 27001:2022']);
    const sec = rules.find((r) => r.id === 'SEC-03')!;
    assert.equal(sec.properties?.['security-severity'], '9.5');
  });

  it('makes one result per finding, pointing at its rule, with the fingerprint and level of its severity', () => {
    const run = sampleRun();
    const log = sarif(run);
    const results = resultsOf(log);
    const findings = run.results.flatMap((r) => r.findings);
    assert.equal(results.length, findings.length);
    const rules = log.runs[0]!.tool.driver.rules!;
    results.forEach((res, i) => {
      const f = findings[i]!;
      assert.equal(res.ruleId, f.checkId);
      assert.equal(rules[res.ruleIndex!]!.id, f.checkId);
      assert.deepEqual(res.partialFingerprints, { 'keywardFinding/v1': f.fingerprint });
      assert.equal(res.message.text, `${f.title}: ${f.message}`);
    });
    const levels = Object.fromEntries(results.map((r) => [r.partialFingerprints!['keywardFinding/v1'], r.level]));
    assert.equal(levels['SEC-03:services/payments/config/prod.env:14'], 'error');
    assert.equal(levels['ROT-01:inv_aws_kms_1'], 'warning');
    assert.equal(levels['APR-01:apr_5e6f7a8b9c0d1e2f3a4b5c6d'], 'note');
  });

  it('locates keys and identities logically and files physically, with the line', () => {
    const results = resultsOf(sarif());
    const byFp = (fp: string): Result => results.find((r) => r.partialFingerprints!['keywardFinding/v1'] === fp)!;
    const key = byFp('ROT-01:key_4f1c2a9e0b7d3c5a1e2f3a4b');
    assert.deepEqual(key.locations, [{ logicalLocations: [{ name: 'billing-prod', fullyQualifiedName: 'key/key_4f1c2a9e0b7d3c5a1e2f3a4b', kind: 'resource' }] }]);
    assert.deepEqual(
      key.relatedLocations!.map((l) => [l.id, l.logicalLocations![0]!.fullyQualifiedName, l.message!.text]),
      [
        [1, 'key-version/key_4f1c2a9e0b7d3c5a1e2f3a4b/3', 'key-version billing-prod v3'],
        [2, 'audit-entry/10422', 'audit-entry key.rotate by alice, seq 10422'],
        [3, 'policy/tier-1-rotation', 'policy tier 1: rotate every 90 days'],
      ],
    );
    const identity = byFp('ACC-02:idn_3c4d5e6f7a8b9c0d1e2f3a4b');
    assert.deepEqual(identity.locations![0]!.logicalLocations, [{ name: 'bob@example.com', fullyQualifiedName: 'identity/idn_3c4d5e6f7a8b9c0d1e2f3a4b', kind: 'object' }]);

    const file = byFp('SEC-03:services/payments/config/prod.env:14');
    assert.deepEqual(file.locations, [{ physicalLocation: { artifactLocation: { uri: 'services/payments/config/prod.env' }, region: { startLine: 14 } } }]);
    const spaced = byFp('SEC-03:deploy/old scripts/rotate, keys.sh:3');
    assert.deepEqual(spaced.locations![0]!.physicalLocation, { artifactLocation: { uri: 'deploy/old%20scripts/rotate%2C%20keys.sh' }, region: { startLine: 3 } });
    assert.equal(spaced.relatedLocations, undefined, 'no evidence, no related locations');
  });

  it('marks results new or unchanged against the previous run', () => {
    const results = resultsOf(sarif());
    const state = Object.fromEntries(results.map((r) => [r.partialFingerprints!['keywardFinding/v1'], r.baselineState]));
    assert.equal(state['SEC-03:deploy/old scripts/rotate, keys.sh:3'], 'new');
    assert.equal(state['ROT-01:key_4f1c2a9e0b7d3c5a1e2f3a4b'], 'unchanged');
    assert.ok(resultsOf(sarif(firstEmptyRun())).length === 0);
  });

  it('reports checks that were not assessed or failed to run as notifications, and the run as unsuccessful when one errored', () => {
    const log = sarif();
    const invocation = log.runs[0]!.invocations![0]!;
    assert.equal(invocation.executionSuccessful, false);
    assert.equal(invocation.startTimeUtc, '2026-03-01T09:00:00.000Z');
    assert.deepEqual(
      invocation.toolExecutionNotifications!.map((n) => [n.level, n.associatedRule?.id, n.message.text!.slice(0, 41)]),
      [
        ['note', 'BAK-01', 'BAK-01 was not assessed: No backup record'],
        ['error', 'INV-02', 'INV-02 could not run: The aws connector t'],
      ],
    );
    const ok = { ...sampleRun(), results: sampleRun().results.filter((r) => r.status !== 'error') };
    assert.equal(sarif(ok).runs[0]!.invocations![0]!.executionSuccessful, true);
  });

  it('names the tool, its version and the run', () => {
    const run = sarif().runs[0]!;
    assert.equal(run.tool.driver.name, 'Keyward');
    assert.equal(run.tool.driver.semanticVersion, '0.1.0');
    assert.equal(run.automationDetails?.id, 'keyward-audit/kw-prod-eu-1/run_7d2f9a0c1b3e5d7f9a1c3e5b');
    assert.equal(run.properties?.['maturityLevel'], 3);
  });

  it('keeps hostile names as plain text in messages', () => {
    const results = resultsOf(sarif(hostileRun()));
    const evil = results.find((r) => r.partialFingerprints!['keywardFinding/v1'] === HOSTILE.fingerprint)!;
    assert.equal(evil.locations![0]!.logicalLocations![0]!.name, HOSTILE.keyName);
    assert.equal(evil.relatedLocations![0]!.physicalLocation!.artifactLocation!.uri, 'src/a%22b.ts');
    assert.equal(evil.relatedLocations![0]!.physicalLocation!.region!.startLine, 7);
  });
});
