import { parse, type DefaultTreeAdapterTypes, type ParserError } from 'parse5';

type Node = DefaultTreeAdapterTypes.Node;
export type Element = DefaultTreeAdapterTypes.Element;

/** A parsed HTML document and the parse errors the HTML spec's parser reported for it. */
export function parseHtml(text: string): { readonly document: DefaultTreeAdapterTypes.Document; readonly errors: readonly ParserError[] } {
  const errors: ParserError[] = [];
  const document = parse(text, { onParseError: (e) => errors.push(e), sourceCodeLocationInfo: true });
  return { document, errors };
}

/** Every element under `root` (document order), optionally only those with the tag name. */
export function elements(root: Node, tag?: string): Element[] {
  const out: Element[] = [];
  const visit = (node: Node): void => {
    if ('tagName' in node && (tag === undefined || node.tagName === tag)) out.push(node);
    const children = 'childNodes' in node ? node.childNodes : [];
    for (const child of children) visit(child);
    if (node.nodeName === 'template') for (const child of (node as DefaultTreeAdapterTypes.Template).content.childNodes) visit(child);
  };
  visit(root);
  return out;
}

export function attr(el: Element, name: string): string | undefined {
  return el.attrs.find((a) => a.name === name)?.value;
}

export function byId(root: Node, id: string): Element {
  const found = elements(root).find((el) => attr(el, 'id') === id);
  if (!found) throw new Error(`no element with id ${id}`);
  return found;
}

/** Elements whose boundaries separate words, as a browser lays them out. */
const BLOCKS = new Set(['div', 'p', 'li', 'ul', 'ol', 'td', 'th', 'tr', 'table', 'caption', 'h1', 'h2', 'h3', 'dt', 'dd', 'br', 'section', 'article', 'summary', 'details', 'figcaption', 'title', 'desc', 'text', 'nav', 'header', 'footer']);

/** The text content as a reader sees it, whitespace collapsed. */
export function textOf(node: Node): string {
  let text = '';
  const visit = (n: Node): void => {
    if (n.nodeName === '#text') text += (n as DefaultTreeAdapterTypes.TextNode).value;
    const block = BLOCKS.has(n.nodeName);
    if (block) text += ' ';
    if ('childNodes' in n) for (const child of n.childNodes) visit(child);
    if (block) text += ' ';
  };
  visit(node);
  return text.replace(/\s+/g, ' ').trim();
}

/** The element's direct children that are elements. */
export function childElements(el: Element, tag?: string): Element[] {
  return el.childNodes.filter((c): c is Element => 'tagName' in c && (tag === undefined || c.tagName === tag));
}
