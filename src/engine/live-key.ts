import { KeywardError } from '../core/errors.ts';
import type { LiveKey } from '../keys/key-ring.ts';
import type { KeyRecord } from '../storage/records.ts';
import type { EngineContext } from './engine-context.ts';

/** A key version ready to use: from the ring's cache, or unwrapped under the root key and cached. */
export async function liveKey(c: Pick<EngineContext, 'seal' | 'ring' | 'store'>, key: KeyRecord, version: number): Promise<LiveKey> {
  const { rootKey } = c.seal.secrets();
  const hit = c.ring.cached(key.id, version);
  if (hit) return hit;
  const record = await c.store.getKeyVersion(key.id, version);
  if (!record) throw new KeywardError('key_version_not_found', `key "${key.name}" has no version ${version}`, { version });
  return c.ring.load(rootKey, key.spec, key.usage, record);
}
