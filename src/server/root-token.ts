import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KeywardError } from '../core/errors.ts';
import type { Principal } from '../auth/principal.ts';
import { stageRootTokenHash } from './root-token-file.ts';

export const ROOT_TOKEN_PREFIX = 'kwr_';
const ACCESSOR_DOMAIN = 'keyward/accessor/v1';
const HASH_BYTES = 32;
const NO_TOKEN = Buffer.alloc(HASH_BYTES);

export interface IssuedRootToken {
  /** Shown once to whoever initialised Keyward; never stored or logged. */
  readonly token: string;
  /** SHA-256 of the token: the only thing the server keeps. */
  readonly hash: Buffer;
}

/** A new root token: `kwr_` + 32 random bytes in base64url. */
export function issueRootToken(): IssuedRootToken {
  const random = randomBytes(32);
  const token = `${ROOT_TOKEN_PREFIX}${random.toString('base64url')}`;
  random.fill(0);
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The public name of a token in audit entries: it identifies the token without revealing it. */
export function tokenAccessor(token: string): string {
  return createHash('sha256').update(ACCESSOR_DOMAIN).update(token, 'utf8').digest('hex').slice(0, 12);
}

export function rootPrincipal(token: string): Principal {
  return { type: 'root', actor: `root:${tokenAccessor(token)}`, permissions: ['*'] };
}

/** Who calls the unauthenticated routes (init, unseal): only what those routes need. */
export function anonymousPrincipal(ip: string): Principal {
  return { type: 'system', actor: `anonymous:${ip}`, permissions: ['sys.init', 'sys.unseal', 'sys.unseal-reset'] };
}

export interface RootTokensOptions {
  /** SHA-256 of the current root token, if there is one. */
  readonly hash: Buffer | null;
  /** Where a newly issued token's hash is persisted; null keeps it in memory only. */
  readonly file: string | null;
}

/**
 * The root token, as its hash. Temporary until token storage lands: the hash lives in memory and
 * in `root-token.json` next to the database, not in the Store.
 */
export class RootTokens {
  #hash: Buffer | null;
  readonly #file: string | null;
  #issuing: Promise<unknown> = Promise.resolve();

  constructor(options: RootTokensOptions) {
    if (options.hash && options.hash.length !== HASH_BYTES) throw new Error(`a root token hash is ${HASH_BYTES} bytes`);
    this.#hash = options.hash ? Buffer.from(options.hash) : null;
    this.#file = options.file;
  }

  /** The principal a presented token stands for; `unauthenticated` if it is missing or wrong. */
  authenticate(presented: string | null): Principal {
    if (presented === null) {
      throw new KeywardError('unauthenticated', 'a token is required: send "Authorization: Bearer <token>" or "X-Keyward-Token: <token>"');
    }
    // Compare even when no token is configured yet, so the answer takes the same time either way.
    const stored = this.#hash;
    const equal = timingSafeEqual(hashToken(presented), stored ?? NO_TOKEN);
    if (!equal || stored === null) throw new KeywardError('unauthenticated', 'the token is not valid');
    return rootPrincipal(presented);
  }

  /**
   * Runs `init` (the engine's initialisation) and, if it succeeds, makes a new root token the
   * current one. The hash is written to a staged file first and moved into place only after init
   * succeeded, so a refused init (already initialised) can never replace the existing token.
   * Calls are serialised.
   */
  issueWith<T>(init: () => Promise<T>): Promise<{ result: T; rootToken: string }> {
    const run = this.#issuing.then(async () => {
      const issued = issueRootToken();
      const staged = this.#file ? await stageRootTokenHash(this.#file, issued.hash) : null;
      try {
        const result = await init();
        // A rename in the directory the staged file was just written to; should it still fail, the
        // caller gets an error and the instance must be re-created (no re-issue path exists yet).
        await staged?.commit();
        this.#hash = issued.hash;
        return { result, rootToken: issued.token };
      } finally {
        await staged?.discard();
      }
    });
    this.#issuing = run.catch(() => undefined);
    return run;
  }
}
