import type { AuditRecord, KeyState } from '../storage/records.ts';
import { KEY_STATES } from '../storage/records.ts';
import type { DailyUse, HourlyFailures, KeyUsage, SensitiveOperation, SourceUse, StateUse, UsageSummary, UseKind } from './input.ts';
import { addDays, utcDay, utcHour } from './time.ts';

/** Audit actions that use a key, and how. `crypto.re-encrypt` processes its source and protects its destination. */
const USES: Readonly<Record<string, UseKind>> = {
  'crypto.encrypt': 'protect',
  'crypto.generate-data-key': 'protect',
  'crypto.sign': 'protect',
  'crypto.mac': 'protect',
  'crypto.decrypt': 'process',
  'crypto.re-encrypt': 'process',
  'crypto.verify': 'process',
  'crypto.verify-mac': 'process',
};
/** Failures that mean a ciphertext did not decrypt (tampered, truncated, wrong context), not a refusal. */
const DECRYPT_FAILURES = new Set(['decryption_failed', 'ciphertext_invalid']);
const DECRYPTING = new Set(['crypto.decrypt', 'crypto.re-encrypt']);
/** Successful actions the sensitive-operation checks look at. */
export const SENSITIVE_ACTIONS: ReadonlySet<string> = new Set(['key.destroy', 'key.schedule-deletion', 'key.import', 'key.export', 'key.compromise']);

/** Bounds that keep a digest of a long log small. */
const MAX_STATE_USES = 50;
const MAX_SOURCES = 1000;
const MAX_SENSITIVE = 10_000;

export interface DigestWindow {
  /** The snapshot time; daily and hourly counts are kept only for the recent days the anomaly checks read. */
  readonly now: string;
  /** Days back from `now` to keep per-day counts (baseline + window). */
  readonly dailyDays: number;
  /** Days back from `now` to keep hourly decryption-failure counts. */
  readonly hourlyDays: number;
}

/** What the audit log says about one destroyed key. */
export interface DestructionEntry {
  readonly keyId: string;
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly approvalId: string | null;
}

interface KeyAccumulator {
  uses: number;
  firstUsedAt: string | null;
  lastUsedAt: string | null;
  lastUsedSeq: number | null;
  lastProtectAt: string | null;
  lastProtectSeq: number | null;
  readonly versions: Map<number, { uses: number; lastUsedAt: string; lastUsedSeq: number; lastProtectAt: string | null; lastProtectSeq: number | null }>;
  readonly principals: Map<string, { uses: number; lastUsedAt: string; lastUsedSeq: number }>;
  readonly daily: Map<string, DailyUse>;
  readonly failures: Map<string, HourlyFailures>;
  readonly sources: Map<string, SourceUse>;
  stateUses: StateUse[];
  stateUseCount: number;
}

/**
 * Reads the audit log once, in sequence order, and keeps what the checks need: per key, who used
 * which version when and from where, recent daily volumes and decryption failures, uses in a state
 * other than active (the state replayed from the log's own key.* entries), and the sensitive
 * operations. Memory grows with keys and actors, not with the length of the log.
 */
export class AuditLogDigest {
  readonly #dailyFrom: string;
  readonly #hourlyFrom: string;
  readonly #keys = new Map<string, KeyAccumulator>();
  readonly #states = new Map<string, KeyState>();
  #sensitive: SensitiveOperation[] = [];
  readonly #destructions = new Map<string, DestructionEntry>();
  #fromSeq = 0;
  #toSeq = 0;
  #since: string | null = null;

  constructor(window: DigestWindow) {
    this.#dailyFrom = utcDay(addDays(window.now, -window.dailyDays));
    this.#hourlyFrom = utcHour(addDays(window.now, -window.hourlyDays));
  }

  add(e: AuditRecord): void {
    if (this.#fromSeq === 0) {
      this.#fromSeq = e.seq;
      this.#since = e.time;
    }
    this.#toSeq = Math.max(this.#toSeq, e.seq);
    if (e.outcome === 'success') this.#trackState(e);
    const kind = USES[e.action];
    if (kind && e.keyId !== null) {
      if (e.outcome === 'success') {
        this.#use(e, e.keyId, e.keyVersion, kind);
        const dest = e.action === 'crypto.re-encrypt' ? e.details['destinationKeyId'] : undefined;
        const destVersion = e.details['destinationVersion'];
        if (typeof dest === 'string') this.#use(e, dest, typeof destVersion === 'number' ? destVersion : null, 'protect');
      } else if (DECRYPTING.has(e.action) && e.errorCode !== null && DECRYPT_FAILURES.has(e.errorCode)) {
        this.#failure(e, e.keyId);
      }
    }
    if (e.outcome === 'success' && SENSITIVE_ACTIONS.has(e.action)) this.#sensitiveOperation(e);
  }

  usage(): UsageSummary {
    const keys: KeyUsage[] = [...this.#keys]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([keyId, k]) => ({
        keyId,
        uses: k.uses,
        firstUsedAt: k.firstUsedAt,
        lastUsedAt: k.lastUsedAt,
        lastUsedSeq: k.lastUsedSeq,
        lastProtectAt: k.lastProtectAt,
        lastProtectSeq: k.lastProtectSeq,
        versions: [...k.versions].sort(([a], [b]) => a - b).map(([version, v]) => ({ version, ...v })),
        principals: [...k.principals].sort(([a], [b]) => a.localeCompare(b)).map(([actor, p]) => ({ actor, ...p })),
        daily: [...k.daily.values()].sort((a, b) => a.day.localeCompare(b.day) || a.actor.localeCompare(b.actor)),
        decryptFailures: [...k.failures.values()].sort((a, b) => a.hour.localeCompare(b.hour)),
        sources: [...k.sources.values()].sort((a, b) => a.firstSeq - b.firstSeq),
        inactiveStateUses: k.stateUses,
        inactiveStateUseCount: k.stateUseCount,
      }));
    return { fromSeq: this.#fromSeq, toSeq: this.#toSeq, since: this.#since, keys };
  }

  /** The newest sensitive operations (at most MAX_SENSITIVE), oldest first. */
  sensitiveOperations(): SensitiveOperation[] {
    return this.#sensitive.slice(-MAX_SENSITIVE);
  }

  /** The newest successful `key.destroy` entry of each key. */
  destructions(): Map<string, DestructionEntry> {
    return new Map(this.#destructions);
  }

  #trackState(e: AuditRecord): void {
    if (e.keyId === null || !e.action.startsWith('key.')) return;
    const to = e.action === 'key.create' || e.action === 'key.import' ? e.details['state'] : e.details['to'];
    if (typeof to === 'string' && (KEY_STATES as readonly string[]).includes(to)) this.#states.set(e.keyId, to as KeyState);
  }

  #use(e: AuditRecord, keyId: string, version: number | null, kind: UseKind): void {
    const k = this.#accumulator(keyId);
    k.uses++;
    k.firstUsedAt ??= e.time;
    k.lastUsedAt = e.time;
    k.lastUsedSeq = e.seq;
    if (kind === 'protect') {
      k.lastProtectAt = e.time;
      k.lastProtectSeq = e.seq;
    }
    if (version !== null) {
      const v = k.versions.get(version) ?? { uses: 0, lastUsedAt: e.time, lastUsedSeq: e.seq, lastProtectAt: null, lastProtectSeq: null };
      v.uses++;
      v.lastUsedAt = e.time;
      v.lastUsedSeq = e.seq;
      if (kind === 'protect') {
        v.lastProtectAt = e.time;
        v.lastProtectSeq = e.seq;
      }
      k.versions.set(version, v);
    }
    const p = k.principals.get(e.actor) ?? { uses: 0, lastUsedAt: e.time, lastUsedSeq: e.seq };
    p.uses++;
    p.lastUsedAt = e.time;
    p.lastUsedSeq = e.seq;
    k.principals.set(e.actor, p);

    const day = utcDay(e.time);
    if (day >= this.#dailyFrom) {
      const id = `${day}\u0000${e.actor}`;
      const d = k.daily.get(id) ?? { day, actor: e.actor, protect: 0, process: 0, lastSeq: e.seq };
      k.daily.set(id, { ...d, protect: d.protect + (kind === 'protect' ? 1 : 0), process: d.process + (kind === 'process' ? 1 : 0), lastSeq: e.seq });
    }
    if (e.source !== null) {
      const s = k.sources.get(e.source);
      if (s) k.sources.set(e.source, { ...s, lastSeenAt: e.time, uses: s.uses + 1 });
      else if (k.sources.size < MAX_SOURCES) k.sources.set(e.source, { source: e.source, firstSeenAt: e.time, firstSeq: e.seq, lastSeenAt: e.time, uses: 1 });
    }
    const state = this.#states.get(keyId);
    if (state !== undefined && state !== 'active') {
      k.stateUseCount++;
      k.stateUses.push({ seq: e.seq, time: e.time, action: e.action, kind, version, actor: e.actor, state });
      if (k.stateUses.length > MAX_STATE_USES) k.stateUses = k.stateUses.slice(-MAX_STATE_USES);
    }
  }

  #failure(e: AuditRecord, keyId: string): void {
    const hour = utcHour(e.time);
    if (hour < this.#hourlyFrom) return;
    const k = this.#accumulator(keyId);
    const h = k.failures.get(hour);
    k.failures.set(hour, h ? { ...h, count: h.count + 1, lastSeq: e.seq } : { hour, count: 1, firstSeq: e.seq, lastSeq: e.seq });
  }

  #sensitiveOperation(e: AuditRecord): void {
    const approvalId = typeof e.details['approvalId'] === 'string' ? e.details['approvalId'] : null;
    if (e.action === 'key.destroy' && e.keyId !== null) this.#destructions.set(e.keyId, { keyId: e.keyId, seq: e.seq, time: e.time, actor: e.actor, approvalId });
    // Keep the newest: trimmed in blocks so a long log costs no quadratic shifting.
    if (this.#sensitive.length >= 2 * MAX_SENSITIVE) this.#sensitive = this.#sensitive.slice(-MAX_SENSITIVE);
    this.#sensitive.push({
      seq: e.seq,
      time: e.time,
      action: e.action,
      keyId: e.keyId,
      actor: e.actor,
      approvalId,
      breakGlassId: typeof e.details['breakGlassId'] === 'string' ? e.details['breakGlassId'] : null,
    });
  }

  #accumulator(keyId: string): KeyAccumulator {
    let k = this.#keys.get(keyId);
    if (!k) {
      k = {
        uses: 0,
        firstUsedAt: null,
        lastUsedAt: null,
        lastUsedSeq: null,
        lastProtectAt: null,
        lastProtectSeq: null,
        versions: new Map(),
        principals: new Map(),
        daily: new Map(),
        failures: new Map(),
        sources: new Map(),
        stateUses: [],
        stateUseCount: 0,
      };
      this.#keys.set(keyId, k);
    }
    return k;
  }
}
