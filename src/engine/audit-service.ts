import { createHmac } from 'node:crypto';
import { KeywardError } from '../core/errors.ts';
import type { CallContext } from '../auth/principal.ts';
import { verifyChain, type VerifyReport } from '../audit/verify-chain.ts';
import type { AuditQuery, AuditRecord, CheckpointRecord } from '../storage/records.ts';
import { KEY_ID } from '../keys/key-directory.ts';
import type { EngineContext } from './engine-context.ts';

export const MAX_AUDIT_PAGE = 1000;

/** Reading and checking the audit log. Reads are audited too (who looked at what). */
export class AuditService {
  readonly #c: EngineContext;
  readonly #hmacKey: () => Buffer | null;

  constructor(c: EngineContext, hmacKey: () => Buffer | null) {
    this.#c = c;
    this.#hmacKey = hmacKey;
  }

  /**
   * Entries matching the filters, a page at a time. `key` is a key name or id; it is resolved
   * without a key permission (an auditor may read a key's history without being able to use it),
   * and a key that no longer exists under that name can still be searched by id.
   */
  query(
    ctx: CallContext,
    query: Omit<AuditQuery, 'limit' | 'keyId'> & { key?: string; limit?: number },
  ): Promise<{ entries: AuditRecord[]; next: number | null; head: number }> {
    return this.#c.runner.run(ctx, 'audit.query', async (op) => {
      op.authorize();
      const { key, since, until, ...rest } = query;
      // Stored times are canonical UTC (toISOString); an offset or a missing fraction would compare wrongly as text.
      const filters = { ...rest, ...(since !== undefined ? { since: canonicalTime(since, 'since') } : {}), ...(until !== undefined ? { until: canonicalTime(until, 'until') } : {}) };
      const keyId = key === undefined ? undefined : KEY_ID.test(key) ? key : (await this.#c.directory.get(key)).id;
      const limit = Math.min(Math.max(query.limit ?? 100, 1), MAX_AUDIT_PAGE);
      const rows = await this.#c.store.queryAudit({ ...filters, ...(keyId !== undefined ? { keyId } : {}), limit: limit + 1 });
      // Read after the page, so no entry in it is newer than `head`.
      const head = await this.#c.store.auditHead();
      const entries = rows.slice(0, limit);
      op.details['returned'] = entries.length;
      const last = entries[entries.length - 1];
      return { entries, next: rows.length > limit && last ? last.seq : null, head: head.seq };
    });
  }

  /** Walks the chain and checks checkpoints (from the database and the checkpoint file, plus any trusted ones). */
  verify(ctx: CallContext, options: { trusted?: readonly CheckpointRecord[]; onProgress?: (done: number, total: number) => void } = {}): Promise<VerifyReport> {
    return this.#c.runner.run(ctx, 'audit.verify', async (op) => {
      op.authorize();
      await this.#c.audit.flush();
      const report = await verifyChain({
        store: this.#c.store,
        origin: this.#c.audit.origin,
        publicKey: this.#c.seal.record?.auditPublicKey ?? null,
        externalCheckpoints: [...(this.#c.checkpointFile?.read().checkpoints ?? []), ...(options.trusted ?? [])],
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      op.details['ok'] = report.ok;
      op.details['entries'] = report.entries.checked;
      if (report.firstBad) op.details['firstBad'] = report.firstBad.seq;
      return report;
    });
  }

  /** Streams the log as JSON Lines, in sequence order, from `fromSeq`. */
  async *export(ctx: CallContext, fromSeq = 1): AsyncGenerator<string> {
    const head = await this.#c.runner.run(ctx, 'audit.export', async (op) => {
      op.authorize();
      await this.#c.audit.flush();
      const h = await this.#c.store.auditHead();
      op.details['from'] = fromSeq;
      op.details['to'] = h.seq;
      return h;
    });
    for (let seq = Math.max(1, fromSeq); seq <= head.seq; ) {
      const batch = await this.#c.store.readAudit(seq, 1000);
      if (batch.length === 0) break;
      for (const e of batch) {
        if (e.seq > head.seq) return;
        yield `${JSON.stringify(e)}\n`;
      }
      seq = (batch[batch.length - 1]?.seq ?? head.seq) + 1;
    }
  }

  /** Signs and stores a checkpoint of the current head now. */
  checkpoint(ctx: CallContext): Promise<CheckpointRecord | null> {
    return this.#c.runner.run(ctx, 'audit.checkpoint', async (op) => {
      op.authorize();
      await this.#c.audit.flush();
      return this.#c.audit.checkpoint();
    });
  }

  /** The keyed HMAC that audit entries hold for a sensitive value, so an investigator can search for it. */
  hashValue(ctx: CallContext, value: Buffer): Promise<string> {
    return this.#c.runner.run(ctx, 'audit.hash-value', async (op) => {
      op.authorize();
      const key = this.#hmacKey();
      if (!key) throw new KeywardError('sealed', 'Keyward is sealed');
      return createHmac('sha256', key).update(value).digest('hex');
    });
  }
}

function canonicalTime(text: string, field: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new KeywardError('validation_failed', `${field} must be an ISO 8601 date and time`, { field });
  return new Date(ms).toISOString();
}
