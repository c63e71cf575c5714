import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliTestServer } from './cli-harness.ts';

describe('keyward encrypt, decrypt, datakey, reencrypt, sign, verify, mac, random', () => {
  let cli: CliTestServer;
  let dir: string;
  before(async () => {
    cli = await CliTestServer.start();
    dir = mkdtempSync(join(tmpdir(), 'keyward-cli-'));
    for (const [name, spec] of [['billing', 'AES_256_GCM'], ['archive', 'AES_256_GCM'], ['signer', 'ECC_NIST_P256'], ['hmac', 'HMAC_SHA256']]) {
      const r = await cli.server.request('POST', '/v1/keys', { body: { name, spec } });
      assert.equal(r.status, 201, r.text);
    }
  });
  after(async () => {
    await cli.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips binary bytes through encrypt and decrypt on stdin and stdout', async () => {
    const plaintext = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x80, 0x00]);
    const encrypted = await cli.run(['encrypt', 'billing'], { input: plaintext });
    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.match(encrypted.stdout, /^kw:v1:key_[0-9a-f]{24}:1:[A-Za-z0-9_-]+\n$/);
    const decrypted = await cli.run(['decrypt'], { input: encrypted.stdout });
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.deepEqual(decrypted.stdoutBytes, plaintext, 'exactly the bytes, no newline added');
    assert.equal(decrypted.stderr, '');
  });

  it('round-trips files with an encryption context, and refuses a different context with exit 1', async () => {
    const secret = 'card 4111-1111-1111-1111';
    writeFileSync(join(dir, 'card.txt'), secret);
    const encrypted = await cli.run(['encrypt', 'billing', '--in', join(dir, 'card.txt'), '--context', 'tenant=acme', '--context', 'purpose=billing']);
    assert.equal(encrypted.code, 0, encrypted.stderr);
    writeFileSync(join(dir, 'card.kw'), encrypted.stdout);

    const toFile = await cli.run(['decrypt', '--in', join(dir, 'card.kw'), '--context', 'purpose=billing', '--context', 'tenant=acme', '--out', join(dir, 'out.txt')]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(toFile.stdout, '', 'the plaintext goes only to the file');
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), secret);
    assert.equal(statSync(join(dir, 'out.txt')).mode & 0o777, 0o600);

    const asJson = JSON.parse((await cli.run(['decrypt', encrypted.stdout.trim(), '--context', 'tenant=acme', '--context', 'purpose=billing', '--json'])).stdout) as { plaintext: string; version: number };
    assert.equal(Buffer.from(asJson.plaintext, 'base64').toString(), secret);
    assert.equal(asJson.version, 1);

    for (const context of [['--context', 'tenant=evil', '--context', 'purpose=billing'], []]) {
      const wrong = await cli.run(['decrypt', '--in', join(dir, 'card.kw'), ...context]);
      assert.equal(wrong.code, 1);
      assert.equal(wrong.stdout, '');
      assert.match(wrong.stderr, /^keyward: decryption_failed: .* \(request req_[0-9a-f]{24}\)\n$/);
      assert.ok(!wrong.stderr.includes('4111'), 'no plaintext in the error');
    }
    const garbage = await cli.run(['decrypt', 'kw:v1:nonsense']);
    assert.equal(garbage.code, 1);
    assert.match(garbage.stderr, /ciphertext_invalid/);
  });

  it('makes data keys (with and without plaintext) that decrypt to the same bytes', async () => {
    const made = await cli.run(['datakey', 'billing', '--bytes', '16', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const dataKey = JSON.parse(made.stdout) as { ciphertext: string; plaintext: string };
    assert.equal(Buffer.from(dataKey.plaintext, 'base64').length, 16);
    const decrypted = await cli.run(['decrypt', dataKey.ciphertext]);
    assert.deepEqual(decrypted.stdoutBytes, Buffer.from(dataKey.plaintext, 'base64'));

    const human = await cli.run(['datakey', 'billing', '--no-plaintext']);
    assert.match(human.stdout, /^Ciphertext:\s+kw:v1:/m);
    assert.doesNotMatch(human.stdout, /Plaintext/);
  });

  it('re-encrypts under another key and context', async () => {
    const encrypted = (await cli.run(['encrypt', 'billing', '--text', 'move me', '--context', 'a=1'])).stdout;
    const moved = await cli.run(['reencrypt', '--to', 'archive', '--source-context', 'a=1', '--destination-context', 'b=2'], { input: encrypted });
    assert.equal(moved.code, 0, moved.stderr);
    const archiveId = JSON.parse((await cli.run(['key', 'show', 'archive', '--json'])).stdout).id as string;
    assert.ok(moved.stdout.startsWith(`kw:v1:${archiveId}:1:`));
    const decrypted = await cli.run(['decrypt', moved.stdout.trim(), '--context', 'b=2']);
    assert.equal(decrypted.stdout, 'move me');
  });

  it('signs and verifies: valid exits 0, invalid prints "invalid" and exits 1', async () => {
    writeFileSync(join(dir, 'release.txt'), 'release 1.0');
    const signed = await cli.run(['sign', 'signer', '--in', join(dir, 'release.txt')]);
    assert.equal(signed.code, 0, signed.stderr);
    const signature = signed.stdout.trim();
    assert.match(signature, /^[A-Za-z0-9+/]+=*$/);

    const valid = await cli.run(['verify', 'signer', '--signature', signature], { input: 'release 1.0' });
    assert.deepEqual([valid.code, valid.stdout], [0, 'valid\n']);
    const invalid = await cli.run(['verify', 'signer', '--signature', signature, '--text', 'release 1.1']);
    assert.deepEqual([invalid.code, invalid.stdout, invalid.stderr], [1, 'invalid\n', '']);
    const json = await cli.run(['verify', 'signer', '--signature', signature, '--text', 'release 1.1', '--json']);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { valid: boolean }).valid, false);
  });

  it('computes and checks MACs, and returns random bytes', async () => {
    const mac = (await cli.run(['mac', 'hmac', '--text', 'message'])).stdout.trim();
    assert.equal(Buffer.from(mac, 'base64').length, 32);
    assert.equal((await cli.run(['verify-mac', 'hmac', '--mac', mac, '--text', 'message'])).stdout, 'valid\n');
    const wrong = await cli.run(['verify-mac', 'hmac', '--mac', mac, '--text', 'massage']);
    assert.deepEqual([wrong.code, wrong.stdout], [1, 'invalid\n']);

    const random = await cli.run(['random', '--bytes', '24', '--hex']);
    assert.match(random.stdout, /^[0-9a-f]{48}\n$/);
  });

  it('refuses input over the size limit before sending it', async () => {
    const big = await cli.run(['encrypt', 'billing'], { input: Buffer.alloc(64 * 1024 + 1, 1) });
    assert.equal(big.code, 2);
    assert.match(big.stderr, /larger than 65536 bytes; encrypt larger data locally under a data key/);
  });
});
