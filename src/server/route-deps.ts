import type { Engine } from '../engine.ts';
import type { RootTokens } from './root-token.ts';

/** The part of the engine the HTTP API calls. */
export type ServerEngine = Pick<Engine, 'sys' | 'keys' | 'crypto' | 'audit'>;

/** What route groups are built from; wired once in buildServer. */
export interface RouteDeps {
  readonly engine: ServerEngine;
  readonly tokens: RootTokens;
}
