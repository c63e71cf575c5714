import type { Engine } from '../engine.ts';

/** The part of the engine the HTTP API calls. */
export type ServerEngine = Pick<Engine, 'sys' | 'keys' | 'crypto' | 'audit' | 'tokens' | 'isSchedulerLeader' | 'governance' | 'scans' | 'policy' | 'backups' | 'events' | 'assess' | 'lifecycle' | 'inventory'>;

/** What route groups are built from; wired once in buildServer. */
export interface RouteDeps {
  readonly engine: ServerEngine;
}
