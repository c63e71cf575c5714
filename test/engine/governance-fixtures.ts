/**
 * Helpers for governance tests: people and service accounts made by root, bound to roles, and
 * logged in, so each test reads as "alice (key-admin on prod) tries X".
 */
import type { Engine } from '../../src/engine.ts';
import type { CallContext } from '../../src/auth/principal.ts';
import { totpCode } from '../../src/auth/totp.ts';
import { root } from './helpers.ts';

export const PASSWORD = 'correct horse battery staple';

export interface Person {
  readonly name: string;
  readonly ctx: CallContext;
  readonly token: string;
}

let counter = 0;

/** A unique name per call, so tests in one engine do not collide. */
export function uniqueName(base: string): string {
  return `${base}-${++counter}`;
}

/** Creates a user bound to `roles` (role, scope pairs) and logs them in. */
export async function person(engine: Engine, name: string, roles: readonly [string, string][], options: { environment?: string; team?: string; email?: string; directoryId?: string } = {}): Promise<Person> {
  await engine.governance.identities.createUser(root, { name, password: PASSWORD, ...options });
  for (const [role, scope] of roles) await engine.governance.access.createBinding(root, { role, subject: `user:${name}`, scope });
  return login(engine, name);
}

export async function login(engine: Engine, name: string, totp?: string): Promise<Person> {
  const { token } = await engine.governance.identities.login({ source: '127.0.0.1' }, { username: name, password: PASSWORD, ...(totp ? { totp } : {}) });
  return { name, token, ctx: await contextOf(engine, token) };
}

export async function contextOf(engine: Engine, token: string): Promise<CallContext> {
  return { principal: await engine.tokens.authenticate(token, { source: '127.0.0.1' }), source: '127.0.0.1' };
}

/** Enrols TOTP for a logged-in person and returns the secret. */
export async function enrolTotp(engine: Engine, who: Person, now: Date): Promise<string> {
  const { secret } = await engine.governance.identities.enrollTotp(who.ctx);
  await engine.governance.identities.confirmTotp(who.ctx, totpCode(secret, now));
  return secret;
}
