import { parse as parseCsv } from 'csv-parse/sync';
import { scopeCovers } from '../../auth/grants.ts';
import { optionalText, type IdentityRecord } from '../../auth/identities.ts';
import type { CallContext } from '../../auth/principal.ts';
import { KeywardError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { listAllKeys } from '../../storage/copy-store.ts';
import type { KeyRecord } from '../../storage/records.ts';
import type { EngineContext } from '../engine-context.ts';
import { keyFacts } from '../operation.ts';
import { allDocuments, KIND, type AccessIndex } from './access-index.ts';
import { mustGet, page } from './docs.ts';
import type { BindingUsage } from './governance-hooks.ts';
import type { IdentityService } from './identity-service.ts';

/** One person in the HR directory (SCIM-like fields). */
export interface DirectoryPerson {
  readonly id: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly team: string | null;
  /** `active` or `departed` (SCIM `active: false`, "terminated", "inactive"… are read as departed). */
  readonly status: 'active' | 'departed';
  readonly manager: string | null;
}

export type ReviewFindingType = 'not-in-directory' | 'departed-active' | 'owner-departed' | 'beyond-team' | 'unused-binding';

export interface ReviewFinding {
  readonly type: ReviewFindingType;
  readonly identity: string;
  readonly identityId: string;
  readonly bindingId: string | null;
  readonly detail: string;
}

export interface AccessReview {
  readonly id: string;
  readonly at: string;
  readonly by: string;
  readonly directorySize: number;
  readonly identitiesReviewed: number;
  readonly findings: readonly ReviewFinding[];
  readonly counts: Readonly<Record<ReviewFindingType, number>>;
  /** Set when someone applied it (suspended the departed) and when someone signed it off. */
  readonly appliedAt: string | null;
  readonly appliedBy: string | null;
  readonly completedAt: string | null;
  readonly completedBy: string | null;
  readonly completionNote: string | null;
}

const MAX_DIRECTORY = 100_000;

/**
 * Access review against the HR directory: import the directory (CSV or JSON), reconcile it with
 * identities and bindings (people not in the directory, departed people still active, service
 * accounts owned by departed people, roles beyond one's team's keys, bindings unused for N days),
 * suspend the departed in one step, and sign the review off. Runs on a schedule too.
 */
export class ReviewService {
  readonly #c: EngineContext;
  readonly #index: AccessIndex;
  readonly #identities: IdentityService;

  constructor(c: EngineContext, index: AccessIndex, identities: IdentityService) {
    this.#c = c;
    this.#index = index;
    this.#identities = identities;
  }

  /** Replaces the directory with the given one (CSV with a header row, or JSON: an array or SCIM ListResponse). */
  importDirectory(ctx: CallContext, text: string, format: 'csv' | 'json'): Promise<{ people: number; active: number; departed: number; removed: number }> {
    return this.#c.runner.run(ctx, 'review.import-directory', async (op) => {
      op.authorize({});
      const people = parseDirectory(text, format);
      const existing = await allDocuments<DirectoryPerson>(this.#c.store, KIND.person);
      const keep = new Set(people.map((p) => p.id));
      const removed = existing.filter((d) => !keep.has(d.data.id));
      const byId = new Map(existing.map((d) => [d.data.id, d]));
      const now = this.#c.clock.now().toISOString();
      const counts = { people: people.length, active: people.filter((p) => p.status === 'active').length, departed: people.filter((p) => p.status === 'departed').length, removed: removed.length };
      Object.assign(op.details, counts);
      op.details['format'] = format;
      op.mutation = async (tx) => {
        for (const d of removed) await tx.deleteDocument(KIND.person, d.data.id);
        // Emails are unique lookups: clear the ones that move before writing.
        for (const p of people) {
          const before = byId.get(p.id);
          await tx.putDocument({ kind: KIND.person, id: p.id, lookup: null, data: p, updatedAt: now }, before ? before.revision : null);
        }
      };
      return counts;
    });
  }

  /** Reconciles identities and bindings with the directory and stores the review. */
  async run(ctx: CallContext): Promise<AccessReview> {
    const review = await this.#c.runner.run(ctx, 'review.run', async (op) => {
      op.authorize({});
      const review = await this.#reconcile(ctx.principal.actor);
      Object.assign(op.details, { reviewId: review.id, identities: review.identitiesReviewed, ...review.counts });
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.review, id: review.id, data: review, updatedAt: review.at }, null));
      return review;
    });
    return review;
  }

  async #reconcile(by: string): Promise<AccessReview> {
    const now = this.#c.clock.now();
    const settings = await this.#index.settings();
    const s = await this.#index.snapshot();
    const people = (await allDocuments<DirectoryPerson>(this.#c.store, KIND.person)).map((d) => d.data);
    if (people.length === 0) throw new KeywardError('conflict', 'no directory has been imported: run `keyward review import <file>` first');
    const usage = new Map((await allDocuments<BindingUsage>(this.#c.store, KIND.usage)).map((d) => [d.data.bindingId, d.data.lastUsedAt]));
    const keys = (await listAllKeys(this.#c.store)).filter((k) => k.state !== 'destroyed');
    const findings: ReviewFinding[] = [];
    const find = (identity: IdentityRecord, people: readonly DirectoryPerson[]): DirectoryPerson | null =>
      people.find((p) => identity.directoryId !== null && p.id === identity.directoryId) ?? people.find((p) => identity.email !== null && p.email === identity.email) ?? null;
    const unusedBefore = now.getTime() - settings.review.unusedDays * 86_400_000;
    let reviewed = 0;
    for (const identity of s.identities.values()) {
      if (identity.status !== 'active') continue;
      reviewed++;
      const add = (type: ReviewFindingType, detail: string, bindingId: string | null = null): void => void findings.push({ type, identity: identity.name, identityId: identity.id, bindingId, detail });
      if (identity.kind === 'user') {
        const person = find(identity, people);
        if (!person) add('not-in-directory', `${identity.name} is active but matches nobody in the directory (by directory id or email)`);
        else if (person.status === 'departed') add('departed-active', `${identity.name} (${person.email ?? person.id}) has left but is still active`);
      } else if (identity.owner !== null) {
        const owner = people.find((p) => p.email === identity.owner?.toLowerCase() || p.id === identity.owner || p.name === identity.owner);
        if (owner?.status === 'departed') add('owner-departed', `service account ${identity.name} is owned by ${identity.owner}, who has left`);
      }
      const bindings = s.bindings.filter((b) => (b.subject.type === 'identity' ? b.subject.id === identity.id : identity.groups.includes(b.subject.id)));
      for (const b of bindings) {
        if (identity.team !== null) {
          const beyond = keys.filter((k) => scopeCovers(b.scope, keyFacts(k), identity.environment) && teamOf(k) !== null && teamOf(k) !== identity.team);
          if (beyond.length > 0) {
            add('beyond-team', `${identity.name} (team ${identity.team}) holds ${b.role} on ${beyond.length} key(s) of other teams: ${beyond.slice(0, 5).map((k) => k.name).join(', ')}`, b.id);
          }
        }
      }
    }
    for (const b of s.bindings) {
      const lastUsed = usage.get(b.id) ?? null;
      if (Date.parse(b.createdAt) < unusedBefore && (lastUsed === null || Date.parse(lastUsed) < unusedBefore)) {
        findings.push({
          type: 'unused-binding',
          identity: b.subject.name,
          identityId: b.subject.id,
          bindingId: b.id,
          detail: `binding ${b.id} (${b.role} for ${b.subject.type} ${b.subject.name}) ${lastUsed ? `last used ${lastUsed}` : 'never used'}, not in the last ${settings.review.unusedDays} days`,
        });
      }
    }
    const counts = { 'not-in-directory': 0, 'departed-active': 0, 'owner-departed': 0, 'beyond-team': 0, 'unused-binding': 0 };
    for (const f of findings) counts[f.type]++;
    return {
      id: newId('rev'),
      at: now.toISOString(),
      by,
      directorySize: people.length,
      identitiesReviewed: reviewed,
      findings,
      counts,
      appliedAt: null,
      appliedBy: null,
      completedAt: null,
      completedBy: null,
      completionNote: null,
    };
  }

  /** Marks every departed-but-active person of a review departed, revoking their tokens (each audited). */
  async apply(ctx: CallContext, reviewId: string): Promise<{ suspended: string[]; failed: { identity: string; error: string }[] }> {
    const doc = await mustGet<AccessReview>(this.#c.store, KIND.review, reviewId, 'access review');
    const suspended: string[] = [];
    const failed: { identity: string; error: string }[] = [];
    for (const f of doc.data.findings.filter((x) => x.type === 'departed-active')) {
      try {
        await this.#identities.setStatus(ctx, f.identity, 'departed', `access review ${reviewId}: left the organisation`);
        suspended.push(f.identity);
      } catch (err) {
        failed.push({ identity: f.identity, error: err instanceof KeywardError ? `${err.code}: ${err.message}` : 'internal error' });
      }
    }
    await this.#c.runner.run(ctx, 'review.apply', async (op) => {
      op.authorize({});
      op.details['reviewId'] = reviewId;
      op.details['suspended'] = suspended;
      op.details['failed'] = failed.length;
      const fresh = await mustGet<AccessReview>(this.#c.store, KIND.review, reviewId, 'access review');
      const now = this.#c.clock.now().toISOString();
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.review, id: reviewId, data: { ...fresh.data, appliedAt: now, appliedBy: ctx.principal.actor }, updatedAt: now }, fresh.revision));
    });
    return { suspended, failed };
  }

  /** Signs a review off: the evidence an auditor asks for ("access reviewed on … by …"). */
  complete(ctx: CallContext, reviewId: string, note?: string): Promise<AccessReview> {
    return this.#c.runner.run(ctx, 'review.complete', async (op) => {
      op.authorize({});
      const doc = await mustGet<AccessReview>(this.#c.store, KIND.review, reviewId, 'access review');
      op.details['reviewId'] = reviewId;
      if (doc.data.completedAt) throw new KeywardError('conflict', `review ${reviewId} was completed by ${doc.data.completedBy} at ${doc.data.completedAt}`);
      const now = this.#c.clock.now().toISOString();
      const done: AccessReview = { ...doc.data, completedAt: now, completedBy: ctx.principal.actor, completionNote: optionalText(note, 'note', 2000) };
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.review, id: reviewId, data: done, updatedAt: now }, doc.revision));
      return done;
    });
  }

  get(ctx: CallContext, id: string): Promise<AccessReview> {
    return this.#c.runner.run(ctx, 'review.read', async (op) => {
      op.authorize({});
      op.details['reviewId'] = id;
      return (await mustGet<AccessReview>(this.#c.store, KIND.review, id, 'access review')).data;
    });
  }

  list(ctx: CallContext, options: { after?: string; limit?: number }): Promise<{ reviews: AccessReview[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'review.list', async (op) => {
      op.authorize({});
      const { items, next } = await page<AccessReview>(this.#c.store, KIND.review, options);
      return { reviews: items, next };
    });
  }
}

/** A key's team: its `team` tag, else its owner. */
function teamOf(key: KeyRecord): string | null {
  return key.tags['team'] ?? key.owner;
}

const DEPARTED = new Set(['departed', 'inactive', 'terminated', 'left', 'false', 'disabled', 'suspended']);
const FIELD_NAMES: Readonly<Record<string, keyof DirectoryPerson>> = {
  id: 'id', externalid: 'id', employeeid: 'id', username: 'id', username_: 'id',
  email: 'email', mail: 'email', emails: 'email',
  name: 'name', displayname: 'name', fullname: 'name',
  team: 'team', department: 'team', group: 'team',
  status: 'status', active: 'status', state: 'status',
  manager: 'manager', manageremail: 'manager',
};

/** Parses a directory export into people; `validation_failed` naming the line of a bad row. */
export function parseDirectory(text: string, format: 'csv' | 'json'): DirectoryPerson[] {
  let rows: { line: number; fields: Record<string, unknown> }[];
  if (format === 'csv') {
    let records: Record<string, string>[];
    try {
      records = parseCsv<Record<string, string>>(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase().replace(/[\s_-]+/g, '')), skip_empty_lines: true, trim: true, bom: true });
    } catch (err) {
      throw new KeywardError('validation_failed', `the directory CSV does not parse: ${(err as Error).message.slice(0, 200)}`, { field: 'directory' });
    }
    rows = records.map((fields, i) => ({ line: i + 2, fields }));
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new KeywardError('validation_failed', 'the directory JSON does not parse', { field: 'directory' });
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { Resources?: unknown }).Resources;
    if (!Array.isArray(list)) throw new KeywardError('validation_failed', 'the directory JSON must be an array of people or a SCIM ListResponse with Resources', { field: 'directory' });
    rows = list.map((fields: unknown, i) => ({ line: i + 1, fields: normaliseJson(fields) }));
  }
  if (rows.length > MAX_DIRECTORY) throw new KeywardError('validation_failed', `a directory may hold at most ${MAX_DIRECTORY} people`, { field: 'directory' });
  const seen = new Set<string>();
  return rows.map(({ line, fields }) => {
    const get = (field: keyof DirectoryPerson): string | null => {
      for (const [k, v] of Object.entries(fields)) {
        if (FIELD_NAMES[k.toLowerCase().replace(/[\s_-]+/g, '')] !== field) continue;
        const text = typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
        if (text !== '') return text;
      }
      return null;
    };
    const where = format === 'csv' ? `line ${line}` : `entry ${line}`;
    const email = get('email')?.toLowerCase() ?? null;
    const id = get('id') ?? email;
    if (!id || id.length > 128) throw new KeywardError('validation_failed', `directory ${where}: a person needs an id or an email`, { field: 'directory', line });
    if (seen.has(id)) throw new KeywardError('validation_failed', `directory ${where}: id "${id.slice(0, 64)}" appears twice`, { field: 'directory', line });
    seen.add(id);
    const status = get('status');
    return { id, email, name: get('name'), team: get('team'), status: status !== null && DEPARTED.has(status.toLowerCase()) ? 'departed' : 'active', manager: get('manager') };
  });
}

/** SCIM users: emails[{value, primary}], name{formatted}, active: boolean, enterprise extension for department/manager. */
function normaliseJson(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...v };
  if (Array.isArray(v['emails'])) {
    const emails = v['emails'] as { value?: string; primary?: boolean }[];
    out['emails'] = (emails.find((e) => e.primary) ?? emails[0])?.value ?? null;
  }
  if (typeof v['name'] === 'object' && v['name'] !== null) out['name'] = (v['name'] as { formatted?: string }).formatted ?? null;
  if (typeof v['active'] === 'boolean') out['active'] = v['active'] ? 'active' : 'departed';
  const enterprise = v['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as { department?: string; manager?: { value?: string } } | undefined;
  if (enterprise) {
    if (enterprise.department && out['department'] === undefined) out['department'] = enterprise.department;
    if (enterprise.manager?.value && out['manager'] === undefined) out['manager'] = enterprise.manager.value;
  }
  return out;
}
