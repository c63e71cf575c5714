import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestServer } from './server-harness.ts';
import { CliTestServer, keyward, unusedPort } from './cli-harness.ts';

describe('keyward operator (init, unseal, status, seal)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    await server.close();
  });

  it('initialises, unseals with shares given as an argument and piped, and seals again', async () => {
    const env = { KEYWARD_ADDR: server.url };
    const status0 = await keyward(['operator', 'status'], { env });
    assert.equal(status0.code, 0, status0.stderr);
    assert.match(status0.stdout, /Initialised:\s+no/);

    const init = await keyward(['operator', 'init', '--shares', '3', '--threshold', '2'], { env });
    assert.equal(init.code, 0, init.stderr);
    const shares = [...init.stdout.matchAll(/Unseal share \d:\s+(\S+)/g)].map((m) => m[1] ?? '');
    const rootToken = /Root token:\s+(kwr_\S+)/.exec(init.stdout)?.[1] ?? '';
    assert.equal(shares.length, 3, init.stdout);
    assert.ok(rootToken);
    assert.match(init.stdout, /shown only this once/);
    assert.match(init.stdout, /Without 2 of the shares/);
    assert.equal(init.stderr, '', 'nothing secret (or anything else) on stderr');

    const again = await keyward(['operator', 'init'], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^keyward: already_initialized: .* \(request req_[0-9a-f]+\)\n$/);

    const one = await keyward(['operator', 'unseal', shares[0] ?? ''], { env });
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /Share accepted: 1 of 2\. Still sealed: give 1 more share\./);

    const reset = await keyward(['operator', 'unseal', '--reset', '--json'], { env });
    assert.equal(reset.code, 0, reset.stderr);
    assert.deepEqual(JSON.parse(reset.stdout), { initialized: true, sealed: true, threshold: 2, shares: 3, progress: 0 });

    const sealedUse = await keyward(['key', 'list'], { env: { ...env, KEYWARD_TOKEN: rootToken } });
    assert.equal(sealedUse.code, 5, 'sealed → exit 5');
    assert.match(sealedUse.stderr, /^keyward: sealed: /);

    const piped = await keyward(['operator', 'unseal'], { env, input: `${shares[1]}\n\n${shares[2]}\n` });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, 'Unsealed.\n');

    const status = await keyward(['operator', 'status', '--json'], { env });
    assert.deepEqual(JSON.parse(status.stdout), { initialized: true, sealed: false, threshold: 2, shares: 3, progress: 0 });
    assert.equal((await keyward(['key', 'list'], { env: { ...env, KEYWARD_TOKEN: rootToken } })).code, 0);

    const seal = await keyward(['operator', 'seal'], { env: { ...env, KEYWARD_TOKEN: rootToken } });
    assert.equal(seal.code, 0, seal.stderr);
    assert.equal(seal.stdout, 'Sealed. Unsealing needs 2 shares.\n');
    const afterSeal = await keyward(['encrypt', 'any', '--text', 'x'], { env: { ...env, KEYWARD_TOKEN: rootToken } });
    assert.equal(afterSeal.code, 5);

    const bad = await keyward(['operator', 'unseal', 'bm90LWEtc2hhcmU='], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /keyward: invalid_share: /);
    for (const r of [init, one, piped, seal, bad]) for (const secret of [rootToken, ...shares]) assert.ok(!r.stderr.includes(secret), 'no secret on stderr');
  });
});

describe('keyward exit codes', () => {
  let cli: CliTestServer;
  before(async () => {
    cli = await CliTestServer.start();
  });
  after(async () => {
    await cli.close();
  });

  it('exits 2 on usage errors, before anything is sent', async () => {
    const cases: [string[], RegExp][] = [
      [['key', 'list', '--bogus'], /unknown option '--bogus'/],
      [['encrypt'], /missing required argument 'key'/],
      [['key', 'create', 'k', '--spec', 'AES_128'], /Allowed choices are AES_256_GCM/],
      [['encrypt', 'k', '--text', 'x', '--context', 'novalue'], /expected key=value/],
      [['encrypt', 'k', '--text', 'x', '--in', 'f'], /either --in or --text/],
      [['token', 'create', '--permission', '*', '--ttl', 'soon'], /a duration is seconds/],
      [['key', 'destroy', 'k'], /add --yes to confirm/],
      [['key', 'list', '--addr', 'not a url'], /must be a URL/],
      [['nonsense'], /unknown command 'nonsense'/],
    ];
    const requests = (): number => cli.server.logLines.filter((line) => line.includes('incoming request')).length;
    const before = requests();
    assert.ok(before > 0);
    for (const [args, message] of cases) {
      const r = await cli.run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(requests(), before, 'no request reached the server');
  });

  it('exits 0 for --help', async () => {
    const r = await keyward(['key', 'create', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: keyward key create \[options\] <name>/);
    assert.match(r.stdout, /env: KEYWARD_TOKEN/);
  });

  it('exits 3 when nothing listens at the address', async () => {
    const port = await unusedPort();
    const r = await keyward(['key', 'list'], { env: { KEYWARD_ADDR: `http://127.0.0.1:${port}`, KEYWARD_TOKEN: 'kwt_x' } });
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`^keyward: cannot reach the Keyward server at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    assert.ok(!r.stderr.includes('kwt_x'));
  });

  it('exits 4 for a wrong token or none, without echoing the token', async () => {
    const wrong = `kwt_${'A'.repeat(43)}`;
    const r = await cli.run(['key', 'list'], { env: { KEYWARD_TOKEN: wrong } });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /^keyward: unauthenticated: .*\(request req_[0-9a-f]{24}\)\n$/);
    assert.ok(!r.stderr.includes(wrong));
    const none = await cli.run(['key', 'list'], { env: { KEYWARD_TOKEN: '' } });
    assert.equal(none.code, 4);
    assert.match(none.stderr, /no token was given: set KEYWARD_TOKEN or pass --token/);
  });

  it('takes --addr and --token over the environment, and sends --correlation-id', async () => {
    const port = await unusedPort();
    const r = await keyward(['random', '--bytes', '4', '--addr', cli.server.url, '--token', cli.rootToken, '--correlation-id', 'ticket-42'], {
      env: { KEYWARD_ADDR: `http://127.0.0.1:${port}`, KEYWARD_TOKEN: 'kwt_wrong' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(Buffer.from(r.stdout.trim(), 'base64').length, 4);
    const entries = await cli.run(['audit', 'query', '--action', 'crypto.random', '--json']);
    const page = JSON.parse(entries.stdout) as { entries: { correlationId: string | null }[] };
    assert.equal(page.entries.at(-1)?.correlationId, 'ticket-42');
  });
});
