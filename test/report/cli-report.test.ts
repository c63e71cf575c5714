import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { AuditRun } from '../../src/assess/model.ts';
import { renderJson } from '../../src/report/json-report.ts';
import { CliTestServer, keyward, unusedPort } from '../integration/cli-harness.ts';
import { HOSTILE, hostileRun, sampleRun } from './fixtures.ts';
import { elements, parseHtml, textOf } from './html-tree.ts';

describe('keyward report --input (offline)', () => {
  let dir: string;
  let runFile: string;
  let wrappedFile: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kw-report-'));
    runFile = join(dir, 'run.json');
    wrappedFile = join(dir, 'answer.json');
    writeFileSync(runFile, JSON.stringify(sampleRun()));
    writeFileSync(wrappedFile, JSON.stringify({ run: hostileRun() }));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('renders a saved run as HTML on stdout', async () => {
    const r = await keyward(['report', '--input', runFile, '--format', 'html']);
    assert.equal(r.code, 0, r.stderr);
    const { document, errors } = parseHtml(r.stdout);
    assert.deepEqual(errors, []);
    assert.equal(elements(document, 'svg').length, 4);
    assert.match(textOf(elements(document, 'footer')[0]!), /^Keyward \d+\.\d+\.\d+ · audit run run_7d2f9a0c1b3e5d7f9a1c3e5b/);
  });

  it('writes to --output (mode 0600) in the format its extension names, from a saved server answer', async () => {
    const out = join(dir, 'keyward.sarif');
    const r = await keyward(['report', '--input', wrappedFile, '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Wrote the sarif report of run run_7d2f9a0c1b3e5d7f9a1c3e5b \(9 findings\) to .*keyward\.sarif\.\n$/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const log = JSON.parse(readFileSync(out, 'utf8')) as { version: string; runs: { results: unknown[]; tool: { driver: { semanticVersion?: string } } }[] };
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs[0]!.results.length, 9);
    assert.match(log.runs[0]!.tool.driver.semanticVersion ?? '', /^\d+\.\d+\.\d+$/);
  });

  it('reads the run from stdin with --input - and writes the chosen CSV table', async () => {
    const r = await keyward(['report', '--input', '-', '--format', 'csv', '--csv-table', 'remediation'], { input: JSON.stringify(hostileRun()) });
    assert.equal(r.code, 0, r.stderr);
    const rows = parse<Record<string, string>>(r.stdout, { columns: true });
    assert.deepEqual(rows.map((x) => x['check_id']), ['SEC-03', 'ROT-01', 'ACC-02', 'APR-01', 'INV-07', 'ROT-01']);
    assert.equal(rows[5]!['title'], HOSTILE.keyName);
    assert.equal(rows[5]!['remediation'], `'${HOSTILE.label}`);
  });

  it('takes --json as --format json: the run with sorted keys', async () => {
    const r = await keyward(['report', '--input', runFile, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, renderJson(sampleRun()));
  });

  it('refuses what it cannot render, with exit 2 and the reason', async () => {
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'not json');
    const badRun = join(dir, 'bad.json');
    writeFileSync(badRun, JSON.stringify({ ...sampleRun(), maturity: { ...sampleRun().maturity, level: 9 } }));
    const cases: [string[], RegExp][] = [
      [['report', '--input', runFile], /give --format html\|md\|json\|sarif\|csv/],
      [['report', '--input', notJson, '--format', 'md'], /not\.json is not JSON/],
      [['report', '--input', badRun, '--format', 'md'], /bad\.json: not an audit run: maturity\.level: /],
      [['report', 'latest', '--input', runFile, '--format', 'md'], /give a run id or --input, not both/],
      [['report', '--input', runFile, '--format', 'md', '--csv-table', 'checks'], /--csv-table goes with --format csv/],
      [['report', '--input', runFile, '--format', 'md', '--json'], /--json means --format json/],
      [['report', '--input', join(dir, 'missing.json'), '--format', 'md'], /cannot read .*missing\.json: ENOENT/],
      [['report', '--format', 'md'], /give a run id, "latest", or --input FILE/],
      [['report', '../../v1/keys', '--format', 'md'], /is not a run id/],
      [['report', '--input', runFile, '--format', 'pdf'], /argument 'pdf' is invalid/],
    ];
    const answers = await Promise.all(cases.map(([args]) => keyward(args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = answers[i]!;
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  it('exits 3 when the server cannot be reached', async () => {
    const r = await keyward(['report', 'latest', '--format', 'md', '--addr', `http://127.0.0.1:${await unusedPort()}`]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot reach the Keyward server/);
  });
});

describe('keyward report (from a server)', () => {
  let server: CliTestServer;
  let dir: string;
  let run: AuditRun;

  before(async () => {
    server = await CliTestServer.start();
    dir = mkdtempSync(join(tmpdir(), 'kw-report-'));
    await server.run(['key', 'create', 'billing', '--spec', 'AES_256_GCM']);
    const started = await server.run(['audit', 'run', '--json']);
    assert.equal(started.code, 0, started.stderr);
    run = JSON.parse(started.stdout) as AuditRun;
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  it('renders the latest run, the one just made', async () => {
    const r = await server.run(['report', 'latest', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, renderJson(run));
  });

  it('renders a run by id to an HTML file', async () => {
    const out = join(dir, 'audit.html');
    const r = await server.run(['report', run.id, '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    const { document, errors } = parseHtml(readFileSync(out, 'utf8'));
    assert.deepEqual(errors, []);
    const findings = run.results.reduce((n, x) => n + x.findings.length, 0);
    assert.match(textOf(elements(document, 'main')[0]!), new RegExp(`Findings: ${findings} `));
    const notAssessed = run.results.filter((x) => x.status === 'not-assessed' || x.status === 'error').length;
    assert.match(textOf(elements(document, 'main')[0]!), new RegExp(`Not assessed \\(${notAssessed}\\)`));
  });

  it('says so when the run does not exist (exit 1) and when the token is refused (exit 4)', async () => {
    const missing = await server.run(['report', 'run_0000000000000_000000000000000000000000', '--format', 'md']);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /not_found/);
    const denied = await server.run(['report', 'latest', '--format', 'md'], { env: { KEYWARD_TOKEN: 'kwt_not-a-token' } });
    assert.equal(denied.code, 4, denied.stderr);
  });
});
