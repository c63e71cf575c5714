import type { CommitInfo } from './scan-types.ts';

/**
 * Parses the output of `git log -p -U0 --full-index --format=<COMMIT_FORMAT>` line by line and
 * hands over, for each file a commit changed, the lines it added (with their line numbers in the
 * new version) or, for a binary file, its new blob id. Only one file's added lines are held at a
 * time, so the history never sits in memory.
 */
export const COMMIT_FORMAT = '%x01%H%x02%aI%x02%an%x02%ae';

export interface FileChange {
  readonly commit: CommitInfo;
  /** Path in the new version, relative to the repository's top. */
  readonly path: string;
  /** Added lines (without the `+`), in order. */
  readonly lines: readonly Buffer[];
  /** The new version's line number of each added line. */
  readonly lineNumbers: readonly number[];
  /** Bytes of the added lines, counted as they arrive (to enforce the size cap without joining). */
  readonly bytes: number;
  /** Set when git reported the file as binary: the new blob's id (null for a deletion). */
  readonly binaryBlob: string | null;
  readonly binary: boolean;
}

const ZERO_ID = /^0+$/;

export class GitLogParser {
  readonly #onCommit: (commit: CommitInfo) => void;
  readonly #onFile: (change: FileChange) => void;
  /** Added lines beyond this many bytes are not kept (the file is reported over the cap). */
  readonly #maxBytes: number;
  #commit: CommitInfo | null = null;
  #file: MutableChange | null = null;
  #inHunk = false;
  #nextLine = 0;
  #carry: Buffer | null = null;

  constructor(handlers: { onCommit: (commit: CommitInfo) => void; onFile: (change: FileChange) => void; maxBytes: number }) {
    this.#onCommit = handlers.onCommit;
    this.#onFile = handlers.onFile;
    this.#maxBytes = handlers.maxBytes;
  }

  /** Feeds a chunk of git's output (any split). */
  push(chunk: Buffer): void {
    let data = chunk;
    if (this.#carry !== null) {
      data = Buffer.concat([this.#carry, chunk]);
      this.#carry = null;
    }
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      this.#line(data.subarray(start, nl));
      start = nl + 1;
    }
    // A partial line is copied: keeping a view would pin the whole chunk.
    if (start < data.length) this.#carry = Buffer.from(data.subarray(start));
  }

  /** The end of the output: the last file is handed over. */
  end(): void {
    if (this.#carry !== null) this.#line(this.#carry);
    this.#carry = null;
    this.#finishFile();
  }

  #line(line: Buffer): void {
    const first = line[0];
    if (this.#inHunk) {
      if (first === 0x2b /* + */) {
        this.#added(line.subarray(1));
        return;
      }
      if (first === 0x2d /* - */ || first === 0x5c /* \ */) return;
      if (first === 0x20 /* space */) {
        this.#nextLine++;
        return;
      }
    }
    if (first === 0x01) return this.#startCommit(line);
    const text = line.toString('latin1');
    if (text.startsWith('diff --git ')) {
      this.#finishFile();
      if (this.#commit !== null) this.#file = newChange(this.#commit, pathOfDiffLine(text.slice('diff --git '.length)));
      this.#inHunk = false;
      return;
    }
    const file = this.#file;
    if (file === null) return;
    if (text.startsWith('@@ ')) {
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
      this.#nextLine = m === null ? 0 : Number(m[1]);
      this.#inHunk = true;
    } else if (text.startsWith('+++ ')) {
      const target = text.slice(4);
      if (target === '/dev/null') file.deleted = true;
      else file.path = stripPrefix(unquote(target), 'b/');
    } else if (text.startsWith('rename to ')) file.path = unquote(text.slice('rename to '.length));
    else if (text.startsWith('deleted file mode')) file.deleted = true;
    else if (text.startsWith('index ')) {
      const m = /^index [0-9a-f]+\.\.([0-9a-f]+)/.exec(text);
      if (m !== null) file.newBlob = ZERO_ID.test(m[1] as string) ? null : (m[1] as string);
    } else if (text.startsWith('Binary files ')) file.binary = true;
  }

  #startCommit(line: Buffer): void {
    this.#finishFile();
    this.#inHunk = false;
    const [id = '', date = '', name = '', email = ''] = line.subarray(1).toString('utf8').split('\x02');
    this.#commit = { id, author: `${name} <${email}>`, date };
    this.#onCommit(this.#commit);
  }

  #added(content: Buffer): void {
    const file = this.#file;
    if (file === null) return;
    const lineNumber = this.#nextLine++;
    file.bytes += content.length + 1;
    if (file.bytes > this.#maxBytes) {
      file.lines.length = 0;
      file.lineNumbers.length = 0;
      return;
    }
    file.lines.push(Buffer.from(content));
    file.lineNumbers.push(lineNumber);
  }

  #finishFile(): void {
    const file = this.#file;
    this.#file = null;
    if (file === null || file.path === null) return;
    if (file.lines.length === 0 && !file.binary && file.bytes === 0) return;
    this.#onFile({
      commit: file.commit,
      path: file.path,
      lines: file.lines,
      lineNumbers: file.lineNumbers,
      bytes: file.bytes,
      binary: file.binary,
      binaryBlob: file.binary && !file.deleted ? file.newBlob : null,
    });
  }
}

interface MutableChange {
  commit: CommitInfo;
  path: string | null;
  lines: Buffer[];
  lineNumbers: number[];
  bytes: number;
  binary: boolean;
  deleted: boolean;
  newBlob: string | null;
}

function newChange(commit: CommitInfo, path: string | null): MutableChange {
  return { commit, path, lines: [], lineNumbers: [], bytes: 0, binary: false, deleted: false, newBlob: null };
}

/**
 * The path of `a/P b/P` (what `diff --git` shows when the name did not change; a rename names
 * the new path on its own `rename to` line, and a text change on `+++`). Null when ambiguous.
 */
function pathOfDiffLine(rest: string): string | null {
  if (rest.startsWith('"')) {
    const end = closingQuote(rest);
    const second = rest.slice(end + 2);
    return end === -1 ? null : stripPrefix(unquote(second), 'b/');
  }
  const half = (rest.length - 1) / 2;
  if (!Number.isInteger(half)) return null;
  const a = rest.slice(0, half);
  const b = rest.slice(half + 1);
  return a.startsWith('a/') && b.startsWith('b/') && a.slice(2) === b.slice(2) ? decodeUtf8(b.slice(2)) : null;
}

function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

function stripPrefix(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** A path as git prints it (latin1 text of its bytes): C-quoted when it holds special characters, then UTF-8. */
function unquote(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"')) return decodeUtf8(text);
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  const escapes: Readonly<Record<string, number>> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      bytes.push(body.charCodeAt(i) & 0xff);
      continue;
    }
    const e = body[i + 1] ?? '';
    if (/[0-7]/.test(e)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8) & 0xff);
      i += 3;
    } else {
      bytes.push(escapes[e] ?? e.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeUtf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
