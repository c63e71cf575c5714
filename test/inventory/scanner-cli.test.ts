import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertNoSecretIn, tokenText, writePlantedTree, type Planted } from '../fixtures/scanner/planted-secrets.ts';

/** The built command, as a person runs it (`npm run build` first; scripts/run-tests.mjs does). */
const BIN = fileURLToPath(new URL('../../bin/keyward.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function keyward(args: readonly string[], cwd?: string): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await once(child, 'close');
  return { code: child.exitCode, stdout, stderr };
}

describe('keyward scan', () => {
  let root: string;
  let tree: string;
  let planted: Planted[];
  const outputs: string[] = [];
  /** Runs the command and keeps everything it printed, to check that no secret ever was. */
  const run = async (args: readonly string[], cwd?: string): Promise<Run> => {
    const r = await keyward(args, cwd);
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'keyward-scan-cli-'));
    tree = join(root, 'tree');
    planted = writePlantedTree(tree);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('exits 1 with a table of findings, and 0 on a clean folder', async () => {
    const r = await run(['scan', tree]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^SEVERITY\s+CHECK\s+RULE\s+LOCATION\s+PREVIEW\s+FINGERPRINT$/);
    assert.equal(lines.length, 1 + planted.length + 2, r.stdout);
    assert.match(r.stdout, /stripe-live-key\s+src\/billing\.ts:3:\d+\s+sk_l…/);
    assert.match(lines.at(-1) ?? '', new RegExp(`^${planted.length} findings \\(\\d+ critical, \\d+ high, \\d+ medium\\) in \\d+ files, [\\d.]+ KiB scanned\\.$`));
    const clean = join(root, 'clean');
    mkdirSync(clean);
    writeFileSync(join(clean, 'README.md'), 'Nothing to see.\n');
    const ok = await run(['scan', clean]);
    assert.deepEqual([ok.code, ok.stdout], [0, 'No findings in 1 file, 16 B scanned.\n']);
  });

  it('writes JSON, SARIF and CSV, to stdout or to a file', async () => {
    const json = await run(['scan', tree, '--format', 'json']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as { findings: unknown[]; stats: { files: number } };
    assert.equal(report.findings.length, planted.length);
    const short = await run(['scan', tree, '--json']);
    assert.equal((JSON.parse(short.stdout) as { findings: unknown[] }).findings.length, planted.length);

    const sarifFile = join(root, 'out.sarif');
    const sarif = await run(['scan', tree, '--format', 'sarif', '--output', sarifFile]);
    assert.equal(sarif.code, 1);
    assert.equal(sarif.stdout, '');
    assert.match(sarif.stderr, new RegExp(`^${planted.length} findings`));
    const log = JSON.parse(readFileSync(sarifFile, 'utf8')) as { version: string; runs: { results: unknown[]; tool: { driver: { name: string; version: string } } }[] };
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs[0]?.results.length, planted.length);
    assert.equal(log.runs[0]?.tool.driver.name, 'keyward-scan');
    outputs.push(readFileSync(sarifFile, 'utf8'));

    const csv = await run(['scan', tree, '--format', 'csv']);
    assert.equal(csv.stdout.split('\r\n').filter(Boolean).length, 1 + planted.length);
  });

  it('accepts findings with a baseline, and reports them again once the baseline expires', async () => {
    const baselineFile = join(root, 'baseline.json');
    const write = await run(['scan', tree, '--write-baseline', baselineFile, '--reason', 'fixture keys', '--accepted-by', 'ci-bot', '--expires', '30d']);
    assert.equal(write.code, 0, write.stderr);
    assert.match(write.stderr, new RegExp(`wrote .*baseline\\.json: ${planted.length} accepted findings`));
    const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as { version: number; entries: { acceptedBy: string; reason: string; expires: string }[] };
    assert.equal(baseline.entries.length, planted.length);
    assert.ok(baseline.entries.every((e) => e.acceptedBy === 'ci-bot' && e.reason === 'fixture keys' && Date.parse(e.expires) > Date.now()));
    outputs.push(readFileSync(baselineFile, 'utf8'));

    const accepted = await run(['scan', tree, '--baseline', baselineFile]);
    assert.equal(accepted.code, 0, accepted.stdout);
    assert.match(accepted.stdout, new RegExp(`^No findings in .*; ${planted.length} accepted by the baseline\\.\\n$`));

    const expired = { ...baseline, entries: baseline.entries.map((e) => ({ ...e, expires: '2020-01-01T00:00:00.000Z' })) };
    writeFileSync(baselineFile, JSON.stringify(expired));
    const again = await run(['scan', tree, '--baseline', baselineFile]);
    assert.equal(again.code, 1);
  });

  it('adds, replaces and disables rules from a rule file', async () => {
    const rulesFile = join(root, 'rules.yaml');
    writeFileSync(
      rulesFile,
      `version: 1
disable: [stripe-live-key, generic-secret-assignment]
rules:
  - id: internal-api-token
    description: Internal API token
    regex: '(?<secret>itk_[A-Za-z0-9]{32})'
    keywords: [itk_]
    severity: high
    check: STO-02
`,
    );
    const dir = join(root, 'custom');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.ts'), `const internal = "itk_${tokenText('cli internal', 32)}";\nconst s = "sk_live_${tokenText('cli stripe', 32)}";\n`);
    const r = await run(['scan', dir, '--rules', rulesFile, '--format', 'json']);
    assert.equal(r.code, 1);
    assert.deepEqual((JSON.parse(r.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId), ['internal-api-token']);
  });

  it('scans git history with --git, naming the commit that added a deleted secret', async () => {
    const repo = join(root, 'repo');
    mkdirSync(repo);
    const env = { ...process.env, HOME: root, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(root, 'no-gitconfig'), GIT_AUTHOR_NAME: 'Dana', GIT_AUTHOR_EMAIL: 'dana@example.org', GIT_AUTHOR_DATE: '2026-02-02T09:00:00Z', GIT_COMMITTER_NAME: 'Dana', GIT_COMMITTER_EMAIL: 'dana@example.org', GIT_COMMITTER_DATE: '2026-02-02T09:00:00Z' };
    const git = (...args: string[]): string => {
      const r = spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    const stripe = `sk_live_${tokenText('cli git stripe', 32)}`;
    planted.push({ ruleId: 'stripe-live-key', file: 'pay.env', line: 1, secret: stripe });
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'pay.env'), `STRIPE=${stripe}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', 'add key');
    const added = git('rev-parse', 'HEAD');
    writeFileSync(join(repo, 'pay.env'), 'STRIPE=\n');
    git('commit', '-q', '-am', 'remove key');

    const tree = await run(['scan', repo]);
    assert.equal(tree.code, 0, tree.stdout);
    const history = await run(['scan', repo, '--git']);
    assert.equal(history.code, 1);
    assert.match(history.stdout, new RegExp(`stripe-live-key\\s+pay\\.env:1:8\\s+${added.slice(0, 12)}\\s+Dana <dana@example\\.org>\\s+2026-02-02`));
    assert.match(history.stdout, /1 finding \(1 critical\) in 2 commits/);
    const range = await run(['scan', repo, '--git', '--range', `${added}..main`]);
    assert.equal(range.code, 0, range.stdout);
  });

  it('exits 2 on usage errors, without scanning', async () => {
    const badRules = join(root, 'bad-rules.yaml');
    writeFileSync(badRules, 'version: 1\nrules:\n  - id: x\n    severity: urgent\n');
    const cases: [string[], RegExp][] = [
      [['scan'], /missing required argument 'path'/],
      [['scan', tree, '--format', 'xml'], /Allowed choices are text, json, sarif, csv/],
      [['scan', tree, '--range', 'a..b'], /--range needs --git/],
      [['scan', join(root, 'nope')], /cannot scan .*nope: ENOENT/],
      [['scan', tree, '--git'], /is not a git repository/],
      [['scan', tree, '--rules', badRules], /bad-rules\.yaml: invalid rule file:\n {2}rules\[0\]\.description \(rule "x"\): must be a non-empty text[\s\S]*rules\[0\]\.severity \(rule "x"\): must be one of critical, high, medium, low \(got "urgent"\)/],
      [['scan', tree, '--rules', join(root, 'missing.yaml')], /--rules: cannot read .*missing\.yaml: ENOENT/],
      [['scan', tree, '--baseline', badRules], /not a baseline file/],
      [['scan', tree, '--write-baseline', join(root, 'b2.json')], /--write-baseline needs --reason/],
      [['scan', tree, '--reason', 'x'], /--reason only applies with --write-baseline/],
      [['scan', tree, '--max-file-size', 'huge'], /expected a size in bytes/],
      [['scan', tree, '--write-baseline', join(root, 'b3.json'), '--reason', 'r', '--expires', 'someday'], /--expires must be a date/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
  });

  it('never prints a secret, in any format or message', () => {
    assert.ok(outputs.length > 20);
    assertNoSecretIn(outputs.join('\n'), planted);
  });
});
