/** Who is asking. The audit log names principals by `actor`, never by a secret. */
export interface Principal {
  readonly type: 'root' | 'token' | 'system';
  /** Audit name: `root:<accessor>`, `token:<accessor>`, `system:<component>`. */
  readonly actor: string;
  /**
   * Permission patterns: `<action-glob>` or `<action-glob>@<key-name-glob>`, e.g. `*`,
   * `crypto.*@billing-*`, `keys.read`. Root holds `*`.
   */
  readonly permissions: readonly string[];
  /** The accessor of the token that authenticated this principal (root and token principals). */
  readonly accessor?: string;
}

/** Per-call facts that go into the audit entry. */
export interface CallContext {
  readonly principal: Principal;
  readonly requestId?: string;
  readonly correlationId?: string;
  /** Where the call came from: client IP, `cli`, `scheduler`… */
  readonly source?: string;
}

export function systemPrincipal(component: string): Principal {
  return { type: 'system', actor: `system:${component}`, permissions: ['*'] };
}
