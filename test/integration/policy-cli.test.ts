import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliTestServer, keyward } from './cli-harness.ts';

const STRICT = `version: 1
metadata:
  name: ci-gate
rules:
  keySpecs:
    allowed: [AES_256_GCM]
  requiredMetadata:
    fields: [owner]
`;

const LAX = 'version: 1\nmetadata:\n  name: lax\nrules:\n  requiredMetadata: { mode: report, fields: [purpose] }\n';

const INVALID = `version: 1
metadata:
  name: broken
rules:
  deletion:
    minWaitingDays: 3
  rotaton: {}
`;

describe('keyward policy check (offline)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyward-policy-'));
    writeFileSync(join(dir, 'ok.yaml'), STRICT);
    writeFileSync(join(dir, 'bad.yaml'), INVALID);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 for a valid policy and summarises its rules', async () => {
    const r = await keyward(['policy', 'check', 'examples/policy.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^examples\/policy\.yaml: valid policy "acme-payments"\n {2}rotation \(enforce\): /);
  });

  it('exits 1 listing every problem as file:line:column', async () => {
    const file = join(dir, 'bad.yaml');
    const r = await keyward(['policy', 'check', file]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      `${file}:6:21: rules.deletion.minWaitingDays: must be from 7 to 30 days, got 3\n${file}:7:3: rules.rotaton: unknown field "rotaton"; did you mean "rotation"?\n`,
    );
    assert.match(r.stderr, /2 problems; the policy is invalid/);
    const json = await keyward(['policy', 'check', file, '--json']);
    const body = JSON.parse(json.stdout) as { valid: boolean; issues: { line: number; column: number; path: string }[] };
    assert.deepEqual([json.code, body.valid, body.issues.map((i) => [i.line, i.column, i.path])], [1, false, [[6, 21, 'rules.deletion.minWaitingDays'], [7, 3, 'rules.rotaton']]]);
  });

  it('reads stdin with "-", and exits 2 for a file it cannot read', async () => {
    assert.equal((await keyward(['policy', 'check', '-'], { input: STRICT })).code, 0);
    const missing = await keyward(['policy', 'check', join(dir, 'missing.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*missing\.yaml: ENOENT/);
  });
});

describe('keyward policy against a server', () => {
  let cli: CliTestServer;
  let dir: string;
  before(async () => {
    cli = await CliTestServer.start();
    dir = mkdtempSync(join(tmpdir(), 'keyward-policy-'));
    writeFileSync(join(dir, 'strict.yaml'), STRICT);
    writeFileSync(join(dir, 'lax.yaml'), LAX);
    writeFileSync(join(dir, 'bad.yaml'), INVALID);
    for (const body of [
      { name: 'owned', spec: 'AES_256_GCM', owner: 'team' },
      { name: 'signer', spec: 'ECC_NIST_P256', owner: 'team' },
      { name: 'orphan', spec: 'AES_256_GCM' },
    ]) {
      assert.equal((await cli.server.request('POST', '/v1/keys', { body })).status, 201);
    }
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cli.close();
  });

  it('says so when no policy is set (exit 0), in show, test and history', async () => {
    const show = await cli.run(['policy', 'show']);
    assert.deepEqual([show.code, show.stdout], [0, 'No policy is set: nothing is enforced. Set one with `keyward policy set <file>`.\n']);
    const test = await cli.run(['policy', 'test']);
    assert.equal(test.code, 0, test.stderr);
    assert.match(test.stderr, /No policy is set on the server: nothing is enforced\./);
    assert.equal((await cli.run(['policy', 'history'])).stdout, 'No policy was ever set.\n');
  });

  it('tests a file against the server\'s keys: a table of violations and exit 1', async () => {
    const r = await cli.run(['policy', 'test', join(dir, 'strict.yaml')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^SEVERITY\s+RULE\s+KEY\s+FIELD\s+MESSAGE$/m);
    assert.match(r.stdout, /^error\s+metadata\.required\s+orphan\s+owner\s+owner is required$/m);
    assert.match(r.stdout, /^error\s+specs\.allowed\s+signer\s+spec\s+spec ECC_NIST_P256 is not allowed \(allowed: AES_256_GCM\)$/m);
    assert.match(r.stdout, /3 keys against .*strict\.yaml \("ci-gate"\): 2 errors, 0 warnings\n$/);
    const json = JSON.parse((await cli.run(['policy', 'test', join(dir, 'strict.yaml'), '--json'])).stdout) as { keysEvaluated: number; errors: number; policy: { version: null } };
    assert.deepEqual([json.keysEvaluated, json.errors, json.policy.version], [3, 2, null]);
  });

  it('passes a file with only warnings, unless --strict', async () => {
    const r = await cli.run(['policy', 'test', join(dir, 'lax.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^warning\s+metadata\.required\s+orphan\s+purpose/m);
    assert.equal((await cli.run(['policy', 'test', join(dir, 'lax.yaml'), '--strict'])).code, 1);
  });

  it('refuses to test or set an invalid file, with its problems (exit 1), sending nothing', async () => {
    const t = await cli.run(['policy', 'test', join(dir, 'bad.yaml')]);
    assert.equal(t.code, 1);
    assert.match(t.stdout, /bad\.yaml:6:21: rules\.deletion\.minWaitingDays/);
    const s = await cli.run(['policy', 'set', join(dir, 'bad.yaml')]);
    assert.equal(s.code, 1);
    assert.equal((await cli.run(['policy', 'history', '--json'])).stdout.includes('"version"'), false);
  });

  it('sets a policy, shows it, keeps its history, and then gates on the server\'s own evaluation', async () => {
    const set = await cli.run(['policy', 'set', join(dir, 'lax.yaml'), '--comment', 'first']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^Policy "lax" is in force as version 1 \(sha256 [0-9a-f]{12}\)\./);
    const again = await cli.run(['policy', 'set', join(dir, 'lax.yaml')]);
    assert.match(again.stdout, /version 1 already has this text; nothing changed/);
    assert.equal((await cli.run(['policy', 'set', join(dir, 'strict.yaml'), '--comment', 'CHG-7'])).code, 0);

    const show = await cli.run(['policy', 'show']);
    assert.match(show.stdout, /^Name:\s+ci-gate$/m);
    assert.match(show.stdout, /^Version:\s+2$/m);
    assert.match(show.stdout, /^Comment:\s+CHG-7$/m);
    assert.match(show.stdout, /^ {2}keySpecs \(enforce\): allowed AES_256_GCM$/m);
    assert.equal((await cli.run(['policy', 'show', '--text'])).stdout, STRICT);
    assert.equal((await cli.run(['policy', 'show', '--version', '1', '--text'])).stdout, LAX);

    const history = await cli.run(['policy', 'history']);
    assert.match(history.stdout, /^VERSION\s+NAME\s+CREATED\s+AUTHOR\s+SHA256\s+COMMENT$/m);
    assert.match(history.stdout, /^1\s+lax\s+\S+\s+root:\S+\s+[0-9a-f]{12}\s+first$/m);
    assert.match(history.stdout, /^2\s+ci-gate\s+\S+\s+root:\S+\s+[0-9a-f]{12}\s+CHG-7$/m);

    const test = await cli.run(['policy', 'test']);
    assert.equal(test.code, 1);
    assert.match(test.stdout, /3 keys against policy "ci-gate" version 2: 2 errors, 0 warnings/);

    const refused = await cli.run(['key', 'create', 'rsa', '--spec', 'RSA_3072', '--usage', 'SIGN_VERIFY', '--owner', 'team']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^keyward: policy_violation: key "rsa" breaks policy "ci-gate" \(version 2\): \[specs\.allowed\]/);
  });
});
