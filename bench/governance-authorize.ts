/**
 * What governance adds to the crypto hot path: in-process encrypt of 100-byte payloads as root
 * (permission patterns) against the same as a logged-in identity whose grant comes from a role
 * binding, with separation of duties on, and with a Cedar condition — all in one run, one engine.
 * Also the bare `authorize` decision (no I/O) for each principal, per second.
 *   npx tsx bench/governance-authorize.ts [seconds-per-case]
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { authorize } from '../src/auth/authorize.ts';
import type { CallContext } from '../src/auth/principal.ts';
import { Engine } from '../src/engine.ts';
import { keyFacts } from '../src/engine/operation.ts';

const seconds = Number(process.argv[2] ?? 3);
const payload = randomBytes(100);
const PASSWORD = 'correct horse battery staple';

async function encryptRate(engine: Engine, ctx: CallContext, key: string, context?: Record<string, string>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await engine.crypto.encrypt(ctx, { key, plaintext: payload, ...(context ? { context } : {}) });
      n++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: 16 }, worker));
  return n / ((performance.now() - started) / 1000);
}

function decisionRate(ctx: CallContext, resource: Parameters<typeof authorize>[2]): number {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) authorize(ctx.principal, 'crypto.encrypt', resource);
    n += 1000;
  }
  return n / seconds;
}

const { engine, dir } = await Engine.openDev();
const root: CallContext = { principal: { type: 'root', actor: 'root:bench', permissions: ['*'] }, source: '127.0.0.1' };
await engine.keys.create(root, { name: 'plain', spec: 'AES_256_GCM', tier: 3 });
await engine.keys.create(root, { name: 'guarded', spec: 'AES_256_GCM', tier: 1, environment: 'prod' });
for (const name of ['app', 'peer']) await engine.governance.identities.createUser(root, { name, password: PASSWORD });
await engine.governance.access.createBinding(root, { role: 'key-user', subject: 'user:peer', scope: 'key:guarded' });
await engine.governance.access.createBinding(root, { role: 'key-user', subject: 'user:app', scope: 'key:plain' });
await engine.governance.access.createBinding(root, {
  role: 'key-user',
  subject: 'user:app',
  scope: 'key:guarded',
  condition: 'context.encryptionContext has tenant && context.encryptionContext.tenant == "acme" && context.sourceIp.isInRange(ip("127.0.0.0/8"))',
});
const { token } = await engine.governance.identities.login({ source: '127.0.0.1' }, { username: 'app', password: PASSWORD });
const app: CallContext = { principal: await engine.tokens.authenticate(token, { source: '127.0.0.1' }), source: '127.0.0.1' };
for (const ctx of [root, app]) await engine.crypto.encrypt(ctx, { key: 'plain', plaintext: payload });
await engine.crypto.encrypt(app, { key: 'guarded', plaintext: payload, context: { tenant: 'acme' } });

const plainKey = keyFacts(await engine.store.getKeyByName('plain').then((k) => k!));
const guardedKey = keyFacts(await engine.store.getKeyByName('guarded').then((k) => k!));
const request = { sourceIp: '127.0.0.1', encryptionContext: { tenant: 'acme' }, now: new Date() };
const dRoot = decisionRate(root, { keyName: 'plain', key: plainKey });
const dBinding = decisionRate(app, { keyName: 'plain', key: plainKey });
const dCedar = decisionRate(app, { keyName: 'guarded', key: guardedKey, request });
console.log(`authorize decisions/s: root ${dRoot.toFixed(0)}, identity binding ${dBinding.toFixed(0)} (${(dBinding / dRoot).toFixed(2)}×), identity + Cedar condition (cached) ${dCedar.toFixed(0)} (${(dCedar / dRoot).toFixed(2)}×)`);

const eRoot = await encryptRate(engine, root, 'plain');
const eBinding = await encryptRate(engine, app, 'plain');
const eGuarded = await encryptRate(engine, app, 'guarded', { tenant: 'acme' });
console.log(`engine encrypt ops/s (16 in flight): root ${eRoot.toFixed(0)}, identity ${eBinding.toFixed(0)} (${(eBinding / eRoot).toFixed(2)}×), identity on a tier-1 prod key with SoD + Cedar condition ${eGuarded.toFixed(0)} (${(eGuarded / eRoot).toFixed(2)}×)`);
await engine.close();
rmSync(dir, { recursive: true, force: true });
