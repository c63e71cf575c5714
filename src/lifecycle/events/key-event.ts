import type { AuditDetailValue, AuditOutcome, AuditRecord } from '../../storage/records.ts';

/** Every event type Keyward publishes, in the order docs/events.md lists them. */
export const EVENT_TYPES = [
  'key.created',
  'key.rotated',
  'key.state-changed',
  'key.updated',
  'key.deletion-scheduled',
  'key.deletion-cancelled',
  'key.destroyed',
  'policy.violation',
  'breakglass.used',
  'approval.requested',
  'approval.approved',
  'approval.denied',
  'approval.cancelled',
  'approval.expired',
  'approval.executed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The type of the test event `webhook test` sends; never derived from the audit log. */
export const PING_EVENT_TYPE = 'webhook.ping';

/**
 * One published event. It is derived from exactly one committed audit entry, so an event exists
 * if and only if its entry does, and `seq` (the entry's sequence number) orders events totally and
 * makes resumption exact: "everything after seq N".
 */
export interface KeyEvent {
  /** `evt_<seq>`: stable, so a receiver can recognise a redelivery. */
  readonly id: string;
  readonly type: EventType;
  readonly time: string;
  readonly seq: number;
  /** The audited action (`key.suspend`, `approval.approve`…), finer than the type. */
  readonly action: string;
  readonly outcome: AuditOutcome;
  readonly keyId: string | null;
  readonly keyName: string | null;
  readonly version: number | null;
  readonly actor: string;
  /** The non-secret details of the entry that subscribers need (EVENT_DETAIL_FIELDS). */
  readonly details: Readonly<Record<string, AuditDetailValue>>;
}

/** What `webhook test` sends: the shape of an event without a sequence number. */
export interface PingEvent {
  readonly id: string;
  readonly type: typeof PING_EVENT_TYPE;
  readonly time: string;
  readonly seq: null;
  readonly webhookId: string;
}

export type WebhookEvent = KeyEvent | PingEvent;

/**
 * The audit details an event carries. Audit entries hold no secrets, but some hold keyed HMACs of
 * plaintext and free text meant for auditors; events go to third-party endpoints, so they carry
 * only the fields named here.
 */
export const EVENT_DETAIL_FIELDS: readonly string[] = [
  // key.created: what was created
  'spec',
  'usage',
  'state',
  'owner',
  'environment',
  'tier',
  // key.rotated
  'previousVersion',
  // key.state-changed, key.set-min-decryption-version: from → to, and why
  'from',
  'to',
  'reason',
  'compromised',
  // key.updated
  'changed',
  // deletion scheduling and destruction
  'deletionId',
  'waitingPeriodDays',
  'deleteAfter',
  'retainedUntil',
  'authorisedBy',
  'requestedBy',
  'trigger',
  // approvals and break-glass
  'approvalId',
  'breakGlassId',
  'requestedAction',
  'approvers',
  'approvals',
  'quorum',
  'quorumReached',
  'approverRole',
  'status',
  'outcome',
  'justification',
  // policy violations
  'policy',
  'rule',
  'rules',
  'violations',
];
const DETAIL_FIELDS: ReadonlySet<string> = new Set(EVENT_DETAIL_FIELDS);

/** The error code an operation refused by a compliance policy is audited with. */
export const POLICY_VIOLATION_CODE = 'policy_violation';

const KEY_ACTIONS: Readonly<Record<string, EventType>> = {
  'key.create': 'key.created',
  'key.import': 'key.created',
  'key.rotate': 'key.rotated',
  'key.activate': 'key.state-changed',
  'key.suspend': 'key.state-changed',
  'key.resume': 'key.state-changed',
  'key.deactivate': 'key.state-changed',
  'key.compromise': 'key.state-changed',
  'key.update': 'key.updated',
  'key.set-min-decryption-version': 'key.updated',
  'key.schedule-deletion': 'key.deletion-scheduled',
  'key.cancel-deletion': 'key.deletion-cancelled',
  'key.destroy': 'key.destroyed',
};

/** approval.<verb>: the verbs (by the last segment of the action) that are events. */
const APPROVAL_VERBS: Readonly<Record<string, EventType>> = {
  request: 'approval.requested',
  create: 'approval.requested',
  submit: 'approval.requested',
  approve: 'approval.approved',
  deny: 'approval.denied',
  reject: 'approval.denied',
  cancel: 'approval.cancelled',
  withdraw: 'approval.cancelled',
  expire: 'approval.expired',
  execute: 'approval.executed',
  // The request ran (details.status `executed`) or was tried and failed (`failed`).
  complete: 'approval.executed',
};

const BREAK_GLASS_VERBS: ReadonlySet<string> = new Set(['use', 'activate', 'invoke', 'open']);

/**
 * The event type of an audit entry, or null when the entry is not an event. Only successful
 * entries are events, except refusals by a compliance policy (`policy.violation`, whatever the
 * action).
 */
export function eventTypeOf(entry: Pick<AuditRecord, 'action' | 'outcome' | 'errorCode'>): EventType | null {
  if (entry.errorCode === POLICY_VIOLATION_CODE) return 'policy.violation';
  if (entry.outcome !== 'success') return null;
  const keyType = KEY_ACTIONS[entry.action];
  if (keyType) return keyType;
  const dot = entry.action.indexOf('.');
  if (dot === -1) return null;
  const domain = entry.action.slice(0, dot);
  const verb = entry.action.slice(entry.action.lastIndexOf('.') + 1);
  if (domain === 'approval' || domain === 'approvals') return APPROVAL_VERBS[verb] ?? null;
  if ((domain === 'breakglass' || domain === 'break-glass') && BREAK_GLASS_VERBS.has(verb)) return 'breakglass.used';
  return null;
}

/** The event an audit entry stands for, or null when it is not one. */
export function eventFromAudit(entry: AuditRecord): KeyEvent | null {
  const type = eventTypeOf(entry);
  if (type === null) return null;
  const details: Record<string, AuditDetailValue> = {};
  for (const [name, value] of Object.entries(entry.details)) if (DETAIL_FIELDS.has(name)) details[name] = value;
  const keyName = entry.details['keyName'];
  return {
    id: eventId(entry.seq),
    type,
    time: entry.time,
    seq: entry.seq,
    action: entry.action,
    outcome: entry.outcome,
    keyId: entry.keyId,
    keyName: typeof keyName === 'string' ? keyName : null,
    version: entry.keyVersion,
    actor: entry.actor,
    details,
  };
}

export function eventId(seq: number): string {
  return `evt_${seq}`;
}
