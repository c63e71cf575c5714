/**
 * Path globs for excludes and allowlists, matched against paths relative to the scanned root with
 * `/` separators. Like .gitignore: a pattern without a `/` matches a name at any depth
 * (`*.example`, `node_modules`); with one it is anchored at the root (`docs/*.md`). A `**`
 * segment matches any number of folders (`**` + `/test/fixtures/**` finds every test/fixtures
 * folder). `*` and `?` stop at `/`; `{a,b}` and `[abc]` work as in a shell. A pattern matches a
 * folder and everything below it.
 */
export type PathMatcher = (path: string) => boolean;

/** One matcher for several globs; `null` when there are none (the common case costs nothing). */
export function compileGlobs(globs: readonly string[]): PathMatcher | null {
  if (globs.length === 0) return null;
  const sources = globs.map(globSource);
  const re = new RegExp(`^(?:${sources.join('|')})(?:/.*)?$`);
  return (path) => re.test(path);
}

/** Throws a `SyntaxError`-like Error with a short reason when the glob cannot be compiled. */
export function checkGlob(glob: string): void {
  if (glob.trim() === '') throw new Error('a glob may not be empty');
  new RegExp(globSource(glob));
}

function globSource(glob: string): string {
  let pattern = glob.startsWith('./') ? glob.slice(2) : glob;
  if (pattern.endsWith('/')) pattern = pattern.slice(0, -1);
  const anchored = pattern.includes('/');
  if (pattern.startsWith('/')) pattern = pattern.slice(1);
  const body = translate(pattern);
  return anchored ? body : `(?:.*/)?${body}`;
}

function translate(glob: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const atEnd = i + 2 === glob.length || glob[i + 2] === '/';
        if (atStart && atEnd) {
          // `**/` is any number of whole folders (zero included); a final `**` is anything below.
          if (glob[i + 2] === '/') {
            out += '(?:[^/]+/)*';
            i += 2;
          } else {
            out += '.*';
            i += 1;
          }
          continue;
        }
        i += 1;
      }
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) out += '\\[';
      else {
        const inner = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        out += inner.startsWith('!') ? `[^/${inner.slice(1)}]` : `[${inner}]`;
        i = end;
      }
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else if (c === '\\' && i + 1 < glob.length) {
      out += escapeRegExp(glob[i + 1] as string);
      i++;
    } else out += escapeRegExp(c);
  }
  if (braces > 0) throw new Error('unclosed { in glob');
  return out;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
