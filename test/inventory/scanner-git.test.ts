import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scanDirectory, scanGitHistory, type ScanFinding } from '../../src/inventory/scanner/index.ts';
import { fingerprint } from '../../src/inventory/scanner/redact.ts';
import { pkcs12Bytes, tokenText } from '../fixtures/scanner/planted-secrets.ts';

const stripe = `sk_live_${tokenText('git stripe', 32)}`;
const awsId = `AKIA${tokenText('git aws id', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
const awsSecret = tokenText('git aws secret', 40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const github = `ghp_${tokenText('git github', 36)}`;
const fixtureToken = `ghp_${tokenText('git fixture', 36)}`;

/**
 * A repository built with fixed authors and dates:
 *   c1 Alice  adds config.env with a Stripe key, and src/app.ts
 *   c2 Bob    deletes the Stripe key again; adds deploy/aws.ini (key id + secret)
 *   c3 Alice  adds certs/client.p12 (binary PKCS#12) and docs citing AWS's example key
 *   c4 Bob    renames deploy/aws.ini to deploy/aws-prod.ini and edits another line of it
 *   c5 Carol  (branch feature) adds a GitHub token to .github/ci.yml
 *   c6 Alice  (main) adds a token under test/fixtures/ (allowlisted) and edits src/app.ts
 */
class Fixture {
  readonly repo: string;
  readonly commits: string[] = [];
  readonly #home: string;

  constructor(root: string) {
    this.repo = join(root, 'repo');
    this.#home = join(root, 'home');
    mkdirSync(this.repo, { recursive: true });
    mkdirSync(this.#home);
    this.git('init', '-q', '-b', 'main');
  }

  git(...args: string[]): string {
    const r = spawnSync('git', args, { cwd: this.repo, encoding: 'utf8', env: { ...process.env, HOME: this.#home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(this.#home, 'none') } });
    assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  }

  write(file: string, content: string | Buffer): void {
    mkdirSync(dirname(join(this.repo, file)), { recursive: true });
    writeFileSync(join(this.repo, file), content);
  }

  commit(author: string, day: number, message: string): string {
    const date = `2026-01-${String(day).padStart(2, '0')}T10:00:00+01:00`;
    const email = `${author.toLowerCase()}@example.org`;
    const r = spawnSync('git', ['commit', '-q', '-m', message], {
      cwd: this.repo,
      encoding: 'utf8',
      env: { ...process.env, HOME: this.#home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(this.#home, 'none'), GIT_AUTHOR_NAME: author, GIT_AUTHOR_EMAIL: email, GIT_AUTHOR_DATE: date, GIT_COMMITTER_NAME: author, GIT_COMMITTER_EMAIL: email, GIT_COMMITTER_DATE: date },
    });
    assert.equal(r.status, 0, r.stderr);
    const id = this.git('rev-parse', 'HEAD');
    this.commits.push(id);
    return id;
  }
}

describe('scanGitHistory', () => {
  let root: string;
  let fx: Fixture;
  let c: string[];

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'keyward-scan-git-'));
    fx = new Fixture(root);
    fx.write('config.env', `STRIPE_KEY=${stripe}\nLOG_LEVEL=info\n`);
    fx.write('src/app.ts', 'export const port = 8080;\n');
    fx.git('add', '-A');
    fx.commit('Alice', 10, 'c1: app and config');
    fx.write('config.env', 'LOG_LEVEL=info\n');
    fx.write('deploy/aws.ini', `[prod]\naws_access_key_id = ${awsId}\naws_secret_access_key = ${awsSecret}\nregion = eu-west-1\n`);
    fx.git('add', '-A');
    fx.commit('Bob', 11, 'c2: drop the stripe key, add aws');
    fx.write('certs/client.p12', pkcs12Bytes('git client'));
    fx.write('docs/notes.md', 'Use AKIAIOSFODNN7EXAMPLE in examples.\n');
    fx.git('add', '-A');
    fx.commit('Alice', 12, 'c3: client certificate');
    fx.git('mv', 'deploy/aws.ini', 'deploy/aws-prod.ini');
    fx.write('deploy/aws-prod.ini', `[prod]\naws_access_key_id = ${awsId}\naws_secret_access_key = ${awsSecret}\nregion = eu-central-1\n`);
    fx.git('add', '-A');
    fx.commit('Bob', 13, 'c4: rename');
    fx.git('checkout', '-q', '-b', 'feature');
    fx.write('.github/ci.yml', `env:\n  GH_TOKEN: ${github}\n`);
    fx.git('add', '-A');
    fx.commit('Carol', 14, 'c5: ci');
    fx.git('checkout', '-q', 'main');
    fx.write('test/fixtures/ci.env', `GH_TOKEN=${fixtureToken}\n`);
    fx.write('src/app.ts', 'export const port = 8443;\n');
    fx.git('add', '-A');
    fx.commit('Alice', 15, 'c6: fixtures');
    c = fx.commits;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const summary = (f: ScanFinding): string => `${f.ruleId} ${f.file}:${f.line} ${f.commit?.id === undefined ? '-' : `c${c.indexOf(f.commit.id) + 1}`}`;

  it('finds secrets in every ref, a deleted one included, at the commit that introduced each', async () => {
    const report = await scanGitHistory(fx.repo);
    assert.deepEqual(report.findings.map(summary).sort(), [
      'aws-access-key-id deploy/aws.ini:2 c2',
      'aws-secret-access-key deploy/aws.ini:3 c2',
      'github-token .github/ci.yml:2 c5',
      'pkcs12-file certs/client.p12:1 c3',
      'stripe-live-key config.env:1 c1',
    ]);
    const deleted = report.findings.find((f) => f.ruleId === 'stripe-live-key') as ScanFinding;
    assert.deepEqual(deleted.commit, { id: c[0], author: 'Alice <alice@example.org>', date: '2026-01-10T10:00:00+01:00' });
    assert.equal(deleted.fingerprint, fingerprint('stripe-live-key', stripe));
    assert.equal(deleted.column, 12);
    assert.equal(report.kind, 'git-history');
    assert.equal(report.stats.commits, 6);
    assert.ok(report.target.endsWith('(--all)'));
    assert.ok(!JSON.stringify(report).includes(stripe.slice(8)) && !JSON.stringify(report).includes(awsSecret));
  });

  it('sees what the working tree no longer shows', async () => {
    const tree = await scanDirectory(fx.repo);
    assert.ok(!tree.findings.some((f) => f.ruleId === 'stripe-live-key'));
    assert.ok(tree.findings.some((f) => f.ruleId === 'aws-access-key-id' && f.file === 'deploy/aws-prod.ini'));
  });

  it('scans only a revision range when given one', async () => {
    const mainOnly = await scanGitHistory(fx.repo, { range: `${c[1]}..main` });
    assert.deepEqual(mainOnly.findings.map(summary), ['pkcs12-file certs/client.p12:1 c3']);
    assert.equal(mainOnly.stats.commits, 3);
    const feature = await scanGitHistory(fx.repo, { range: `${c[0]}..feature` });
    assert.deepEqual(feature.findings.map(summary).sort(), ['aws-access-key-id deploy/aws.ini:2 c2', 'aws-secret-access-key deploy/aws.ini:3 c2', 'github-token .github/ci.yml:2 c5', 'pkcs12-file certs/client.p12:1 c3']);
  });

  it('limits the scan to a sub-folder, keeping paths relative to the repository', async () => {
    const deploy = await scanGitHistory(join(fx.repo, 'deploy'));
    assert.deepEqual(deploy.findings.map(summary).sort(), ['aws-access-key-id deploy/aws.ini:2 c2', 'aws-secret-access-key deploy/aws.ini:3 c2']);
  });

  it('scans a bare mirror the same way', async () => {
    const bare = join(root, 'mirror.git');
    const r = spawnSync('git', ['clone', '-q', '--mirror', fx.repo, bare], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const report = await scanGitHistory(bare);
    assert.equal(report.findings.length, 5);
    assert.equal(report.root, bare);
  });

  it('honours the size cap and excludes in history too', async () => {
    const capped = await scanGitHistory(fx.repo, { maxFileSize: 16, exclude: ['certs'] });
    assert.deepEqual(capped.findings, []);
    assert.ok(capped.stats.skippedBy.tooLarge >= 4, JSON.stringify(capped.stats));
  });

  it('refuses a folder that is not a repository, and ranges that are not ranges', async () => {
    const plain = join(root, 'plain');
    mkdirSync(plain);
    await assert.rejects(scanGitHistory(plain), (err: Error & { code?: string }) => err.code === 'validation_failed' && /not a git repository/.test(err.message));
    await assert.rejects(scanGitHistory(fx.repo, { range: '--output=/tmp/x' }), (err: Error & { code?: string }) => err.code === 'validation_failed' && /range/.test(err.message));
    await assert.rejects(scanGitHistory(fx.repo, { range: 'no-such-ref..main' }), (err: Error & { code?: string }) => err.code === 'validation_failed' && /does not know the range/.test(err.message));
    await assert.rejects(scanGitHistory(join(root, 'missing')), (err: Error & { code?: string }) => err.code === 'not_found');
  });

  it('reports an empty repository as scanned, with nothing found', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    assert.equal(spawnSync('git', ['init', '-q', empty]).status, 0);
    const report = await scanGitHistory(empty);
    assert.deepEqual([report.findings.length, report.stats.commits], [0, 0]);
    unlinkSync(join(empty, '.git', 'HEAD'));
    await assert.rejects(scanGitHistory(empty), (err: Error & { code?: string }) => err.code === 'validation_failed');
  });
});
