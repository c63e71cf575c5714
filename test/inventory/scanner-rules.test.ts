import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeywardError } from '../../src/core/errors.ts';
import { builtinRuleSet, mergeRuleFile, parseRuleFile, scanDirectory } from '../../src/inventory/scanner/index.ts';
import { shannonEntropy } from '../../src/inventory/scanner/entropy.ts';
import { compileGlobs } from '../../src/inventory/scanner/glob.ts';
import { KeywordAutomaton } from '../../src/inventory/scanner/keyword-automaton.ts';
import { isPkcs12 } from '../../src/inventory/scanner/pkcs12.ts';
import { maskedPreview } from '../../src/inventory/scanner/redact.ts';
import { pkcs12Bytes, tokenText } from '../fixtures/scanner/planted-secrets.ts';

function ruleFileError(text: string): string {
  try {
    parseRuleFile(text, 'rules.yaml');
  } catch (err) {
    assert.ok(err instanceof KeywardError && err.code === 'validation_failed', String(err));
    return err.message;
  }
  assert.fail('the rule file was accepted');
}

describe('rule files', () => {
  it('accepts a rule file in YAML or JSON', () => {
    const yaml = parseRuleFile(
      `version: 1
rules:
  - id: internal-api-token
    description: Internal API token
    regex: '(?<secret>itk_[A-Za-z0-9]{32})'
    keywords: [itk_]
    entropy: 3.5
    severity: high
    check: STO-02
    allowlist:
      paths: ['fixtures/**']
      regexes: ['^itk_0+$']
disable: [generic-secret-env]
`,
      'rules.yaml',
    );
    assert.equal(yaml.rules?.[0]?.id, 'internal-api-token');
    const json = parseRuleFile(JSON.stringify({ version: 1, disable: ['slack-token'] }), 'rules.json');
    assert.deepEqual(json.disable, ['slack-token']);
  });

  it('lists every problem, each with the field it is about', () => {
    const message = ruleFileError(`version: 2
rules:
  - id: Bad Id
    description: ''
    regex: '(unclosed'
    severity: urgent
    check: STO-09
    entropy: 12
    colour: red
  - id: no-keywords
    description: a rule without keywords
    regex: 'x+'
    severity: low
    check: STO-03
  - id: no-keywords
    description: twice
    detector: pkcs12
    severity: low
    check: STO-01
allowlist:
  paths: ['{unclosed']
`);
    for (const expected of [
      'version: must be 1 (got 2)',
      'rules[0].id: must be lower-case letters',
      'rules[0].description: must be a non-empty text',
      'rules[0].regex: not a valid JavaScript regular expression',
      'rules[0].severity: must be one of critical, high, medium, low (got "urgent")',
      'rules[0].check: must be one of STO-01, STO-02, STO-03 (got "STO-09")',
      'rules[0].entropy: must be a number of bits per character from 0 to 8 (got 12)',
      'rules[0].colour: unknown field',
      'rules[1].keywords (rule "no-keywords"): a regex rule needs at least one keyword',
      'rules[2].id: "no-keywords" appears twice',
      'allowlist.paths[0]: "{unclosed" is not a valid glob',
    ]) {
      assert.ok(message.includes(expected), `missing "${expected}" in:\n${message}`);
    }
    assert.ok(message.startsWith('rules.yaml: invalid rule file:'));
  });

  it('reports YAML syntax errors and refuses a file that is not a mapping', () => {
    assert.match(ruleFileError('rules: [\n'), /rules\.yaml: invalid rule file/);
    assert.match(ruleFileError('- just\n- a list\n'), /must be a mapping with `version: 1`/);
    assert.match(ruleFileError('version: 1\nrules:\n  - id: x\n    description: d\n    regex: a\n    keywords: [AB]\n    severity: low\n    check: STO-03\n'), /keywords\[0\] \(rule "x"\): must be lower-case text of 3 to 64 characters/);
  });

  it('merges: a known id replaces the built-in in place, new rules go first, disabled ones go away', () => {
    const base = builtinRuleSet();
    const file = parseRuleFile(
      `version: 1
disable: [slack-token]
rules:
  - id: github-token
    description: GitHub tokens, stricter
    regex: '(?<secret>ghp_[A-Za-z0-9]{36})'
    keywords: [ghp_]
    severity: critical
    check: STO-02
  - id: internal-api-token
    description: Internal API token
    regex: '(?<secret>itk_[A-Za-z0-9]{32})'
    keywords: [itk_]
    severity: high
    check: STO-02
`,
      'rules.yaml',
    );
    const merged = mergeRuleFile(base, file, 'rules.yaml');
    const ids = merged.rules.map((r) => r.id);
    assert.equal(ids[0], 'internal-api-token');
    assert.ok(!ids.includes('slack-token'));
    assert.equal(ids.indexOf('github-token'), base.rules.findIndex((r) => r.id === 'github-token'), 'replaced in place (slack-token, before it, is gone; the new rule came first)');
    assert.equal(merged.rules.find((r) => r.id === 'github-token')?.severity, 'critical');
    assert.throws(() => mergeRuleFile(base, parseRuleFile('version: 1\ndisable: [no-such-rule]\n', 'r.yaml'), 'r.yaml'), /there is no rule "no-such-rule" to disable/);
  });

  it('accepts the example rule file of docs/scanner.md', () => {
    const docs = readFileSync(new URL('../../docs/scanner.md', import.meta.url), 'utf8');
    const example = /## Rule files[\s\S]*?```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    assert.ok(example !== undefined);
    const merged = mergeRuleFile(builtinRuleSet(), parseRuleFile(example, 'docs/scanner.md'), 'docs/scanner.md');
    assert.equal(merged.rules[0]?.id, 'internal-api-token');
  });

  it('runs user rules and their allowlists, and can drop the default allowlist', async () => {
    const root = mkdtempSync(join(tmpdir(), 'keyward-scan-rules-'));
    try {
      const token = `itk_${tokenText('internal', 32)}`;
      writeFileSync(join(root, 'app.ts'), `const t = "${token}";\nconst zero = "itk_${'0'.repeat(32)}";\n`);
      writeFileSync(join(root, 'app.example'), `STRIPE=sk_live_${tokenText('example stripe', 32)}\n`);
      const rules = mergeRuleFile(
        builtinRuleSet(),
        parseRuleFile(
          `version: 1
useDefaultAllowlist: false
disable: [generic-secret-assignment]
rules:
  - id: internal-api-token
    description: Internal API token
    regex: '(?<secret>itk_[A-Za-z0-9]{32})'
    keywords: [itk_]
    severity: high
    check: STO-02
    allowlist:
      regexes: ['^itk_0+$']
`,
          'rules.yaml',
        ),
        'rules.yaml',
      );
      const report = await scanDirectory(root, { rules, workers: 0 });
      assert.deepEqual(report.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`), ['stripe-live-key app.example:1', 'internal-api-token app.ts:1']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('scanner building blocks', () => {
  it('finds every keyword occurrence in any case, as a naive search does', () => {
    const keywords = ['token', 'secret', 'secret_key', 'cret', 'akia', 'sk_live_', 'x-y'];
    const automaton = new KeywordAutomaton(keywords);
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pieces = ['token', 'TOKEN', 'Secret_Key', 'secret', 'sk_live_', 'akIA', 'x-y', 'tok', 'secre', ' ', '\n', 'a', 'k', '_'];
    for (let round = 0; round < 240; round++) {
      // Short texts are walked as one stream, long ones as two halves: both must agree with the naive search.
      const length = round % 6 === 0 ? 1200 + Math.floor(random() * 50) : 40;
      const text = Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      const bytes = Buffer.from(text, 'latin1');
      const expected: string[] = [];
      const lower = text.toLowerCase();
      for (let end = 0; end < lower.length; end++) {
        keywords.forEach((k, i) => {
          if (end + 1 >= k.length && lower.slice(end + 1 - k.length, end + 1) === k) expected.push(`${end}:${i}`);
        });
      }
      const count = automaton.scan(bytes);
      const got: string[] = [];
      for (let h = 0; h < count; h++) for (const i of automaton.keywordsAt(h)) got.push(`${automaton.hitEnd(h)}:${i}`);
      assert.deepEqual(got.sort(), expected.sort(), text.slice(0, 200));
    }
  });

  it('grows its hit list for texts with very many hits, and finds a keyword across the middle', () => {
    const automaton = new KeywordAutomaton(['ab']);
    assert.equal(automaton.scan(Buffer.from('ab'.repeat(20_000))), 20_000);
    assert.equal(automaton.hitEnd(19_999), 39_999);
    for (const at of [4996, 4997, 4998, 4999, 5000]) {
      const text = Buffer.alloc(10_000, 'x');
      text.write('secret', at - 2);
      const long = new KeywordAutomaton(['secret']);
      assert.equal(long.scan(text), 1, `at ${at}`);
      assert.equal(long.hitEnd(0), at + 3);
    }
  });

  it('matches globs like .gitignore', () => {
    const m = compileGlobs(['*.example', 'docs/*.md', '**/test/fixtures/**', 'build/', 'src/{a,b}.ts', 'x?z']) as (p: string) => boolean;
    for (const yes of ['app.example', 'config/app.env.example', 'docs/guide.md', 'test/fixtures/k.pem', 'pkg/test/fixtures/deep/k.pem', 'build/out.js', 'src/a.ts', 'xyz', 'sub/xyz/file']) assert.ok(m(yes), yes);
    for (const no of ['example.txt', 'docs/sub/guide.md', 'other/docs/guide.md', 'test/fixture/k.pem', 'rebuild/out.js', 'src/c.ts', 'xz']) assert.ok(!m(no), no);
    assert.equal(compileGlobs([]), null);
  });

  it('measures entropy in bits per character', () => {
    assert.equal(shannonEntropy('xxxxxxxx'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.ok(Math.abs(shannonEntropy('changeme') - 2.75) < 0.01);
    assert.ok(shannonEntropy(tokenText('entropy', 40)) > 4.5);
  });

  it('recognises PKCS#12 by its header, not its name', () => {
    assert.ok(isPkcs12(pkcs12Bytes('a').subarray(0, 32)));
    const certificate = Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x30, 0x82, 0x01, 0x02, 0xa0, 0x03, 0x02, 0x01, 0x02]);
    assert.ok(!isPkcs12(certificate));
    assert.ok(!isPkcs12(Buffer.from('hello world, this is not DER at all')));
  });

  it('masks previews to at most four characters and a quarter of the secret', () => {
    assert.equal(maskedPreview('AKIAIOSFODNN7EXAMPLE'), 'AKIA…');
    assert.equal(maskedPreview('hunter2hunter'), 'hun…');
    assert.equal(maskedPreview('short'), 's…');
    assert.equal(maskedPreview('\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC'), 'MIIE…');
  });
});
