import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointFile } from '../../src/audit/checkpoints.ts';
import { verifyChain } from '../../src/audit/verify-chain.ts';
import { CliError } from '../../src/cli/cli-error.ts';
import { loadConfig, readTlsFiles } from '../../src/cli/load-config.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { listeningUrl, spawnCli, waitFor } from './server-harness.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('loading the configuration (in-process)', () => {
  it('reads a JSON file named by KEYWARD_CONFIG; --config wins over it', (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ listen: { port: 9001 } }));
    writeFileSync(join(dir, 'b.yaml'), 'listen:\n  port: 9002\n');
    assert.equal(loadConfig({}, { KEYWARD_CONFIG: join(dir, 'a.json') }).config.listen.port, 9001);
    const loaded = loadConfig({ config: join(dir, 'b.yaml') }, { KEYWARD_CONFIG: join(dir, 'a.json') });
    assert.equal(loaded.config.listen.port, 9002);
    assert.equal(loaded.sources['listen.port'], `config file ${join(dir, 'b.yaml')}`);
  });

  it('turns every problem into one usage error (exit 2) listing them all', (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'keyward.yaml');
    writeFileSync(file, 'listen:\n  port: 70000\nlog:\n  levle: debug\n');
    const err = captureCliError(() => loadConfig({ config: file, tlsCert: 'c.pem' }, { KEYWARD_PORT: 'x' }));
    assert.equal(err.exitCode, 2);
    assert.equal(
      err.message,
      [
        'invalid configuration:',
        `  config file ${file}: unknown setting "log.levle" (did you mean "log.level"?)`,
        `  config file ${file}: listen.port must be an integer 0–65535 (got 70000)`,
        '  env KEYWARD_PORT: listen.port must be an integer 0–65535 (got "x")',
        '  flag --tls-cert: tls.cert is set but tls.key is not; give both PEM files (certificate and private key) or neither',
      ].join('\n'),
    );
  });

  it('says so when the file is missing, or is not YAML or JSON', (t) => {
    const dir = tempDir(t);
    const missing = captureCliError(() => loadConfig({ config: join(dir, 'nope.yaml') }, {}));
    assert.equal(missing.exitCode, 2);
    assert.match(missing.message, /^config file .*nope\.yaml: cannot read it \(ENOENT/);
    writeFileSync(join(dir, 'bad.yaml'), 'listen: [1,\n');
    assert.match(captureCliError(() => loadConfig({ config: join(dir, 'bad.yaml') }, {})).message, /bad\.yaml: not valid YAML/);
    writeFileSync(join(dir, 'bad.json'), '{"listen": ');
    assert.match(captureCliError(() => loadConfig({ config: join(dir, 'bad.json') }, {})).message, /bad\.json: not valid JSON/);
    writeFileSync(join(dir, 'dup.yaml'), 'dataDir: a\ndataDir: b\n');
    assert.match(captureCliError(() => loadConfig({ config: join(dir, 'dup.yaml') }, {})).message, /not valid YAML: .*unique/i);
  });
});

describe('keyward server: config file, env and flags', () => {
  it('reads a YAML file, lets env override it and flags override the file', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'keyward.yaml');
    const fromFile = join(dir, 'data-from-file');
    const fromEnv = join(dir, 'data-from-env');
    writeFileSync(file, [`dataDir: ${fromFile}`, 'listen:', '  host: 127.0.0.1', '  port: 0', 'log:', '  level: silent', 'metrics:', '  enabled: false', ''].join('\n'));
    const cli = spawnCli(['server', '--config', file, '--log-level', 'info'], { KEYWARD_DATA_DIR: fromEnv });
    try {
      const url = await listeningUrl(cli);
      assert.match(cli.stdout(), new RegExp(`data: ${fromEnv}\\n`), 'env KEYWARD_DATA_DIR beats the file');
      assert.equal(existsSync(fromFile), false);
      assert.match(cli.stdout(), /state: not initialised/);
      await waitFor(() => cli.stderr().includes('Server listening at'), 'an info log line (flag --log-level beats the file)');
      assert.equal((await fetch(`${url}/metrics`)).status, 404, 'metrics.enabled: false from the file');
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.stderr());
    } finally {
      cli.kill();
    }
  });

  it('exits 2 on an invalid config, naming each bad field and where it came from', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'keyward.yaml');
    writeFileSync(file, ['listen:', '  port: 70000', 'tokenz: {}', 'tokens:', '  defaultTtl: 48h', '  maxTtl: 24h', ''].join('\n'));
    const cli = spawnCli(['server', '--config', file], { KEYWARD_LOG_LEVEL: 'loud' });
    assert.equal(await cli.exited, 2);
    const stderr = cli.stderr();
    assert.match(stderr, /^keyward: invalid configuration:\n/);
    assert.ok(stderr.includes(`config file ${file}: listen.port must be an integer 0–65535 (got 70000)`), stderr);
    assert.ok(stderr.includes(`config file ${file}: unknown setting "tokenz" (did you mean "tokens"?)`), stderr);
    assert.ok(stderr.includes(`config file ${file}: tokens.defaultTtl (48h) must not exceed tokens.maxTtl (24h, from config file ${file})`), stderr);
    assert.ok(stderr.includes('env KEYWARD_LOG_LEVEL: log.level must be one of'), stderr);
    assert.equal(cli.stdout(), '', 'nothing started');
  });
});

describe('keyward server: TLS', () => {
  let dir = '';
  let cert = '';
  let key = '';
  let ca: Buffer = Buffer.alloc(0);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyward-tls-'));
    cert = join(dir, 'cert.pem');
    key = join(dir, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    ca = readFileSync(cert);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS with the given certificate and shows https:// in the banner', async () => {
    const cli = spawnCli(['server', '--dev', '--port', '0', '--tls-cert', cert, '--tls-key', key, '--log-level', 'warn']);
    try {
      const url = await listeningUrl(cli);
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(cli.stdout(), /export KEYWARD_ADDR=https:\/\//);
      const health = await httpsGet(`${url}/v1/sys/health`, ca);
      assert.equal(health.status, 200);
      assert.deepEqual((JSON.parse(health.body) as { sealed: boolean }).sealed, false);
      await assert.rejects(httpsGet(`${url}/v1/sys/health`, null), /self[- ]signed/i, 'an untrusted client refuses the certificate');
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.stderr());
      assert.ok(!cli.stderr().includes('PRIVATE KEY'));
    } finally {
      cli.kill();
    }
  });

  it('may listen on a non-loopback address with TLS, without --insecure or a warning', async () => {
    const cli = spawnCli(['server', '--dev', '--host', '0.0.0.0', '--port', '0', '--log-level', 'warn'], { KEYWARD_TLS_CERT: cert, KEYWARD_TLS_KEY: key });
    try {
      const port = new URL(await listeningUrl(cli)).port;
      assert.equal((await httpsGet(`https://127.0.0.1:${port}/v1/sys/health`, ca)).status, 200);
      assert.ok(!cli.stderr().includes('WARNING'), cli.stderr());
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.stderr());
    } finally {
      cli.kill();
    }
  });

  it('exits 2 when a TLS file cannot be read, or the files do not match', async (t) => {
    const unreadable = spawnCli(['server', '--dev', '--port', '0', '--tls-cert', cert, '--tls-key', join(dir, 'missing-key.pem')]);
    assert.equal(await unreadable.exited, 2);
    assert.match(unreadable.stderr(), /flag --tls-key: cannot read tls\.key file .*missing-key\.pem \(ENOENT/);

    const other = tempDir(t);
    const strayKey = join(other, 'stray.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', strayKey], { stdio: 'ignore' });
    const { config, sources } = loadConfig({ tlsCert: cert, tlsKey: strayKey }, {});
    const err = captureCliError(() => readTlsFiles(config.tls!, sources));
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /not a usable PEM certificate and matching private key/);
  });
});

describe('keyward server: graceful shutdown', () => {
  it('answers every request it accepted before exiting on SIGTERM, and leaves a verifiable audit log', async (t) => {
    const dir = tempDir(t);
    const cli = spawnCli(['server', '--data-dir', dir, '--port', '0', '--log-level', 'warn']);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    t.after(() => agent.destroy());
    try {
      const url = await listeningUrl(cli);
      const init = await post(agent, url, '/v1/sys/init', null, { shares: 1, threshold: 1 });
      const { rootToken, shares } = JSON.parse(init.text ?? '') as { rootToken: string; shares: string[] };
      assert.equal((await post(agent, url, '/v1/sys/unseal', null, { share: shares[0] })).status, 200);
      assert.equal((await post(agent, url, '/v1/keys', rootToken, { name: 'drain', spec: 'AES_256_GCM' })).status, 201);

      let answered = 0;
      let killedAt = Infinity;
      const requests = Array.from({ length: 400 }, () =>
        post(agent, url, '/v1/crypto/encrypt', rootToken, { key: 'drain', plaintext: 'aGk=' }).then((r) => {
          answered++;
          if (answered === 40) {
            killedAt = Date.now();
            cli.child.kill('SIGTERM');
          }
          return { ...r, at: Date.now() };
        }),
      );
      const results = await Promise.all(requests);
      assert.equal(await cli.exited, 0, cli.stderr());
      assert.ok(Date.now() - killedAt < 10_000);

      const ok = results.filter((r) => r.status === 200);
      for (const r of ok) assert.match((JSON.parse(r.text ?? '') as { ciphertext: string }).ciphertext, /^kw:v1:/, 'a full response');
      for (const r of results) if (r.status !== 200) assert.ok(r.status === 503 || r.status === null, `refused or not connected, not broken: ${r.status} ${r.text}`);
      assert.ok(ok.length >= 40);
      assert.ok(ok.some((r) => r.at > killedAt), 'requests in flight at SIGTERM were still answered');

      const store = SqliteStore.open({ path: join(dir, 'keyward.db') });
      try {
        const seal = await store.getSeal();
        const report = await verifyChain({
          store,
          origin: await store.instanceId(),
          publicKey: seal?.auditPublicKey ?? null,
          externalCheckpoints: new CheckpointFile(join(dir, 'audit-checkpoints.jsonl')).read().checkpoints,
        });
        assert.ok(report.ok, JSON.stringify(report.firstBad));
        const audited = await store.queryAudit({ action: 'crypto.encrypt', outcome: 'success', limit: 10_000 });
        assert.equal(audited.length, ok.length, 'exactly the acknowledged encryptions are in the audit log');
      } finally {
        await store.close();
      }
    } finally {
      cli.kill();
    }
  });
});

function captureCliError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  assert.fail('expected a CliError');
}

/** GET over HTTPS trusting only `ca` (null: the default trust store). */
function httpsGet(url: string, ca: Buffer | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

/** POST JSON; never rejects: status null when no response began (connection refused or reset before it). */
function post(agent: Agent, url: string, path: string, token: string | null, body: unknown): Promise<{ status: number | null; text: string | null }> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
    if (token) headers['authorization'] = `Bearer ${token}`;
    const req = httpRequest(`${url}${path}`, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? null, text }));
      // A response cut short keeps its status but has no text: the test counts it as broken.
      res.on('error', () => resolve({ status: res.statusCode ?? null, text: null }));
      res.on('close', () => resolve({ status: res.statusCode ?? null, text: res.complete ? text : null }));
    });
    req.on('error', () => resolve({ status: null, text: null }));
    req.end(payload);
  });
}
