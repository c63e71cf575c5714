/**
 * HTML built by a tagged template that escapes every interpolated value unless it is already
 * markup made by this template. Reports show names chosen by anyone who can create a key or an
 * identity, so escaping is the default and cannot be forgotten: `html\`<td>${name}</td>\``.
 */
export class Markup {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

export type Interpolation = Markup | string | number | null | undefined | readonly Interpolation[];

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text made safe for element content and quoted attribute values (in HTML and inline SVG). C0
 * controls other than tab, newline and carriage return are not allowed in HTML: they become U+FFFD.
 */
export function escapeHtml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '\uFFFD');
}

export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

/** Markup written by this module (a style sheet, say), taken as is. Never for data. */
export function trusted(text: string): Markup {
  return new Markup(text);
}

function render(value: Interpolation): string {
  if (value instanceof Markup) return value.text;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a report number must be finite');
    return String(value);
  }
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(render).join('');
}
