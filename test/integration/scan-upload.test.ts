import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNoSecretIn, writePlantedTree, type Planted } from '../fixtures/scanner/planted-secrets.ts';
import { CliTestServer } from './cli-harness.ts';

/** `keyward scan --upload` feeds the audit: plaintext keys and credentials in code become STO findings. */
describe('keyward scan --upload → audit run', () => {
  let cli: CliTestServer;
  let dir: string;
  let planted: Planted[];
  before(async () => {
    cli = await CliTestServer.start();
    dir = mkdtempSync(join(tmpdir(), 'keyward-scan-upload-'));
    planted = writePlantedTree(dir);
  });
  after(async () => {
    await cli.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads fingerprints and locations (never the secrets), and the next audit run reports them', async () => {
    const before = await cli.server.engine.assess.run({ principal: { type: 'root', actor: 'root:t', permissions: ['*'] } });
    assert.equal(before.results.find((r) => r.check.id === 'STO-01')?.status, 'not-assessed');

    const scanned = await cli.run(['scan', dir, '--upload', '--format', 'json']);
    assert.equal(scanned.code, 1, scanned.stderr);
    assert.match(scanned.stderr, /uploaded as scn_[0-9a-f]+/);
    const list = await cli.server.request<{ scans: { findingCount: number }[] }>('GET', '/v1/scans');
    assert.equal(list.status, 200);
    assert.ok((list.body.scans[0]?.findingCount ?? 0) >= 10, list.text);
    const stored = await cli.server.engine.store.listDocuments('scan-report', { limit: 10 });
    assertNoSecretIn(JSON.stringify(stored), planted);
    assertNoSecretIn(JSON.stringify(await cli.server.engine.store.readAudit(1, 10_000)), planted);

    const run = await cli.server.engine.assess.run({ principal: { type: 'root', actor: 'root:t', permissions: ['*'] } });
    for (const id of ['STO-01', 'STO-02', 'STO-03']) {
      const r = run.results.find((x) => x.check.id === id);
      assert.equal(r?.status, 'failed', `${id}: ${r?.reason ?? ''}`);
    }
  });
});
