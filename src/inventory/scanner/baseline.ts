import { KeywardError } from '../../core/errors.ts';
import type { ScanFinding, SuppressedFinding } from './scan-types.ts';

/**
 * A baseline: findings someone looked at and accepted (a test key that must stay, a revoked
 * credential in old history), by fingerprint. Each entry says who accepted it, why, and until
 * when; an expired entry no longer suppresses its finding, so acceptance is reviewed, not forever.
 */
export interface Baseline {
  readonly version: 1;
  readonly entries: readonly BaselineEntry[];
}

export interface BaselineEntry {
  readonly fingerprint: string;
  /** Where it was seen when accepted (for the reader; matching is by fingerprint only). */
  readonly ruleId: string;
  readonly file: string;
  readonly commit: string | null;
  readonly acceptedBy: string;
  readonly acceptedAt: string;
  readonly reason: string;
  /** ISO 8601 instant after which the entry no longer applies; null for no expiry. */
  readonly expires: string | null;
}

export interface BaselineResult {
  readonly findings: ScanFinding[];
  readonly suppressed: SuppressedFinding[];
}

const FINGERPRINT = /^[0-9a-f]{32}$/;

/** Findings split into those a live baseline entry accepts and the rest. */
export function applyBaseline(findings: readonly ScanFinding[], baseline: Baseline | null, now: Date): BaselineResult {
  if (baseline === null) return { findings: [...findings], suppressed: [] };
  const live = new Map<string, BaselineEntry>();
  for (const entry of baseline.entries) {
    if (entry.expires === null || Date.parse(entry.expires) > now.getTime()) live.set(entry.fingerprint, entry);
  }
  const result: BaselineResult = { findings: [], suppressed: [] };
  for (const finding of findings) {
    const entry = live.get(finding.fingerprint);
    if (entry === undefined) result.findings.push(finding);
    else result.suppressed.push({ ...finding, acceptedBy: entry.acceptedBy, reason: entry.reason, expires: entry.expires });
  }
  return result;
}

export interface Acceptance {
  readonly acceptedBy: string;
  readonly reason: string;
  readonly expires: string | null;
}

/**
 * A baseline accepting `findings`. A live entry already in `previous` for the same fingerprint
 * keeps who accepted it, when, why and its expiry (rewriting a baseline does not re-date old
 * acceptances); an expired one is replaced by this acceptance.
 */
export function buildBaseline(findings: readonly ScanFinding[], acceptance: Acceptance, now: Date, previous: Baseline | null = null): Baseline {
  const old = new Map((previous?.entries ?? []).filter((e) => e.expires === null || Date.parse(e.expires) > now.getTime()).map((e) => [e.fingerprint, e]));
  const entries = new Map<string, BaselineEntry>();
  for (const f of findings) {
    if (entries.has(f.fingerprint)) continue;
    entries.set(
      f.fingerprint,
      old.get(f.fingerprint) ?? {
        fingerprint: f.fingerprint,
        ruleId: f.ruleId,
        file: f.file,
        commit: f.commit?.id ?? null,
        acceptedBy: acceptance.acceptedBy,
        acceptedAt: now.toISOString(),
        reason: acceptance.reason,
        expires: acceptance.expires,
      },
    );
  }
  return { version: 1, entries: [...entries.values()].sort((a, b) => a.file.localeCompare(b.file) || a.fingerprint.localeCompare(b.fingerprint)) };
}

/** Parses and checks a baseline file (JSON); problems name the entry and field. */
export function parseBaseline(text: string, source: string): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, and a wrong file given here may hold secrets.
    throw new KeywardError('validation_failed', `${source}: not a baseline file (not valid JSON)`, { field: 'baseline' });
  }
  const fail = (message: string): never => {
    throw new KeywardError('validation_failed', `${source}: invalid baseline: ${message}`, { field: 'baseline' });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be a JSON object with "version": 1 and "entries"');
  const doc = value as Record<string, unknown>;
  if (doc['version'] !== 1) fail('"version" must be 1');
  if (!Array.isArray(doc['entries'])) return fail('"entries" must be a list');
  const entries = (doc['entries'] as unknown[]).map((raw, i): BaselineEntry => {
    const at = `entries[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(`${at} must be an object`);
    const e = raw as Record<string, unknown>;
    const text = (name: string, optional = false): string | null => {
      const v = e[name];
      if (optional && (v === null || v === undefined)) return null;
      if (typeof v !== 'string' || v.trim() === '') return fail(`${at}.${name} must be a non-empty string`);
      return v;
    };
    const fingerprint = text('fingerprint') as string;
    if (!FINGERPRINT.test(fingerprint)) fail(`${at}.fingerprint must be 32 lower-case hex digits`);
    const expires = text('expires', true);
    if (expires !== null && Number.isNaN(Date.parse(expires))) fail(`${at}.expires must be an ISO 8601 date or null`);
    const acceptedAt = text('acceptedAt') as string;
    if (Number.isNaN(Date.parse(acceptedAt))) fail(`${at}.acceptedAt must be an ISO 8601 date`);
    return {
      fingerprint,
      ruleId: text('ruleId') as string,
      file: text('file') as string,
      commit: text('commit', true),
      acceptedBy: text('acceptedBy') as string,
      acceptedAt,
      reason: text('reason') as string,
      expires,
    };
  });
  return { version: 1, entries };
}

export function formatBaseline(baseline: Baseline): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}
