import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.ts';
import { buildBaseline, builtinRuleSet, scanDirectory, type ScanFinding, type ScanReport } from '../../src/inventory/scanner/index.ts';
import { fingerprint, fingerprintBytes } from '../../src/inventory/scanner/redact.ts';
import { assertNoSecretIn, pkcs12Bytes, tokenText, writePlantedTree, type Planted } from '../fixtures/scanner/planted-secrets.ts';

const key = (f: { ruleId: string; file: string; line: number }): string => `${f.ruleId} ${f.file}:${f.line}`;

describe('scanDirectory', () => {
  let root: string;
  let planted: Planted[];
  let report: ScanReport;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'keyward-scan-'));
    planted = writePlantedTree(root);
    report = await scanDirectory(root, { workers: 0 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds the planted secret of every built-in rule, and nothing else', () => {
    const ruleIds = new Set(builtinRuleSet().rules.map((r) => r.id));
    assert.deepEqual(new Set(planted.map((p) => p.ruleId)), ruleIds, 'the fixture plants every built-in kind');
    assert.deepEqual(report.findings.map(key).sort(), planted.map(key).sort());
    assert.deepEqual(report.suppressed, []);
  });

  it('reports where each secret starts, in lines and UTF-16 columns', () => {
    for (const p of planted) {
      const f = report.findings.find((x) => key(x) === key(p)) as ScanFinding;
      assert.equal(f.column, p.column, `${key(p)} column`);
      // A PKCS#12 finding is the whole (binary) file: it is reported at 1:1.
      if (p.ruleId !== 'pkcs12-file') assert.ok(f.endLine > f.line || f.endColumn > f.column, `${key(p)} ends after it starts`);
    }
  });

  it('fingerprints the rule id and the secret, and shows at most four characters', () => {
    for (const p of planted) {
      const f = report.findings.find((x) => key(x) === key(p)) as ScanFinding;
      assert.match(f.fingerprint, /^[0-9a-f]{32}$/);
      if (p.ruleId !== 'pkcs12-file') assert.equal(f.fingerprint, fingerprint(p.ruleId, p.secret), key(p));
      assert.ok(f.preview.endsWith('…') && f.preview.length <= 5, `${key(p)} preview ${f.preview}`);
    }
    const pfx = report.findings.find((f) => f.file === 'certs/client.pfx') as ScanFinding;
    assert.equal(pfx.fingerprint, fingerprintBytes('pkcs12-file', pkcs12Bytes('client')));
    assert.equal((report.findings.find((f) => f.ruleId === 'aws-access-key-id') as ScanFinding).preview, 'AKIA…');
  });

  it('never puts a secret into the report', () => {
    assertNoSecretIn(JSON.stringify(report), planted);
  });

  it('sorts findings and tags each with its severity and audit check', () => {
    const sorted = [...report.findings].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
    assert.deepEqual(report.findings, sorted);
    const checks = Object.fromEntries(report.findings.map((f) => [f.ruleId, f.check]));
    assert.equal(checks['pem-private-key'], 'STO-01');
    assert.equal(checks['pkcs12-file'], 'STO-01');
    assert.equal(checks['aws-secret-access-key'], 'STO-02');
    assert.equal(checks['keyward-token'], 'STO-02');
    assert.equal(checks['jwt-signing-secret'], 'STO-03');
    assert.equal(checks['generic-secret-env'], 'STO-03');
  });

  it('counts files and bytes, skips .git and node_modules, and finds their secrets when asked', async () => {
    assert.equal(report.kind, 'directory');
    assert.equal(report.root, root);
    assert.ok(report.stats.files > 20 && report.stats.bytes > 5000, JSON.stringify(report.stats));
    assert.ok(!report.findings.some((f) => f.file.startsWith('node_modules/') || f.file.startsWith('.git/')));
    const everything = await scanDirectory(root, { workers: 0, defaultExcludes: false });
    assert.deepEqual(everything.findings.filter((f) => f.file.startsWith('node_modules/') || f.file.startsWith('.git/')).map(key).sort(), ['github-token .git/config:2', 'stripe-live-key node_modules/some-lib/config.js:1']);
  });

  it('gives the same findings on worker threads as on the calling thread', async () => {
    const threaded = await scanDirectory(root, { workers: 2 });
    assert.deepEqual(threaded.findings, report.findings);
    assert.deepEqual(threaded.stats, report.stats);
  });

  it('honours excludes, and scans a single file', async () => {
    const some = await scanDirectory(root, { workers: 0, exclude: ['keys', '*.json', 'home/**'] });
    assert.ok(!some.findings.some((f) => f.file.startsWith('keys/') || f.file.endsWith('.json') || f.file.startsWith('home/')));
    assert.ok(some.findings.some((f) => f.file === 'src/db.ts'));
    const one = await scanDirectory(join(root, 'src', 'db.ts'));
    assert.deepEqual(one.findings.map(key), ['generic-secret-assignment db.ts:3']);
    assert.equal(one.stats.files, 1);
  });
});

describe('scanDirectory skips', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'keyward-scan-skip-'));
    const stripe = `sk_live_${tokenText('skip stripe', 32)}`;
    // A binary file (a NUL early on) holding a key, and a text file over the size cap holding one.
    writeFileSync(join(root, 'image.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), Buffer.from(`key=${stripe}\n`)]));
    writeFileSync(join(root, 'dump.sql'), `${'-- filler line\n'.repeat(2000)}INSERT INTO keys VALUES ('${stripe}');\n`);
    writeFileSync(join(root, 'small.ts'), `const key = '${stripe}';\n`);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('counts binary files and files over the size cap as skipped, and scans the rest', async () => {
    const report = await scanDirectory(root, { workers: 0, maxFileSize: 4096 });
    assert.deepEqual(report.findings.map(key), ['stripe-live-key small.ts:1']);
    assert.deepEqual({ files: report.stats.files, skipped: report.stats.skipped, by: report.stats.skippedBy }, { files: 1, skipped: 2, by: { binary: 1, tooLarge: 1, unreadable: 0 } });
    const bigger = await scanDirectory(root, { workers: 0, maxFileSize: 1024 * 1024 });
    assert.deepEqual(bigger.findings.map(key), ['stripe-live-key dump.sql:2001', 'stripe-live-key small.ts:1']);
  });

  it('refuses a path that does not exist', async () => {
    await assert.rejects(scanDirectory(join(root, 'missing')), (err: Error & { code?: string }) => err.code === 'not_found' && /missing/.test(err.message));
  });
});

describe('baselines', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'keyward-scan-baseline-'));
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src', 'a.ts'), `const a = '${`sk_live_${tokenText('baseline a', 32)}`}';\n`);
    writeFileSync(join(root, 'src', 'b.ts'), `const b = '${`ghp_${tokenText('baseline b', 36)}`}';\n`);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('suppresses accepted findings, keeps who accepted them and why, and stops at expiry', async () => {
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    const first = await scanDirectory(root, { clock });
    assert.equal(first.findings.length, 2);
    const stripe = first.findings.filter((f) => f.ruleId === 'stripe-live-key');
    const baseline = buildBaseline(stripe, { acceptedBy: 'alice@example.org', reason: 'revoked on 2026-02-28', expires: '2026-06-01T00:00:00.000Z' }, clock.now());
    assert.deepEqual(baseline.entries.map((e) => [e.ruleId, e.file, e.acceptedBy, e.acceptedAt]), [['stripe-live-key', 'src/a.ts', 'alice@example.org', '2026-03-01T00:00:00.000Z']]);

    const second = await scanDirectory(root, { clock, baseline });
    assert.deepEqual(second.findings.map((f) => f.ruleId), ['github-token']);
    assert.deepEqual(second.suppressed.map((f) => [f.ruleId, f.acceptedBy, f.reason, f.expires]), [['stripe-live-key', 'alice@example.org', 'revoked on 2026-02-28', '2026-06-01T00:00:00.000Z']]);
    assert.equal(second.stats.suppressed, 1);

    clock.set('2026-06-01T00:00:01Z');
    const expired = await scanDirectory(root, { clock, baseline });
    assert.deepEqual(expired.findings.map((f) => f.ruleId).sort(), ['github-token', 'stripe-live-key']);
    assert.deepEqual(expired.suppressed, []);
  });

  it('matches by fingerprint, so an accepted secret stays accepted when it moves', async () => {
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    const first = await scanDirectory(root, { clock });
    const baseline = buildBaseline(first.findings, { acceptedBy: 'bob', reason: 'test keys', expires: null }, clock.now());
    const moved = mkdtempSync(join(tmpdir(), 'keyward-scan-moved-'));
    try {
      writeFileSync(join(moved, 'elsewhere.ts'), `// moved\nexport const a = '${`sk_live_${tokenText('baseline a', 32)}`}';\n`);
      const again = await scanDirectory(moved, { clock, baseline });
      assert.deepEqual(again.findings, []);
      assert.deepEqual(again.suppressed.map((f) => [f.file, f.line]), [['elsewhere.ts', 2]]);
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });
});
