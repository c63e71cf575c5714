import type { Store } from '../storage/store.ts';
import type { AuditRecord, CheckpointRecord } from '../storage/records.ts';
import { genesisHash, leafHash, nextChainHash } from './audit-chain.ts';
import { checkpointSignatureValid } from './checkpoints.ts';

export type ChainProblemReason = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'bad_signature' | 'truncated' | 'rollback';

export interface ChainProblem {
  readonly seq: number;
  readonly reason: ChainProblemReason;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly range: { readonly from: number; readonly to: number };
  readonly entries: { readonly checked: number; readonly valid: number };
  readonly checkpoints: { readonly checked: number; readonly valid: number };
  readonly firstBad: ChainProblem | null;
  /** The first problems found, in order of sequence number (at most 100). */
  readonly problems: readonly ChainProblem[];
  /** The newest checkpoint that signs a matching head, if any. */
  readonly lastAnchored: { readonly size: number; readonly time: string } | null;
  /** Entries after the newest matching checkpoint: their integrity rests on the database alone. */
  readonly unanchoredEntries: number;
}

export interface VerifyOptions {
  readonly store: Pick<Store, 'readAudit' | 'auditHead' | 'listCheckpoints'>;
  readonly origin: string;
  /** Public key (PEM) that checkpoint signatures must verify under; normally the seal record's. */
  readonly publicKey: string | null;
  /** Checkpoints from outside the database: the checkpoint file, or one an operator trusts. */
  readonly externalCheckpoints?: readonly CheckpointRecord[];
  readonly batchSize?: number;
  readonly onProgress?: (checked: number, total: number) => void;
}

const MAX_PROBLEMS = 100;

/**
 * Walks the whole chain and names the first place it breaks and why. Classification looks one
 * entry ahead: an entry whose successor links to its stored hash was modified; one the chain skips
 * was inserted; two entries that link in swapped order were reordered; a gap in sequence numbers
 * is a deletion. Checkpoints catch what the chain cannot see by itself: a tail cut off (truncated)
 * or history replaced after it was signed (rollback).
 */
export async function verifyChain(options: VerifyOptions): Promise<VerifyReport> {
  const problems: ChainProblem[] = [];
  const report = (p: ChainProblem): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };

  const checkpoints = [...(await options.store.listCheckpoints()), ...(options.externalCheckpoints ?? [])];
  const bySize = new Map<number, CheckpointRecord[]>();
  let checkpointsValid = 0;
  for (const c of checkpoints) {
    const signedOk = c.origin === options.origin && options.publicKey !== null && checkpointSignatureValid(c, options.publicKey);
    if (!signedOk) {
      report({ seq: c.size, reason: 'bad_signature', message: `checkpoint at size ${c.size} (${c.time}) has no valid signature from this log's key` });
      continue;
    }
    const list = bySize.get(c.size) ?? [];
    list.push(c);
    bySize.set(c.size, list);
  }

  const head = await options.store.auditHead();
  const total = head.seq;
  const batchSize = options.batchSize ?? 5000;
  let prev = genesisHash(options.origin);
  let expectedSeq = 1;
  let checked = 0;
  let valid = 0;
  let lastAnchored: { size: number; time: string } | null = null;
  const matchCheckpoints = (seq: number, storedHash: string): void => {
    for (const c of bySize.get(seq) ?? []) {
      if (c.chainHash === storedHash) {
        checkpointsValid++;
        if (!lastAnchored || seq >= lastAnchored.size) lastAnchored = { size: c.size, time: c.time };
      } else {
        report({ seq, reason: 'rollback', message: `entry ${seq} differs from the checkpoint signed at ${c.time}: history was rewritten or restored from an older copy` });
      }
    }
  };
  matchCheckpoints(0, '');

  // A window of entries: the one being checked plus two of lookahead.
  const window: AuditRecord[] = [];
  let nextRead = 1;
  let exhausted = false;
  const fill = async (): Promise<void> => {
    while (!exhausted && window.length < 3) {
      const batch = await options.store.readAudit(nextRead, batchSize);
      if (batch.length === 0) exhausted = true;
      for (const e of batch) window.push(e);
      const last = batch[batch.length - 1];
      if (last) nextRead = last.seq + 1;
      if (batch.length < batchSize) exhausted = true;
    }
  };

  let lastSeq = 0;
  for (;;) {
    await fill();
    const e = window.shift();
    if (!e) break;
    checked++;
    lastSeq = e.seq;
    if (e.seq !== expectedSeq) {
      report({ seq: expectedSeq, reason: 'deleted', message: `entries ${expectedSeq}..${e.seq - 1} are missing` });
      prev = e.chainHash;
      expectedSeq = e.seq + 1;
      matchCheckpoints(e.seq, e.chainHash);
      continue;
    }
    expectedSeq = e.seq + 1;
    if (nextChainHash(prev, leafHash(e)) === e.chainHash) {
      valid++;
      prev = e.chainHash;
      matchCheckpoints(e.seq, e.chainHash);
      if (checked % batchSize === 0) options.onProgress?.(checked, total);
      continue;
    }
    const n1 = window[0];
    if (n1 && nextChainHash(prev, leafHash(n1)) === n1.chainHash && nextChainHash(n1.chainHash, leafHash(e)) === e.chainHash) {
      report({ seq: e.seq, reason: 'reordered', message: `entries ${e.seq} and ${n1.seq} are in swapped order` });
      window.shift();
      checked++;
      expectedSeq = n1.seq + 1;
      prev = e.chainHash;
      matchCheckpoints(n1.seq, e.chainHash);
    } else if (n1 && nextChainHash(prev, leafHash(n1)) === n1.chainHash) {
      report({ seq: e.seq, reason: 'inserted', message: `entry ${e.seq} is not part of the chain (inserted)` });
      matchCheckpoints(e.seq, e.chainHash);
    } else {
      report({ seq: e.seq, reason: 'modified', message: `entry ${e.seq} does not match its chain hash (content or hash modified)` });
      // Resume from the hash the next entry links to: the stored one if the content was changed,
      // the recomputed one if only the stored hash was (else the intact next entry looks modified too).
      const recomputed = nextChainHash(prev, leafHash(e));
      prev = n1 && nextChainHash(recomputed, leafHash(n1)) === n1.chainHash ? recomputed : e.chainHash;
      matchCheckpoints(e.seq, prev);
    }
  }
  options.onProgress?.(checked, total);

  for (const [size, list] of bySize) {
    if (size > lastSeq) {
      for (const c of list) {
        report({ seq: lastSeq + 1, reason: 'truncated', message: `checkpoint signed at ${c.time} covers ${size} entries but the log ends at ${lastSeq}: entries were removed from the end` });
      }
    }
  }

  problems.sort((a, b) => a.seq - b.seq);
  const anchored = lastAnchored as { size: number; time: string } | null;
  return {
    ok: problems.length === 0,
    range: { from: checked > 0 ? 1 : 0, to: lastSeq },
    entries: { checked, valid },
    checkpoints: { checked: checkpoints.length, valid: checkpointsValid },
    firstBad: problems[0] ?? null,
    problems,
    lastAnchored: anchored,
    unanchoredEntries: lastSeq - (anchored?.size ?? 0),
  };
}
