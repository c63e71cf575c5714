import { timingSafeEqual } from 'node:crypto';
import { KeywardError } from '../core/errors.ts';
import type { CallContext, Principal } from '../auth/principal.ts';
import {
  checkPermissions,
  hashToken,
  issueToken,
  looksLikeToken,
  permissionCovered,
  renewedExpiry,
  resolveTtl,
  tokenAccessor,
  tokenPrincipal,
  tokenRefusal,
  type TokenTtlPolicy,
} from '../auth/tokens.ts';
import type { TokenRecord } from '../storage/records.ts';
import type { EngineContext } from './engine-context.ts';
import type { Operation } from './operation.ts';

/** What callers see of a token: everything but its hash (and the token text, which is never kept). */
export type TokenInfo = Omit<TokenRecord, 'hash'>;

export interface CreateTokenInput {
  readonly permissions: readonly string[];
  readonly ttlSeconds?: number;
  readonly renewable?: boolean;
  readonly description?: string;
}

/** What the audit entry of a refused authentication records about the request. */
export interface AuthenticationRequest {
  readonly source: string;
  readonly requestId?: string;
  readonly correlationId?: string;
}

export const MAX_TOKEN_PAGE = 1000;
/** Bounds the token cache; a busy server sees far fewer live tokens than this. */
const TOKEN_CACHE_MAX = 10_000;

/**
 * API tokens: authenticate a presented token, create tokens with a subset of the creator's
 * permissions and a bounded TTL, look up, renew, revoke. Tokens are stored only as SHA-256 hashes
 * and named by accessor. Authentication failures are audited (`auth.authenticate`, denied).
 */
export class TokenService {
  readonly #c: EngineContext;
  readonly #ttl: TokenTtlPolicy;
  readonly #cacheTtlMs: number;
  /** accessor → record and when it was read: a revocation on another node is seen within cacheTtlMs. */
  readonly #cache = new Map<string, { token: TokenRecord; readAt: number }>();
  /** Turns an identity token into its principal (null: the identity is gone or not active). */
  #identityPrincipal: ((token: TokenRecord) => Promise<Principal | null>) | null = null;
  #identityMaxSeconds = 12 * 3600;

  constructor(c: EngineContext, options: { ttl: TokenTtlPolicy; cacheTtlMs: number }) {
    if (options.ttl.defaultSeconds > options.ttl.maxSeconds) throw new Error('the default token TTL must not exceed the maximum');
    this.#c = c;
    this.#ttl = options.ttl;
    this.#cacheTtlMs = options.cacheTtlMs;
  }

  /** Installed by governance: how identity tokens become principals (their grants, their status). */
  setIdentityResolver(resolve: (token: TokenRecord) => Promise<Principal | null>): void {
    this.#identityPrincipal = resolve;
  }

  /** The longest an identity (login) token may live from its login, across renewals. */
  setIdentityMaxTtl(seconds: number): void {
    this.#identityMaxSeconds = seconds;
  }

  /** Drops tokens from this node's cache (after they were revoked in bulk). */
  evict(accessors: readonly string[]): void {
    for (const a of accessors) this.#cache.delete(a);
  }

  get ttlPolicy(): TokenTtlPolicy {
    return this.#ttl;
  }

  /**
   * The principal a presented token stands for. A missing, malformed, unknown, expired or revoked
   * token is refused with `unauthenticated` after an audit entry that says why (by accessor, never
   * the token).
   */
  async authenticate(presented: string | null, request: AuthenticationRequest): Promise<Principal> {
    if (presented === null) {
      await this.#refuse(request, null, 'missing');
      throw new KeywardError('unauthenticated', 'a token is required: send "Authorization: Bearer <token>" or "X-Keyward-Token: <token>"');
    }
    // Selector/verifier: the accessor (a separate hash of the token) finds the record, then the
    // stored SHA-256 is compared in constant time, so lookup timing says nothing about the verifier.
    const accessor = looksLikeToken(presented) ? tokenAccessor(presented) : null;
    const found = accessor ? await this.#lookup(accessor) : null;
    const token = found && timingSafeEqual(found.hash, hashToken(presented)) ? found : null;
    const refusal = tokenRefusal(token, this.#c.clock.now());
    if (token === null || refusal !== null) {
      // A token of the right shape is named by its accessor, so a revoked or expired one can be traced.
      await this.#refuse(request, accessor, refusal ?? 'unknown');
      throw new KeywardError('unauthenticated', refusal === 'expired' ? 'the token has expired' : refusal === 'revoked' ? 'the token has been revoked' : 'the token is not valid');
    }
    if (token.type === 'identity') {
      const principal = token.identityId !== null && this.#identityPrincipal ? await this.#identityPrincipal(token) : null;
      if (!principal) {
        await this.#refuse(request, accessor, 'identity-inactive');
        throw new KeywardError('unauthenticated', 'the identity behind this token is suspended, departed or gone');
      }
      return principal;
    }
    return tokenPrincipal(token);
  }

  /** Creates a service token. Its permissions must be covered by the caller's own. */
  async create(ctx: CallContext, input: CreateTokenInput): Promise<{ token: string; info: TokenInfo }> {
    return this.#c.runner.run(ctx, 'token.create', async (op) => {
      op.authorize();
      const permissions = checkPermissions(input.permissions);
      const excess = permissions.filter((p) => !permissionCovered(ctx.principal.permissions, p));
      if (excess.length > 0) {
        throw new KeywardError('permission_denied', `a token cannot grant more than its creator holds: ${excess.slice(0, 5).join(', ')}`);
      }
      if (input.description !== undefined && input.description.length > 256) {
        throw new KeywardError('validation_failed', 'description may be at most 256 characters', { field: 'description' });
      }
      const ttlSeconds = resolveTtl(this.#ttl, input.ttlSeconds);
      const now = this.#c.clock.now();
      const issued = issueToken('service');
      const record: TokenRecord = {
        accessor: issued.accessor,
        hash: issued.hash,
        type: 'service',
        permissions,
        description: input.description ?? null,
        createdAt: now.toISOString(),
        createdBy: ctx.principal.actor,
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
        renewable: input.renewable ?? false,
        ttlSeconds,
        revokedAt: null,
        identityId: null,
        mfa: false,
      };
      describeToken(op, record);
      op.details['ttlSeconds'] = ttlSeconds;
      op.details['renewable'] = record.renewable;
      op.mutation = (tx) => tx.insertToken(record);
      return { token: issued.token, info: tokenInfo(record) };
    });
  }

  lookupSelf(ctx: CallContext): Promise<TokenInfo> {
    return this.#c.runner.run(ctx, 'token.lookup-self', async (op) => {
      op.authorize();
      const token = await this.#byAccessor(selfAccessor(ctx));
      describeToken(op, token);
      return tokenInfo(token);
    });
  }

  lookup(ctx: CallContext, accessor: string): Promise<TokenInfo> {
    return this.#c.runner.run(ctx, 'token.lookup', async (op) => {
      op.authorize();
      const token = await this.#byAccessor(accessor);
      describeToken(op, token);
      return tokenInfo(token);
    });
  }

  list(ctx: CallContext, filter: { after?: string; limit?: number } = {}): Promise<{ tokens: TokenInfo[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'token.list', async (op) => {
      op.authorize();
      const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_TOKEN_PAGE);
      const rows = await this.#c.store.listTokens({ ...(filter.after !== undefined ? { after: filter.after } : {}), limit: limit + 1 });
      const page = rows.slice(0, limit);
      op.details['returned'] = page.length;
      const last = page[page.length - 1];
      return { tokens: page.map(tokenInfo), next: rows.length > limit && last ? last.accessor : null };
    });
  }

  revoke(ctx: CallContext, accessor: string): Promise<TokenInfo> {
    return this.#c.runner.run(ctx, 'token.revoke', (op) => this.#revoke(op, accessor));
  }

  revokeSelf(ctx: CallContext): Promise<TokenInfo> {
    return this.#c.runner.run(ctx, 'token.revoke-self', (op) => this.#revoke(op, selfAccessor(ctx)));
  }

  /** Extends the caller's own token by `ttlSeconds` (default: its original TTL), never past created + max TTL. */
  renewSelf(ctx: CallContext, ttlSeconds?: number): Promise<TokenInfo> {
    return this.#c.runner.run(ctx, 'token.renew-self', async (op) => {
      op.authorize();
      const token = await this.#byAccessor(selfAccessor(ctx));
      describeToken(op, token);
      if (!token.renewable || token.expiresAt === null) {
        throw new KeywardError('token_not_renewable', token.expiresAt === null ? 'this token does not expire' : 'this token was created without renewable: true');
      }
      // Login tokens stay short-lived: renewal never takes them past the login maximum.
      const policy = token.type === 'identity' ? { ...this.#ttl, maxSeconds: Math.min(this.#ttl.maxSeconds, this.#identityMaxSeconds) } : this.#ttl;
      const expiresAt = renewedExpiry(token, policy, this.#c.clock.now(), ttlSeconds === undefined ? undefined : Math.min(ttlSeconds, policy.maxSeconds));
      op.details['expiresAt'] = expiresAt;
      op.mutation = async (tx) => {
        await tx.updateToken(token.accessor, { expiresAt });
        this.#forget(token);
      };
      return tokenInfo({ ...token, expiresAt });
    });
  }

  async #revoke(op: Operation, accessor: string): Promise<TokenInfo> {
    op.authorize();
    const token = await this.#byAccessor(accessor);
    describeToken(op, token);
    if (token.revokedAt !== null) return tokenInfo(token);
    const revokedAt = this.#c.clock.now().toISOString();
    op.mutation = async (tx) => {
      await tx.updateToken(token.accessor, { revokedAt });
      this.#forget(token);
    };
    return tokenInfo({ ...token, revokedAt });
  }

  async #byAccessor(accessor: string): Promise<TokenRecord> {
    const token = await this.#c.store.getToken(accessor);
    if (!token) throw new KeywardError('token_not_found', 'no token with that accessor', { accessor: accessor.slice(0, 64) });
    return token;
  }

  async #lookup(accessor: string): Promise<TokenRecord | null> {
    const key = accessor;
    const cached = this.#cache.get(key);
    const now = performance.now();
    if (cached && now - cached.readAt < this.#cacheTtlMs) return cached.token;
    const token = await this.#c.store.getToken(accessor);
    if (token) {
      if (this.#cache.size >= TOKEN_CACHE_MAX) this.#cache.clear();
      this.#cache.set(key, { token, readAt: now });
    } else {
      this.#cache.delete(key);
    }
    return token;
  }

  #forget(token: TokenRecord): void {
    this.#cache.delete(token.accessor);
  }

  async #refuse(request: AuthenticationRequest, accessor: string | null, reason: string): Promise<void> {
    await this.#c.audit.record({
      time: this.#c.clock.now().toISOString(),
      actor: accessor ? `token:${accessor}` : `anonymous:${request.source}`,
      action: 'auth.authenticate',
      keyId: null,
      keyVersion: null,
      outcome: 'denied',
      errorCode: 'unauthenticated',
      requestId: request.requestId ?? null,
      correlationId: request.correlationId ?? null,
      source: request.source,
      details: { reason },
    });
  }
}

function selfAccessor(ctx: CallContext): string {
  const accessor = ctx.principal.accessor;
  if (accessor === undefined) throw new KeywardError('permission_denied', `${ctx.principal.actor} is not authenticated by a token`);
  return accessor;
}

function describeToken(op: Operation, token: TokenRecord): void {
  op.details['accessor'] = token.accessor;
  op.details['tokenType'] = token.type;
  op.details['permissions'] = [...token.permissions];
}

export function tokenInfo(t: TokenRecord): TokenInfo {
  const { hash: _hash, ...info } = t;
  return info;
}
