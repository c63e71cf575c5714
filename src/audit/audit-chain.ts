import { createHash } from 'node:crypto';
import type { AuditDraft, AuditRecord } from '../storage/records.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * The hash chain, RFC 6962-style domain separation:
 *   leaf  = SHA-256(0x00 ‖ canonical JSON of the entry's content)
 *   chain = SHA-256(0x01 ‖ previous chain ‖ leaf)
 *   chain before the first entry = SHA-256("keyward/audit/v1/genesis\n" ‖ origin)
 * The sequence number is the row's position, not part of the leaf: order is carried by the chain.
 */
const LEAF_PREFIX = Buffer.of(0x00);
const NODE_PREFIX = Buffer.of(0x01);

export function genesisHash(origin: string): string {
  return createHash('sha256').update(`keyward/audit/v1/genesis\n${origin}`).digest('hex');
}

export function entryContent(entry: AuditDraft): Record<string, unknown> {
  return {
    time: entry.time,
    actor: entry.actor,
    action: entry.action,
    keyId: entry.keyId,
    keyVersion: entry.keyVersion,
    outcome: entry.outcome,
    errorCode: entry.errorCode,
    requestId: entry.requestId,
    correlationId: entry.correlationId,
    source: entry.source,
    details: entry.details,
  };
}

export function leafHash(entry: AuditDraft): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(canonicalJson(entryContent(entry))).digest();
}

export function nextChainHash(previousHex: string, leaf: Buffer): string {
  return createHash('sha256').update(NODE_PREFIX).update(Buffer.from(previousHex, 'hex')).update(leaf).digest('hex');
}

/** Links drafts onto a chain head, assigning sequence numbers. Pure: the caller persists the result. */
export function linkEntries(head: { seq: number; chainHash: string }, origin: string, drafts: readonly AuditDraft[]): AuditRecord[] {
  let prev = head.seq === 0 ? genesisHash(origin) : head.chainHash;
  let seq = head.seq;
  return drafts.map((d) => {
    prev = nextChainHash(prev, leafHash(d));
    seq += 1;
    return { ...d, seq, chainHash: prev };
  });
}
