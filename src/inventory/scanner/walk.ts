import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { PathMatcher } from './glob.ts';

export interface WalkedFile {
  /** Path relative to the root, `/`-separated. */
  readonly path: string;
  readonly absolute: string;
  readonly size: number;
}

export interface WalkResult {
  readonly files: WalkedFile[];
  /** Entries that could not be listed or stat'ed (permissions, races). */
  readonly unreadable: number;
}

/**
 * The regular files under `root`, in a stable order (names sorted per folder), leaving out what
 * `excluded` matches (a matched folder is not entered). Symbolic links are not followed: a link
 * may point outside the root or into a loop, and its target is scanned where it lives.
 */
export function walkFiles(root: string, excluded: PathMatcher | null): WalkResult {
  const files: WalkedFile[] = [];
  let unreadable = 0;
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = readdirSync(rel === '' ? root : join(root, rel), { withFileTypes: true });
    } catch {
      unreadable++;
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const folders: string[] = [];
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (excluded?.(path) === true) continue;
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile()) {
        const absolute = join(root, path);
        try {
          files.push({ path, absolute, size: statSync(absolute).size });
        } catch {
          unreadable++;
        }
      }
    }
    // Depth first, in name order: push in reverse so the first folder is walked first.
    for (let i = folders.length - 1; i >= 0; i--) pending.push(folders[i] as string);
  }
  return { files, unreadable };
}
