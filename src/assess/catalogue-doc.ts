import { SECTION_LABELS, type Check } from './check.ts';
import { FRAMEWORKS } from './model.ts';

/** The markers between which docs/audit-checks.md holds the generated catalogue. */
export const CATALOGUE_BEGIN = '<!-- BEGIN GENERATED CATALOGUE: edit src/assess/checks/, then run `npx tsx scripts/write-audit-checks-doc.ts` -->';
export const CATALOGUE_END = '<!-- END GENERATED CATALOGUE -->';

const esc = (text: string): string => text.replace(/\|/g, '\\|');

/**
 * The catalogue as Markdown: a summary table, one section per check (what it detects, severity,
 * effort, the data it needs, the fix, the controls it maps to), and an index from framework
 * controls to checks. docs/audit-checks.md embeds it, and a test keeps the two equal.
 */
export function renderCatalogue(checks: readonly Check[]): string {
  const lines: string[] = [];
  lines.push(`${checks.length} checks.`, '', '| id | check | severity | needs |', '|---|---|---|---|');
  for (const c of checks) lines.push(`| [${c.info.id}](#${anchor(c)}) | ${esc(c.info.title)} | ${c.info.severity} | ${c.needs.map((s) => SECTION_LABELS[s]).join(', ')} |`);
  for (const c of checks) {
    lines.push('', `### ${c.info.id}: ${c.info.title}`, '', c.info.detects, '');
    lines.push(`- **Severity:** ${c.info.severity}. **Effort to fix:** ${c.info.effort}.`);
    lines.push(`- **Needs:** ${c.needs.map((s) => SECTION_LABELS[s]).join(', ')}${c.uses.length > 0 ? `; **also reads:** ${c.uses.map((s) => SECTION_LABELS[s]).join(', ')}` : ''}.`);
    lines.push(`- **Fix:** ${c.info.remediation}`);
    lines.push(`- **Controls:** ${c.info.refs.map((r) => `${r.framework} ${r.control}`).join('; ')}.`);
  }
  lines.push('', '### Controls → checks', '', '| framework | control | checks |', '|---|---|---|');
  for (const framework of FRAMEWORKS) {
    const controls = new Map<string, string[]>();
    for (const c of checks) for (const r of c.info.refs) if (r.framework === framework) controls.set(r.control, [...(controls.get(r.control) ?? []), c.info.id]);
    for (const [control, ids] of [...controls].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) lines.push(`| ${framework} | ${esc(control)} | ${ids.join(', ')} |`);
  }
  return lines.join('\n');
}

function anchor(c: Check): string {
  return `${c.info.id}-${c.info.title}`
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

/** `doc` with the text between the markers replaced by `catalogue`. */
export function withCatalogue(doc: string, catalogue: string): string {
  const begin = doc.indexOf(CATALOGUE_BEGIN);
  const end = doc.indexOf(CATALOGUE_END);
  if (begin === -1 || end === -1 || end < begin) throw new Error('docs/audit-checks.md has lost its catalogue markers');
  return `${doc.slice(0, begin + CATALOGUE_BEGIN.length)}\n\n${catalogue}\n\n${doc.slice(end)}`;
}
