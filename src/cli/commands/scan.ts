import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { KeywardError } from '../../core/errors.ts';
import {
  applyBaseline,
  buildBaseline,
  builtinRuleSet,
  compareFindings,
  formatBaseline,
  mergeRuleFile,
  parseBaseline,
  parseRuleFile,
  renderCsv,
  renderSarif,
  scanDirectory,
  scanGitHistory,
  type Baseline,
  type RuleSet,
  type ScanFinding,
  type ScanReport,
} from '../../inventory/scanner/index.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { DEFAULT_ADDR } from '../client-options.ts';
import { KeywardClient } from '../http-client.ts';
import { parseDuration } from '../duration.ts';
import { collectString } from '../key-value-pairs.ts';
import { stderrProgress } from '../progress.ts';
import { formatTable, type Column } from '../table.ts';

const FORMATS = ['text', 'json', 'sarif', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface ScanCommandOptions {
  readonly upload?: boolean;
  readonly git?: boolean;
  readonly range?: string;
  readonly format: Format;
  readonly json?: boolean;
  readonly output?: string;
  readonly rules?: string;
  readonly baseline?: string;
  readonly writeBaseline?: string;
  readonly acceptedBy?: string;
  readonly reason?: string;
  readonly expires?: string;
  readonly maxFileSize?: number;
  readonly exclude?: string[];
  readonly defaultExcludes: boolean;
}

/** `keyward scan <path>`: find secrets in a folder or in git history; works offline, no server. */
export function scanCommand(): Command {
  return new Command('scan')
    .description('find secrets and key material in a folder or its git history (offline, no server)')
    .argument('<path>', 'folder or file to scan; with --git, a git repository (or a folder inside one)')
    .option('--git', 'scan the git history (every added line of every commit) instead of the files')
    .option('--range <A..B>', 'with --git: only commits in this revision range (default: all refs)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--json', 'same as --format json')
    .option('--output <file>', 'write the report to a file instead of stdout')
    .option('--rules <file>', 'rule file (YAML or JSON) adding, replacing or disabling rules; see docs/scanner.md')
    .option('--baseline <file>', 'accept the findings listed in this baseline file (unless expired)')
    .option('--write-baseline <file>', 'write a baseline accepting every current finding (needs --reason); exits 0')
    .option('--accepted-by <name>', 'with --write-baseline: who accepts (default: the OS user name)')
    .option('--reason <text>', 'with --write-baseline: why the findings are accepted')
    .option('--expires <when>', 'with --write-baseline: when the acceptance ends: a date (2026-12-31) or a duration from now (90d)')
    .option('--max-file-size <size>', 'skip files larger than this: bytes, or with k, m or g (default 5m)', parseSize)
    .option('--exclude <glob>', 'leave out paths matching the glob (repeatable), e.g. dist or "*.min.js"', collectString)
    .option('--no-default-excludes', 'also scan .git/ and node_modules/')
    .option('--upload', 'also send the report (fingerprints and locations, never previews) to the server at KEYWARD_ADDR for the audit checks STO-01..03 (token in KEYWARD_TOKEN)')
    .addHelpText(
      'after',
      `
Exit codes: 0 no finding, 1 findings (or the scan failed), 2 usage (bad option, path, rule or
baseline file: nothing was scanned). A finding never shows the secret: only its first characters
(a masked preview) and a fingerprint, the SHA-256 of the rule id and the secret.

Examples:
  keyward scan .
  keyward scan . --git --format sarif --output secrets.sarif
  keyward scan . --git --range origin/main..HEAD          # a pull request's commits
  keyward scan . --write-baseline .keyward-baseline.json --reason "test keys, revoked" --expires 90d
  keyward scan . --baseline .keyward-baseline.json --rules scan-rules.yaml`,
    )
    .action(async (path: string, _options, command: Command) => scan(path, command.opts<ScanCommandOptions>()));
}

async function scan(path: string, options: ScanCommandOptions): Promise<void> {
  const format: Format = options.json === true ? 'json' : options.format;
  if (options.range !== undefined && options.git !== true) throw new CliError('--range needs --git', EXIT.usage);
  if (options.writeBaseline !== undefined && (options.reason === undefined || options.reason.trim() === '')) {
    throw new CliError('--write-baseline needs --reason: say why these findings are accepted', EXIT.usage);
  }
  for (const [flag, value] of [['--accepted-by', options.acceptedBy], ['--reason', options.reason], ['--expires', options.expires]] as const) {
    if (value !== undefined && options.writeBaseline === undefined) throw new CliError(`${flag} only applies with --write-baseline`, EXIT.usage);
  }
  const expires = options.expires === undefined ? null : expiryOf(options.expires);
  const rules = options.rules === undefined ? builtinRuleSet() : loadRules(options.rules);
  const baseline = options.baseline === undefined ? null : loadBaseline(options.baseline);

  const report = await runScan(path, options, rules, baseline);
  let written: { file: string; entries: number } | null = null;
  let shown = report;
  if (options.writeBaseline !== undefined) {
    // The report then shows the findings as the new baseline accepts them (exit 0).
    const now = new Date(report.finishedAt);
    const all = [...report.findings, ...report.suppressed.map(({ acceptedBy: _by, reason: _why, expires: _until, ...finding }) => finding)];
    const accepted = buildBaseline(all, { acceptedBy: options.acceptedBy ?? osUser(), reason: options.reason ?? '', expires }, now, baseline);
    writeOrFail(options.writeBaseline, formatBaseline(accepted));
    written = { file: options.writeBaseline, entries: accepted.entries.length };
    const { findings, suppressed } = applyBaseline(all, accepted, now);
    shown = { ...report, findings: findings.sort(compareFindings), suppressed: suppressed.sort(compareFindings), stats: { ...report.stats, suppressed: suppressed.length } };
  }

  const rendered = render(shown, format, rules);
  if (options.output === undefined) process.stdout.write(rendered);
  else writeOrFail(options.output, rendered);
  if (options.output !== undefined || format !== 'text') process.stderr.write(`${summary(shown)}\n`);
  if (written !== null) process.stderr.write(`wrote ${written.file}: ${written.entries} accepted finding${written.entries === 1 ? '' : 's'}\n`);
  if (options.upload === true) {
    const client = new KeywardClient({ addr: process.env['KEYWARD_ADDR'] || DEFAULT_ADDR, token: process.env['KEYWARD_TOKEN']?.trim() || null, correlationId: null });
    // Locations, rules and fingerprints only: no previews leave the machine.
    const upload = {
      kind: shown.kind,
      target: shown.target,
      startedAt: shown.startedAt,
      finishedAt: shown.finishedAt,
      stats: { files: shown.stats.files, bytes: shown.stats.bytes, commits: shown.stats.commits, suppressed: shown.stats.suppressed },
      findings: shown.findings.map((f) => ({ ruleId: f.ruleId, check: f.check, severity: f.severity, file: f.file, line: f.line, fingerprint: f.fingerprint, commit: f.commit ? { id: f.commit.id } : null })),
    };
    const stored = await client.post<{ id: string; findingCount: number }>('/v1/scans', upload);
    process.stderr.write(`uploaded as ${stored.id} (${stored.findingCount} finding${stored.findingCount === 1 ? '' : 's'}) to ${client.addr}\n`);
  }
  if (shown.findings.length > 0) process.exitCode = EXIT.failure;
}

async function runScan(path: string, options: ScanCommandOptions, rules: RuleSet, baseline: Baseline | null): Promise<ScanReport> {
  const common = {
    rules,
    baseline,
    defaultExcludes: options.defaultExcludes,
    ...(options.exclude !== undefined ? { exclude: options.exclude } : {}),
    ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
  };
  const git = options.git === true;
  const progress = await stderrProgress({ json: false, format: git ? 'scanning history {bar} {value}/{total} commits' : 'scanning {bar} {value}/{total} MB  {eta_formatted} left' });
  try {
    if (git) return await scanGitHistory(path, { ...common, ...(options.range !== undefined ? { range: options.range } : {}), onProgress: (done, total) => progress.update(done, total) });
    return await scanDirectory(path, { ...common, onProgress: (done, total) => progress.update(Math.round(done / 1e6), Math.max(1, Math.round(total / 1e6))) });
  } catch (err) {
    // A path that does not exist, is not a repository, or a range git does not know: nothing was scanned.
    if (err instanceof KeywardError && (err.code === 'validation_failed' || err.code === 'not_found')) throw new CliError(err.message, EXIT.usage);
    throw err;
  } finally {
    progress.stop();
  }
}

function render(report: ScanReport, format: Format, rules: RuleSet): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'sarif':
      return renderSarif(report, rules.rules, toolVersion());
    case 'csv':
      return renderCsv(report);
    case 'text':
      return textReport(report);
  }
}

function textReport(report: ScanReport): string {
  const history = report.kind === 'git-history';
  const columns: Column<ScanFinding>[] = [
    { header: 'severity', cell: (f) => f.severity },
    { header: 'check', cell: (f) => f.check },
    { header: 'rule', cell: (f) => f.ruleId },
    { header: 'location', cell: (f) => `${f.file}:${f.line}:${f.column}` },
    ...(history ? [{ header: 'commit', cell: (f: ScanFinding) => f.commit?.id.slice(0, 12) }, { header: 'author', cell: (f: ScanFinding) => f.commit?.author }, { header: 'date', cell: (f: ScanFinding) => f.commit?.date.slice(0, 10) }] : []),
    { header: 'preview', cell: (f) => f.preview },
    { header: 'fingerprint', cell: (f) => f.fingerprint },
  ];
  const table = report.findings.length > 0 ? `${formatTable(columns, report.findings)}\n` : '';
  return `${table}${summary(report)}\n`;
}

function summary(report: ScanReport): string {
  const s = report.stats;
  const bySeverity = ['critical', 'high', 'medium', 'low'].map((sev) => [sev, report.findings.filter((f) => f.severity === sev).length] as const).filter(([, n]) => n > 0);
  const found = report.findings.length === 0 ? 'No findings' : `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} (${bySeverity.map(([sev, n]) => `${n} ${sev}`).join(', ')})`;
  const where = report.kind === 'git-history' ? `${s.commits} commit${s.commits === 1 ? '' : 's'}, ${s.files} file change${s.files === 1 ? '' : 's'}` : `${s.files} file${s.files === 1 ? '' : 's'}`;
  const skipped = s.skipped === 0 ? '' : `; ${s.skipped} skipped (${[`${s.skippedBy.binary} binary`, `${s.skippedBy.tooLarge} too large`, `${s.skippedBy.unreadable} unreadable`].filter((x) => !x.startsWith('0 ')).join(', ')})`;
  const accepted = s.suppressed === 0 ? '' : `; ${s.suppressed} accepted by the baseline`;
  return `${found} in ${where}, ${formatBytes(s.bytes)} scanned${skipped}${accepted}.`;
}

function loadRules(file: string): RuleSet {
  return withUsageErrors(() => mergeRuleFile(builtinRuleSet(), parseRuleFile(readOrFail(file, '--rules'), file), file));
}

function loadBaseline(file: string): Baseline {
  return withUsageErrors(() => parseBaseline(readOrFail(file, '--baseline'), file));
}

/** A rule or baseline file that does not check is a usage error: the scan did not run. */
function withUsageErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof KeywardError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}

function readOrFail(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.usage);
  }
}

function writeOrFail(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function expiryOf(text: string): string {
  if (/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text) && !Number.isNaN(Date.parse(text))) return new Date(text).toISOString();
  try {
    return new Date(Date.now() + parseDuration(text) * 1000).toISOString();
  } catch {
    throw new CliError('--expires must be a date (2026-12-31, or an ISO 8601 time) or a duration from now (90d, 12w)', EXIT.usage);
  }
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function parseSize(text: string): number {
  const m = /^(\d+)([kmg]?)i?b?$/i.exec(text.trim());
  const bytes = m === null ? NaN : Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? NaN);
  // 1 GiB: a file is read into memory whole, and a secret is not in a file that size.
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > 1024 ** 3) throw new InvalidArgumentError('expected a size in bytes, or with k, m or g (512k, 10m), up to 1g');
  return bytes;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The OS user name, for `acceptedBy`; some containers have no passwd entry for the user. */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
