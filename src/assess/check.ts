import type { AssessmentInput } from './input.ts';
import type { CheckInfo, EvidenceRef, Severity } from './model.ts';

/**
 * One audit check: its catalogue entry and a pure function of the snapshot. A check never throws
 * for missing data: it answers `notAssessed(reason)`. Adding a check is adding one file in
 * checks/ and listing it in checks/index.ts.
 */
export interface Check {
  readonly info: CheckInfo;
  /** Sections the check cannot run without (it reports `not-assessed` when one is absent). */
  readonly needs: readonly SectionName[];
  /** Sections it reads when present, to see further (never needed for an honest answer). */
  readonly uses: readonly SectionName[];
  run(input: AssessmentInput): CheckOutcome;
}

/** The snapshot with the sections a check needs known to be present. */
export type With<K extends SectionName> = AssessmentInput & { readonly [P in K]-?: Exclude<AssessmentInput[P], undefined> };

/**
 * A check whose `run` is called only when every section in `needs` is present; otherwise it is
 * `not-assessed` with a reason that names what is missing.
 */
export function defineCheck<K extends SectionName>(spec: {
  readonly info: CheckInfo;
  readonly needs: readonly K[];
  readonly uses?: readonly SectionName[];
  readonly run: (input: With<K>) => CheckOutcome;
}): Check {
  return {
    info: spec.info,
    needs: spec.needs,
    uses: spec.uses ?? [],
    run(input) {
      const missing = requireSections(input, spec.needs);
      return missing ?? spec.run(input as With<K>);
    },
  };
}

/** What a check found about one subject; the runner adds check id, title and fingerprint. */
export interface FindingDraft {
  readonly subject: EvidenceRef;
  readonly message: string;
  readonly evidence?: readonly EvidenceRef[];
  /** Overrides the check's default severity for this finding (e.g. by key tier). */
  readonly severity?: Severity;
  /** Told apart from other findings of the check on the same subject (e.g. a version number). */
  readonly discriminator?: string;
}

export type CheckOutcome =
  | { readonly kind: 'assessed'; readonly examined: number; readonly findings: readonly FindingDraft[] }
  | { readonly kind: 'not-assessed'; readonly reason: string };

export function assessed(examined: number, findings: readonly FindingDraft[]): CheckOutcome {
  return { kind: 'assessed', examined, findings };
}

export function notAssessed(reason: string): CheckOutcome {
  return { kind: 'not-assessed', reason };
}

/** Stable across runs for the same problem: check id, subject and discriminator — no time, no count. */
export function fingerprint(checkId: string, draft: Pick<FindingDraft, 'subject' | 'discriminator'>): string {
  return [checkId, draft.subject.kind, draft.subject.id, ...(draft.discriminator !== undefined ? [draft.discriminator] : [])].join(':');
}

/**
 * The named sections, or the reason the check cannot run without them. Lets a check say
 * `const missing = requireSections(input, ['keys', 'usage']); if (missing) return missing;`.
 */
export function requireSections(input: AssessmentInput, sections: readonly SectionName[]): CheckOutcome | null {
  const absent = sections.filter((s) => input[s] === undefined);
  if (absent.length === 0) return null;
  return notAssessed(`no ${absent.map((s) => SECTION_LABELS[s]).join(', ')} in this deployment`);
}

export type SectionName = Exclude<keyof AssessmentInput, 'now' | 'instanceId' | 'thresholds'>;

/** How a missing section is named in a not-assessed reason. */
export const SECTION_LABELS: Readonly<Record<SectionName, string>> = {
  keys: 'key records',
  usage: 'key usage from the audit log',
  auditIntegrity: 'audit chain verification',
  policy: 'key-management policy data',
  tokens: 'token records',
  identities: 'identity records',
  roleBindings: 'role bindings',
  directory: 'people directory',
  accessReview: 'access-review records',
  approvals: 'approval workflow records',
  sensitiveOperations: 'sensitive-operation records',
  breakGlass: 'break-glass records',
  deletions: 'deletion records',
  backups: 'backup records',
  drills: 'disaster-recovery drill records',
  inventory: 'external key inventory (connectors)',
  scans: 'secret-scanner results',
  suppressions: 'finding suppressions',
};

export const keyRef = (k: { id: string; name: string }): EvidenceRef => ({ kind: 'key', id: k.id, label: k.name });
export const seqRef = (seq: number, label?: string): EvidenceRef => ({ kind: 'audit-entry', id: String(seq), ...(label !== undefined ? { label } : {}) });
