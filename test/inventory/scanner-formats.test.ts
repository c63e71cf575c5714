import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Log } from 'sarif';
import { ManualClock } from '../../src/core/clock.ts';
import { buildBaseline, builtinRuleSet, renderCsv, renderSarif, scanDirectory, type ScanReport } from '../../src/inventory/scanner/index.ts';
import { assertNoSecretIn, writePlantedTree, type Planted } from '../fixtures/scanner/planted-secrets.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => Ajv;
const schemaText = (url: URL): object => JSON.parse(readFileSync(url, 'utf8')) as object;

// The OASIS SARIF 2.1.0 schema of the committee specification, verbatim (test/fixtures/sarif/README.md).
const specification = new Ajv({ allErrors: true, strict: false });
addFormats(specification);
const validateSpecification = specification.compile(schemaText(new URL('../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url)));

// The same schema as the OASIS TC's repository carries it now, with the 2.1.0 errata (e.g. a
// suppression's `state` became `status`); verbatim, see test/fixtures/scanner/README.md. It has
// two defects for a JavaScript validator, worked around here and not in the file: a pattern with
// the inline flag `(?i)` (JavaScript has none: it becomes the `i` flag), and an `anyOf` placed
// inside `region.properties` (the meta-schema check is off so that it compiles; it constrains nothing).
const regExp = Object.assign((pattern: string, flags: string) => (pattern.startsWith('^(?i)') ? new RegExp(`^${pattern.slice(5)}`, `${flags}i`) : new RegExp(pattern, flags)), { code: 'regExp' });
const errata = new Ajv2020({ allErrors: true, strict: false, validateSchema: false, code: { regExp } });
addFormats(errata);
const validateErrata = errata.compile(schemaText(new URL('../fixtures/scanner/sarif-schema-2.1.0-tc-schemata.json', import.meta.url)));

function schemaErrors(log: unknown): string[] {
  const errors: string[] = [];
  for (const [name, validate] of [['specification', validateSpecification], ['errata', validateErrata]] as const) {
    if (!validate(log)) errors.push(...(validate.errors ?? []).map((e) => `${name}: ${e.instancePath} ${e.message ?? ''}`));
  }
  return errors;
}

describe('scan report formats', () => {
  let root: string;
  let planted: Planted[];
  let report: ScanReport;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'keyward-scan-formats-'));
    planted = writePlantedTree(root);
    const clock = new ManualClock('2026-04-01T12:00:00Z');
    const first = await scanDirectory(root, { clock, workers: 0 });
    // Accept the two PKCS#12 bundles, so the logs hold suppressed results as well.
    const baseline = buildBaseline(
      first.findings.filter((f) => f.ruleId === 'pkcs12-file'),
      { acceptedBy: 'alice', reason: 'test bundles, "no" real keys', expires: null },
      clock.now(),
    );
    report = await scanDirectory(root, { clock, baseline, workers: 0 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes SARIF 2.1.0 that validates against the OASIS schema (both texts)', () => {
    const log = JSON.parse(renderSarif(report, builtinRuleSet().rules, '0.1.0')) as Log;
    assert.deepEqual(schemaErrors(log), []);
    assert.equal(log.version, '2.1.0');
  });

  it('the schema check itself rejects a broken log', () => {
    const log = JSON.parse(renderSarif(report, builtinRuleSet().rules, '0.1.0')) as { runs: { results: { locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    (log.runs[0]?.results[0]?.locations[0]?.physicalLocation.region as { startLine: number }).startLine = 0;
    const errors = schemaErrors(log);
    assert.ok(errors.some((e) => e.startsWith('specification:') && e.includes('startLine')), errors.join('\n'));
    assert.ok(errors.some((e) => e.startsWith('errata:') && e.includes('startLine')), errors.join('\n'));
  });

  it('lists the rules with help text, and each result with its location, fingerprint and rule', () => {
    const log = JSON.parse(renderSarif(report, builtinRuleSet().rules, '0.1.0')) as Log;
    const run = log.runs[0];
    assert.ok(run !== undefined);
    const rules = run.tool.driver.rules ?? [];
    assert.deepEqual(
      rules.map((r) => r.id),
      builtinRuleSet().rules.map((r) => r.id),
    );
    for (const rule of rules) {
      assert.ok((rule.help?.text ?? '').includes('rotate'), rule.id);
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration?.level ?? ''), rule.id);
    }
    const results = run.results ?? [];
    assert.equal(results.length, report.findings.length + report.suppressed.length);
    const stripe = report.findings.find((f) => f.ruleId === 'stripe-live-key');
    const result = results.find((r) => r.ruleId === 'stripe-live-key');
    assert.ok(stripe !== undefined && result !== undefined);
    assert.equal(rules[result.ruleIndex ?? -1]?.id, 'stripe-live-key');
    assert.deepEqual(result.partialFingerprints, { 'secretFingerprint/v1': stripe.fingerprint });
    assert.deepEqual(result.locations?.[0]?.physicalLocation?.region, { startLine: stripe.line, startColumn: stripe.column, endLine: stripe.endLine, endColumn: stripe.endColumn });
    assert.deepEqual(result.locations?.[0]?.physicalLocation?.artifactLocation, { uri: 'src/billing.ts', uriBaseId: 'SRCROOT' });
    assert.equal(result.level, 'error');
    const accepted = results.filter((r) => r.suppressions !== undefined);
    assert.deepEqual(
      accepted.map((r): unknown[] => [r.ruleId, r.suppressions?.[0]?.kind, r.suppressions?.[0]?.justification, r.suppressions?.[0]?.properties?.['acceptedBy'] as unknown]),
      [
        ['pkcs12-file', 'external', 'test bundles, "no" real keys', 'alice'],
        ['pkcs12-file', 'external', 'test bundles, "no" real keys', 'alice'],
      ],
    );
    assert.ok(run.originalUriBaseIds?.['SRCROOT']?.uri?.startsWith('file:///'));
  });

  it('percent-encodes paths so every location is a valid URI reference', async () => {
    const odd = mkdtempSync(join(tmpdir(), 'keyward-scan-odd-'));
    try {
      writePlantedTree(join(odd, 'a dir with spaces #1'));
      const oddReport = await scanDirectory(odd, { workers: 0 });
      const log = JSON.parse(renderSarif(oddReport, builtinRuleSet().rules, '0.1.0')) as Log;
      assert.deepEqual(schemaErrors(log), []);
      assert.ok(log.runs[0]?.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri?.startsWith('a%20dir%20with%20spaces%20%231/'));
    } finally {
      rmSync(odd, { recursive: true, force: true });
    }
  });

  it('writes CSV with a header, open findings, then accepted ones, quoted where needed', () => {
    const csv = renderCsv(report);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'status,severity,check,rule,file,line,column,commit,author,date,fingerprint,preview,accepted_by,reason,expires');
    assert.equal(lines.length, 1 + report.findings.length + report.suppressed.length);
    assert.ok(lines.slice(1, 1 + report.findings.length).every((l) => l.startsWith('open,')));
    assert.ok(lines.slice(1 + report.findings.length).every((l) => l.startsWith('accepted,')));
    assert.ok(csv.includes('"test bundles, ""no"" real keys"'));
    assert.ok(csv.endsWith('\r\n'));
  });

  it('neutralises cells a spreadsheet would run as formulas', () => {
    const hostile: ScanReport = { ...report, findings: [{ ...(report.findings[0] as ScanReport['findings'][number]), file: '=HYPERLINK("http://evil")', preview: '-----…' }], suppressed: [] };
    const row = renderCsv(hostile).split('\r\n')[1] ?? '';
    assert.ok(row.includes(`"'=HYPERLINK(""http://evil"")"`), row);
    assert.ok(row.includes(",'-----…,"), row);
  });

  it('keeps secrets out of every format', () => {
    for (const text of [JSON.stringify(report), renderSarif(report, builtinRuleSet().rules, '0.1.0'), renderCsv(report)]) assertNoSecretIn(text, planted);
  });
});
