import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/report/html-report.ts';
import { firstEmptyRun, HOSTILE, hostileRun, sampleRun } from './fixtures.ts';
import { attr, byId, childElements, elements, parseHtml, textOf, type Element } from './html-tree.ts';

const SECTIONS = ['summary', 'charts', 'checklist', 'remediation', 'findings', 'not-assessed', 'passed', 'trend', 'metrics'];

function render(run = sampleRun()): { text: string; document: ReturnType<typeof parseHtml>['document'] } {
  const text = renderHtml(run, { generator: 'Keyward 0.1.0' });
  const { document, errors } = parseHtml(text);
  assert.deepEqual(
    errors.map((e) => `${e.code} at line ${e.startLine}`),
    [],
    'the HTML parser reports no error',
  );
  return { text, document };
}

function bodyRows(table: Element): Element[] {
  return childElements(childElements(table, 'tbody')[0]!, 'tr');
}

function svgByTitle(document: Element | ReturnType<typeof parseHtml>['document'], title: string): Element {
  const svg = elements(document, 'svg').find((s) => textOf(childElements(s, 'title')[0]!) === title);
  assert.ok(svg, `an SVG chart titled "${title}"`);
  return svg;
}

describe('HTML report', () => {
  it('is one HTML document in English with a title and a charset, that parses without error', () => {
    const { text, document } = render();
    assert.match(text, /^<!DOCTYPE html>\n<html lang="en">/);
    assert.equal(elements(document, 'meta').filter((m) => attr(m, 'charset') === 'utf-8').length, 1);
    assert.match(textOf(elements(document, 'title')[0]!), /^Audit report kw-prod-eu-1 2026-03-01$/);
    assert.match(textOf(elements(document, 'footer')[0]!), /Keyward 0\.1\.0 · audit run run_7d2f9a0c1b3e5d7f9a1c3e5b/);
  });

  it('has a section with a heading for every part, linked from the contents', () => {
    const { document } = render();
    for (const id of SECTIONS) {
      const section = byId(document, id);
      assert.equal(section.tagName, 'section');
      const heading = childElements(section, 'h2')[0];
      assert.ok(heading, `section ${id} has an h2`);
      assert.equal(attr(section, 'aria-labelledby'), attr(heading, 'id'));
    }
    const links = elements(elements(document, 'nav')[0]!, 'a').map((a) => attr(a, 'href'));
    assert.deepEqual(links, SECTIONS.map((id) => `#${id}`));
  });

  it('draws the four charts as SVG images whose title and description say what they show', () => {
    const { document } = render();
    const charts = elements(byId(document, 'charts'), 'svg');
    assert.equal(charts.length, 4);
    for (const svg of charts) {
      assert.equal(attr(svg, 'role'), 'img');
      const [titleId, descId] = (attr(svg, 'aria-labelledby') ?? '').split(' ');
      assert.equal(byId(document, titleId!).tagName, 'title');
      assert.ok(textOf(byId(document, descId!)).length > 20, 'a description with the numbers');
    }

    const severity = svgByTitle(document, 'Findings by severity');
    const widths = elements(severity, 'rect').map((r) => Number(attr(r, 'width')));
    assert.equal(widths.length, 5, 'one bar per severity');
    // 2 critical, 2 high, 2 medium, 1 low, 1 info: bars in proportion.
    assert.deepEqual(widths.map((w) => Math.round((w / widths[0]!) * 100)), [100, 100, 100, 50, 50]);

    const rotation = svgByTitle(document, 'Rotation compliance over time');
    const points = elements(rotation, 'circle');
    assert.equal(points.length, 4, 'the first run measured nothing: 3 earlier runs and this one');
    assert.match(textOf(points[3]!), /2026-03-01: 78\.6% \(this run\)/);
    assert.match(attr(elements(rotation, 'path')[0]!, 'd') ?? '', /^M[\d.]+ [\d.]+ L/);

    const environments = svgByTitle(document, 'Keys by environment');
    assert.deepEqual(elements(environments, 'title').slice(1).map(textOf), ['prod: 7', 'staging: 4', 'dev: 2', 'unknown: 1']);

    const maturity = svgByTitle(document, 'Maturity by dimension');
    assert.match(textOf(maturity), /Overall: level 3 · Defined/);
    assert.equal(elements(maturity, 'circle').length, 6, 'one point per dimension');
    assert.match(textOf(elements(maturity, 'circle')[4]!), /recovery: 1 of 5/);
  });

  it('gives each chart its numbers as a table too', () => {
    const { document } = render();
    const tables = elements(byId(document, 'charts'), 'table');
    assert.equal(tables.length, 4);
    assert.deepEqual(bodyRows(tables[0]!).map(textOf), ['Critical 2', 'High 2', 'Medium 2', 'Low 1', 'Info 1']);
    assert.equal(bodyRows(tables[1]!).length, 5, 'four earlier runs and this one');
  });

  it('groups findings by check, worst check first, with one row per finding', () => {
    const run = sampleRun();
    const { document } = render(run);
    const articles = elements(byId(document, 'findings'), 'article');
    const ids = articles.map((a) => textOf(elements(a, 'span').find((s) => attr(s, 'class') === 'check-id')!));
    assert.deepEqual(ids, ['SEC-03', 'ROT-01', 'ACC-02', 'APR-01', 'INV-07']);
    for (const article of articles) {
      const id = textOf(elements(article, 'span').find((s) => attr(s, 'class') === 'check-id')!);
      const result = run.results.find((r) => r.check.id === id)!;
      const rows = bodyRows(elements(article, 'table')[0]!);
      assert.equal(rows.length, result.findings.length, `${id}: a row per finding`);
      for (const ref of result.check.refs) assert.ok(textOf(article).includes(`${ref.framework} ${ref.control}`), `${id} cites ${ref.framework} ${ref.control}`);
    }
    const rot = articles[1]!;
    const firstRow = textOf(bodyRows(elements(rot, 'table')[0]!)[0]!);
    assert.match(firstRow, /^High key billing-prod .*Rotation overdue .*180 days ago.* key-version billing-prod v3 .*audit-entry key\.rotate by alice, seq 10422 .*still open$/);
    const sec = textOf(articles[0]!);
    assert.match(sec, /file deploy\/old scripts\/rotate, keys\.sh:3/);
  });

  it('shows checks that were not assessed or failed to run apart from passed ones, with the reason', () => {
    const { document } = render();
    const unanswered = bodyRows(elements(byId(document, 'not-assessed'), 'table')[0]!);
    assert.deepEqual(
      unanswered.map((r) => textOf(childElements(r, 'td')[0]!)),
      ['BAK-01', 'INV-02'],
    );
    const badge = (row: Element): Element => elements(row, 'span').find((s) => (attr(s, 'class') ?? '').startsWith('badge'))!;
    assert.equal(attr(badge(unanswered[0]!), 'class'), 'badge st-not-assessed');
    assert.equal(textOf(badge(unanswered[0]!)), '? Not assessed');
    assert.match(textOf(unanswered[0]!), /No backup records: backups are not made through Keyward/);
    assert.equal(textOf(badge(unanswered[1]!)), '! Error');
    assert.match(textOf(unanswered[1]!), /timed out after 30 s/);

    const passed = bodyRows(elements(byId(document, 'passed'), 'table')[0]!);
    assert.deepEqual(passed.map((r) => textOf(childElements(r, 'td')[0]!)), ['ALG-01', 'AUD-01', 'ROT-04']);
    for (const row of passed) assert.equal(attr(badge(row), 'class'), 'badge st-passed');
  });

  it('orders the remediation plan by rank, whatever order the run lists it in', () => {
    const run = sampleRun();
    const shuffled = { ...run, remediation: [run.remediation[3]!, run.remediation[0]!, run.remediation[4]!, run.remediation[2]!, run.remediation[1]!] };
    const { document } = render(shuffled);
    const rows = bodyRows(elements(byId(document, 'remediation'), 'table')[0]!);
    assert.deepEqual(
      rows.map((r) => textOf(childElements(r, 'td')[1]!)),
      ['SEC-03 Critical', 'ROT-01 High', 'ACC-02 Medium', 'APR-01 Low', 'INV-07 Info'],
    );
  });

  it('shows the decision checklist with a worded status for every item', () => {
    const { document } = render();
    const rows = bodyRows(elements(byId(document, 'checklist'), 'table')[0]!);
    assert.equal(rows.length, 10);
    assert.deepEqual(
      rows.map((r) => textOf(childElements(r, 'td')[1]!)),
      ['✓ Done', '◐ Partial', '✓ Done', '✓ Done', '✓ Done', '✗ Missing', '✓ Done', '◐ Partial', '◐ Partial', '? Not assessed'],
    );
  });

  it('summarises maturity with its reasons, findings by severity and check outcomes', () => {
    const { document } = render();
    const summary = textOf(byId(document, 'summary'));
    assert.match(summary, /Maturity level 3 of 5 Defined/);
    assert.match(summary, /Level 4 needs tested recovery/);
    assert.match(summary, /Findings: 8 2 Critical 2 High 2 Medium 1 Low 1 Info/);
    assert.match(summary, /Checks: 10 3 passed 5 failed 1 not assessed \(no data\) 1 could not run \(error\)/);
  });

  it('shows the trend against the previous run, naming the findings it knows', () => {
    const { document } = render();
    const trend = textOf(byId(document, 'trend'));
    assert.match(trend, /Compared with run run_1a2b3c4d5e6f7a8b9c0d1e2f/);
    assert.match(trend, /2 new findings 2 fixed since then 6 still open/);
    assert.match(trend, /New SEC-03 Private key block in a script: deploy\/old scripts\/rotate, keys\.sh:3/);
    assert.match(trend, /Fixed ROT-01:key_0f0e0d0c0b0a090807060504/);
  });

  it('fetches nothing: no src, only in-page links, no script, and a policy that forbids loads', () => {
    for (const run of [sampleRun(), hostileRun()]) {
      const { text, document } = render(run);
      const all = elements(document);
      assert.deepEqual(all.filter((el) => attr(el, 'src') !== undefined || attr(el, 'srcset') !== undefined || attr(el, 'xlink:href') !== undefined).map((el) => el.tagName), []);
      for (const tag of ['script', 'link', 'img', 'iframe', 'object', 'embed', 'image', 'use', 'foreignObject', 'base', 'form']) assert.equal(elements(document, tag).length, 0, `no <${tag}>`);
      for (const a of all.filter((el) => attr(el, 'href') !== undefined)) {
        const href = attr(a, 'href')!;
        assert.ok(href.startsWith('#'), `in-page link, not ${href}`);
        byId(document, href.slice(1));
      }
      const style = elements(document, 'style').map(textOf).join('\n');
      assert.doesNotMatch(style, /url\(|@import|@font-face/);
      const csp = elements(document, 'meta').find((m) => attr(m, 'http-equiv') === 'Content-Security-Policy');
      assert.match(attr(csp!, 'content') ?? '', /^default-src 'none';/);
      assert.doesNotMatch(text, /https?:\/\/(?!evil\.example)/, 'no URL other than the one the hostile data holds, as text');
    }
  });

  it('escapes every value from the run: markup in names stays text', () => {
    const { document } = render(hostileRun());
    assert.equal(elements(document, 'script').length, 0);
    assert.equal(elements(document, 'img').length, 0);
    assert.equal(elements(document, 'b').length, 0);
    assert.deepEqual(elements(document).filter((el) => el.attrs.some((a) => a.name.startsWith('on'))).map((el) => el.tagName), []);
    const text = textOf(elements(document, 'body')[0]!);
    assert.ok(text.includes(HOSTILE.keyName), 'the key name is shown as text');
    assert.ok(text.includes('and <img src=x onerror=alert(1)> & more'), 'the message is shown as text');
    assert.ok(text.includes(HOSTILE.label));
    const titles = elements(document, 'title').map(textOf);
    assert.ok(titles.some((t) => t.startsWith(`${HOSTILE.environment}: 3`)), 'chart labels are escaped too');
    assert.ok(titles.some((t) => t.startsWith(`${HOSTILE.keyName}: 2 of 5`)), 'radar labels are escaped too');
  });

  it('renders a first run without keys, findings or history', () => {
    const { document } = render(firstEmptyRun());
    assert.match(textOf(svgByTitle(document, 'Rotation compliance over time')), /No rotation data yet/);
    assert.match(textOf(svgByTitle(document, 'Keys by environment')), /No keys/);
    const maturity = svgByTitle(document, 'Maturity by dimension');
    assert.equal(elements(maturity, 'rect').length, 2, 'two dimensions make bars, not a radar');
    assert.match(textOf(byId(document, 'findings')), /No check failed\./);
    assert.match(textOf(byId(document, 'trend')), /first audit run/);
    assert.match(textOf(byId(document, 'remediation')), /Nothing to remediate\./);
  });

  it('gives every table column headers, and prints without navigation', () => {
    const { document } = render();
    for (const table of elements(document, 'table')) {
      const head = childElements(table, 'thead')[0];
      assert.ok(head, 'a thead');
      for (const th of elements(head, 'th')) assert.equal(attr(th, 'scope'), 'col');
    }
    const style = elements(document, 'style').map(textOf).join('\n');
    assert.match(style, /@media print \{[^@]*nav\.toc, details\.data \{ display: none; \}/);
  });

  it('is the same bytes for the same run', () => {
    assert.equal(renderHtml(sampleRun()), renderHtml(sampleRun()));
  });
});
