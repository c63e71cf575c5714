import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * `root-token.json` holds the SHA-256 of the root token, and nothing else, with mode 0600.
 * Temporary: when token storage lands, tokens (hashed) move into the Store and this file goes.
 */
export const ROOT_TOKEN_FILE = 'root-token.json';

export function rootTokenFilePath(dataDir: string): string {
  return join(dataDir, ROOT_TOKEN_FILE);
}

/** The stored hash, or null if there is no file. A file that is there but unreadable is an error. */
export function readRootTokenHash(path: string): Buffer | null {
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  const hex = typeof parsed === 'object' && parsed !== null ? (parsed as { sha256?: unknown }).sha256 : undefined;
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${path} must hold {"sha256": "<64 hex digits>"}`);
  return Buffer.from(hex, 'hex');
}

export interface StagedRootTokenHash {
  /** Moves the staged file into place (atomically). */
  commit(): Promise<void>;
  /** Removes the staged file if it was not committed. */
  discard(): Promise<void>;
}

/** Writes the hash next to `path` (0600, fsynced) without touching the current file yet. */
export async function stageRootTokenHash(path: string, hash: Buffer): Promise<StagedRootTokenHash> {
  const staged = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(staged, 'wx', 0o600);
  try {
    await file.writeFile(`${JSON.stringify({ sha256: hash.toString('hex') })}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  let committed = false;
  return {
    async commit() {
      await rename(staged, path);
      committed = true;
      await syncDirectory(dirname(path));
    },
    async discard() {
      if (!committed) await rm(staged, { force: true });
    },
  };
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
