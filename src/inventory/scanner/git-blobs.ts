import { spawn } from 'node:child_process';
import { KeywardError } from '../../core/errors.ts';
import { isPkcs12 } from './pkcs12.ts';
import { fingerprintHasher, type FingerprintHasher } from './redact.ts';

/** What is learnt about a binary blob: whether it is a PKCS#12 bundle, and its fingerprint if so. */
export interface BlobVerdict {
  readonly size: number;
  readonly tooLarge: boolean;
  /** Hex fingerprint (as `fingerprintBytes(ruleId, content)`) when the blob is PKCS#12, else null. */
  readonly pkcs12Fingerprint: string | null;
}

const HEAD_BYTES = 32;

/**
 * Reads blobs with one `git cat-file --batch` process and checks each for the PKCS#12 header,
 * hashing it on the way (the content is streamed, never held). Blobs over `maxBytes` are only
 * reported as too large.
 */
export async function inspectBlobs(repo: string, ids: readonly string[], options: { ruleId: string; maxBytes: number; git: string }): Promise<Map<string, BlobVerdict>> {
  const verdicts = new Map<string, BlobVerdict>();
  if (ids.length === 0) return verdicts;
  const child = spawn(options.git, ['-C', repo, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(0, 4096)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (err) => reject(new KeywardError('internal', `cannot run git: ${err.message}`)));
    child.on('close', (code) => resolve(code));
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(`${ids.join('\n')}\n`);

  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  let current: { id: string; size: number; seen: number; head: Buffer; hash: FingerprintHasher | null } | null = null;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (current === null) {
        const nl = pending.indexOf(10);
        if (nl === -1) break;
        const header = pending.subarray(0, nl).toString('latin1');
        pending = pending.subarray(nl + 1);
        const id = ids[index++] ?? '';
        const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
        if (m === null) continue; // "<id> missing": nothing follows
        const size = Number(m[3]);
        const hash = size <= options.maxBytes ? fingerprintHasher(options.ruleId) : null;
        current = { id, size, seen: 0, head: Buffer.alloc(0), hash };
      }
      const want = current.size - current.seen;
      const take = Math.min(want, pending.length);
      const part = pending.subarray(0, take);
      if (current.head.length < HEAD_BYTES) current.head = Buffer.concat([current.head, part.subarray(0, HEAD_BYTES - current.head.length)]);
      current.hash?.update(part);
      current.seen += take;
      pending = pending.subarray(take);
      if (current.seen < current.size || pending.length === 0) break;
      pending = pending.subarray(1); // the newline after the content
      const pkcs12 = current.hash !== null && isPkcs12(current.head);
      verdicts.set(current.id, {
        size: current.size,
        tooLarge: current.hash === null,
        pkcs12Fingerprint: pkcs12 ? (current.hash as FingerprintHasher).digest() : null,
      });
      current = null;
    }
  }
  const code = await exited;
  if (code !== 0) throw new KeywardError('internal', `git cat-file failed (exit ${code}): ${stderr.split('\n')[0] ?? ''}`);
  return verdicts;
}
