import type { Grant } from './grants.ts';

/** Who is asking. The audit log names principals by `actor`, never by a secret. */
export interface Principal {
  readonly type: 'root' | 'token' | 'system' | 'identity';
  /**
   * Audit name: `root:<accessor>`, `token:<accessor>`, `system:<component>`, and for identities
   * `user:<name>` or `sa:<name>`.
   */
  readonly actor: string;
  /**
   * Permission patterns of root, service-token and system principals: `<action-glob>` or
   * `<action-glob>@<key-name-glob>`, e.g. `*`, `crypto.*@billing-*`, `keys.read`. Root holds `*`.
   * Identities hold none here: their permissions come from `grants`.
   */
  readonly permissions: readonly string[];
  /** The accessor of the token that authenticated this principal (root, token and identity principals). */
  readonly accessor?: string;
  /** The identity behind an `identity` principal. */
  readonly identity?: IdentityFacts;
  /** The role bindings that apply to an `identity` principal, resolved when it authenticated. */
  readonly grants?: readonly Grant[];
}

/** What authorization and separation of duties need to know about an identity. */
export interface IdentityFacts {
  readonly id: string;
  readonly name: string;
  readonly kind: 'user' | 'service';
  readonly team: string | null;
  /** The environment an identity belongs to (`dev`, `prod`…); null for people who span them. */
  readonly environment: string | null;
  readonly attributes: Readonly<Record<string, string>>;
  /** Group ids it belongs to. */
  readonly groups: readonly string[];
  /** Whether the login behind this token passed a second factor. */
  readonly mfa: boolean;
}

/** Per-call facts that go into the audit entry. */
export interface CallContext {
  readonly principal: Principal;
  readonly requestId?: string;
  readonly correlationId?: string;
  /** Where the call came from: client IP, `cli`, `scheduler`… */
  readonly source?: string;
  /** Set when the call executes an approved request: the request's id and who approved it. */
  readonly approval?: { readonly id: string; readonly action: string; readonly approvers: readonly string[] };
  /** Set when the call is a break-glass use: the break-glass record's id and the justification. */
  readonly breakGlass?: { readonly id: string; readonly action: string };
}

export function systemPrincipal(component: string): Principal {
  return { type: 'system', actor: `system:${component}`, permissions: ['*'] };
}
