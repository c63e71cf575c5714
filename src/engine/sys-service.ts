import { KeywardError } from '../core/errors.ts';
import type { CallContext } from '../auth/principal.ts';
import { issueRootToken } from '../auth/tokens.ts';
import { Seal, type SealStatus } from '../seal/seal.ts';
import type { EngineContext } from './engine-context.ts';

export interface InitResult {
  /** Unseal shares (base64), shown once. */
  readonly shares: string[];
  readonly threshold: number;
  /** The root token (every permission, no expiry), shown once; only its hash is stored. */
  readonly rootToken: string;
}

/** Initialisation and the seal: init, unseal (share by share), reset, seal, status. */
export class SysService {
  readonly #c: EngineContext;

  constructor(c: EngineContext) {
    this.#c = c;
  }

  status(): SealStatus {
    return this.#c.seal.status();
  }

  /** Creates the root key and the unseal shares. The node stays sealed until unsealed. */
  async init(ctx: CallContext, options: { shares?: number; threshold?: number } = {}): Promise<InitResult> {
    return this.#c.runner.run(ctx, 'sys.init', async (op) => {
      op.authorize();
      if (this.#c.seal.status().initialized) throw new KeywardError('already_initialized', 'Keyward is already initialised');
      const now = this.#c.clock.now();
      const plan = await Seal.plan({ ...options, now });
      const root = issueRootToken(now);
      op.details['shares'] = plan.record.shares;
      op.details['threshold'] = plan.record.threshold;
      op.details['rootTokenAccessor'] = root.record.accessor;
      op.mutation = async (tx) => {
        await tx.putSeal(plan.record);
        await tx.insertToken(root.record);
      };
      return { plan, rootToken: root.token };
    }).then(({ plan, rootToken }) => {
      this.#c.seal.initialized(plan.record);
      return { shares: plan.shares, threshold: plan.record.threshold, rootToken };
    });
  }

  /** Accepts one unseal share; returns progress. */
  async unseal(ctx: CallContext, share: string): Promise<SealStatus> {
    return this.#c.runner.run(ctx, 'sys.unseal', async (op) => {
      op.authorize();
      const wasSealed = this.#c.seal.status().sealed;
      const status = await this.#c.seal.submitShare(share);
      op.details['progress'] = status.progress;
      op.details['sealed'] = status.sealed;
      if (wasSealed && !status.sealed) this.#c.onSealChange(false);
      return status;
    });
  }

  async resetUnseal(ctx: CallContext): Promise<SealStatus> {
    return this.#c.runner.run(ctx, 'sys.unseal-reset', async (op) => {
      op.authorize();
      this.#c.seal.resetProgress();
      return this.#c.seal.status();
    });
  }

  /** Drops the root key and every unwrapped key from memory. */
  async seal(ctx: CallContext): Promise<SealStatus> {
    return this.#c.runner.run(ctx, 'sys.seal', async (op) => {
      op.authorize();
      await this.#c.audit.flush();
      this.#c.seal.seal();
      this.#c.onSealChange(true);
      return this.#c.seal.status();
    });
  }
}
