import { KeywardError } from '../core/errors.ts';
import { globMatch } from './grants.ts';

/** A role: a named set of action globs. Built-in roles cannot be changed; custom ones can. */
export interface RoleDefinition {
  readonly name: string;
  readonly description: string;
  readonly actions: readonly string[];
  readonly builtin: boolean;
}

/** Key administration: create, import, rotate, change state, metadata and lifecycle (incl. rewrap jobs). No key use. */
const KEY_ADMIN: readonly string[] = ['key.*', 'inventory.list', 'inventory.read', 'policy.read', 'policy.evaluate', 'policy.history', 'approval.request', 'approval.read', 'approval.list'];
/** Cryptographic use of the keys granted (including rewrapping ciphertexts), and reading their metadata. */
const KEY_USER: readonly string[] = ['crypto.*', 'key.describe', 'key.list', 'key.get-public-key', 'key.rewrap', 'key.rewrap-start', 'key.rewrap-describe', 'approval.read'];
/** Governance: identities, roles and bindings, approvals, break-glass, policy, access review; read-only on keys and the log; may seal in an emergency. */
const SECURITY_OFFICER: readonly string[] = [
  'identity.*',
  'group.*',
  'role.*',
  'binding.*',
  'approval.*',
  'breakglass.*',
  'review.*',
  'governance.*',
  'policy.*',
  'audit.*',
  'inventory.*',
  'webhook.*',
  'events.subscribe',
  'key.describe',
  'key.list',
  'key.get-public-key',
  'key.rotation-impact',
  'key.list-deletions',
  'token.lookup',
  'token.list',
  'token.revoke',
  'backup.list',
  'dr.list',
  'sys.seal',
];
/** Reading the audit log, the inventory, policies, governance records and reports; running audits. No key use, no changes. */
const AUDITOR: readonly string[] = [
  'audit.query',
  'audit.verify',
  'audit.export',
  'audit.hash-value',
  'audit.run',
  'audit.get-run',
  'audit.list-runs',
  'key.describe',
  'key.list',
  'key.get-public-key',
  'key.rotation-impact',
  'key.list-deletions',
  'inventory.list',
  'inventory.read',
  'policy.read',
  'policy.evaluate',
  'policy.history',
  'identity.read',
  'identity.list',
  'group.list',
  'role.list',
  'binding.list',
  'approval.read',
  'approval.list',
  'breakglass.read',
  'breakglass.list',
  'review.read',
  'review.list',
  'governance.read-settings',
  'events.subscribe',
  'webhook.list',
  'webhook.describe',
  'webhook.deliveries',
  'backup.list',
  'dr.list',
];

export const BUILTIN_ROLES: readonly RoleDefinition[] = [
  { name: 'key-admin', description: 'Creates, rotates and retires keys and edits their metadata; cannot use them.', actions: KEY_ADMIN, builtin: true },
  { name: 'key-user', description: 'Uses the keys it is granted for cryptographic operations.', actions: KEY_USER, builtin: true },
  { name: 'security-officer', description: 'Governs: identities, bindings, approvals, break-glass, policy and access review; reads keys and the audit log.', actions: SECURITY_OFFICER, builtin: true },
  { name: 'auditor', description: 'Reads the audit log, inventory, policies, governance records and reports; no key use and no changes.', actions: AUDITOR, builtin: true },
];

export const BUILTIN_ROLE_NAMES: ReadonlySet<string> = new Set(BUILTIN_ROLES.map((r) => r.name));

/** Whether any of a role's action globs grants `action`. */
export function roleAllows(actions: readonly string[], action: string): boolean {
  return actions.some((glob) => globMatch(glob, action));
}

/** Roles that administer keys (`key.*` mutations) versus roles that use them (`crypto.*`), for separation of duties. */
export function administersKeys(actions: readonly string[]): boolean {
  return ['key.create', 'key.rotate', 'key.update', 'key.destroy', 'key.suspend'].some((a) => roleAllows(actions, a));
}

export function usesKeys(actions: readonly string[]): boolean {
  return ['crypto.encrypt', 'crypto.decrypt', 'crypto.sign', 'crypto.mac', 'crypto.generate-data-key'].some((a) => roleAllows(actions, a));
}

const ROLE_NAME = /^[a-z][a-z0-9-]{1,62}$/;
const ACTION_GLOB = /^[a-z*][a-z0-9*.-]{0,63}$/;

/** Validates a custom role. */
export function checkRole(input: { name: unknown; description?: unknown; actions: unknown }): RoleDefinition {
  if (typeof input.name !== 'string' || !ROLE_NAME.test(input.name)) {
    throw new KeywardError('validation_failed', 'a role name is 2–63 lower-case letters, digits and dashes, starting with a letter', { field: 'name' });
  }
  if (BUILTIN_ROLE_NAMES.has(input.name)) throw new KeywardError('conflict', `"${input.name}" is a built-in role and cannot be redefined`);
  if (!Array.isArray(input.actions) || input.actions.length === 0 || input.actions.length > 64) {
    throw new KeywardError('validation_failed', 'actions must be a list of 1–64 action globs', { field: 'actions' });
  }
  for (const a of input.actions) {
    if (typeof a !== 'string' || !ACTION_GLOB.test(a)) {
      throw new KeywardError('validation_failed', `"${String(a).slice(0, 80)}" is not an action glob (e.g. "crypto.*", "key.describe")`, { field: 'actions' });
    }
  }
  if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 512)) {
    throw new KeywardError('validation_failed', 'description must be text of at most 512 characters', { field: 'description' });
  }
  return { name: input.name, description: (input.description) ?? '', actions: [...new Set(input.actions as string[])], builtin: false };
}
