import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { AuditRun } from '../../assess/model.ts';
import { isKeywardError } from '../../core/errors.ts';
import { CSV_TABLES, formatForFileName, REPORT_FORMATS, type CsvTable, type ReportFormat } from '../../report/report-formats.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions, type GlobalOptions } from '../client-options.ts';
import type { KeywardClient } from '../http-client.ts';
import { readFileLimited, readStdin } from '../read-input.ts';

/**
 * A saved run larger than this is refused. A run with 50,000 findings (about 1 kB each as JSON,
 * evidence included) is about 50 MB; a larger file is more likely a wrong file than a run.
 */
const MAX_RUN_FILE_BYTES = 64 * 1024 * 1024;

/** Run ids are newId() values (`run_…`); this only keeps the path segment sane. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

interface ReportOptions {
  readonly format?: ReportFormat;
  readonly output?: string;
  readonly input?: string;
  readonly csvTable?: CsvTable;
}

/** `keyward report <run-id|latest>`: render an audit run as HTML, Markdown, JSON, SARIF or CSV. */
export function reportCommand(): Command {
  return withClientOptions(
    new Command('report')
      .description('render an audit run as HTML, Markdown, JSON, SARIF or CSV (from the server, or offline from a saved run)')
      .argument('[run]', 'the audit run id, or "latest"; omit it with --input')
      .addOption(new Option('--format <format>', 'output format (default: from the --output file name)').choices(REPORT_FORMATS))
      .option('-o, --output <file>', 'write the report to this file (mode 0600 when created) instead of stdout')
      .option('--input <file>', 'render a run saved as JSON (`-` for stdin) instead of fetching one; no server needed')
      .addOption(new Option('--csv-table <table>', 'with --format csv: which table (default findings)').choices(CSV_TABLES))
      .addHelpText(
        'after',
        `
--json is the same as --format json. The HTML report is one self-contained file (inline style and
charts, no script, nothing fetched); SARIF 2.1.0 is for code-scanning tools; CSV quotes per RFC 4180
and neutralises spreadsheet formulas.

Examples:
  keyward report latest --output audit.html
  keyward report run_7d2f9a0c1b3e5d7f9a1c3e5b --format md > audit.md
  keyward report latest --format sarif --output keyward.sarif
  keyward report latest --format csv --csv-table remediation --output plan.csv
  keyward report --input run.json --format html --output audit.html   # offline`,
      )
      .action(async (runArg: string | undefined, _options, command: Command) => {
        const options = command.opts<ReportOptions & GlobalOptions>();
        const format = chosenFormat(options);
        if (options.csvTable !== undefined && format !== 'csv') throw new CliError('--csv-table goes with --format csv', EXIT.usage);
        // Offline (--input) no client is made: no address to check, no token warning.
        const run = options.input !== undefined ? await savedRun(options.input, runArg) : await fetchedRun(session(command).client, runArg);
        const { renderReport } = await import('../../report/render-report.ts');
        const text = renderReport(run, format, { version: keywardVersion(), ...(options.csvTable !== undefined ? { csvTable: options.csvTable } : {}) });
        if (options.output === undefined) {
          process.stdout.write(text);
          return;
        }
        try {
          writeFileSync(options.output, text, { mode: 0o600 });
        } catch (err) {
          throw new CliError(`cannot write ${options.output}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        const findings = run.results.reduce((sum, r) => sum + r.findings.length, 0);
        // The id comes from the run: no control characters from it reach the terminal.
        // eslint-disable-next-line no-control-regex
        process.stderr.write(`Wrote the ${format} report of run ${run.id.replace(/[\u0000-\u001f\u007f]/g, '?')} (${findings} findings) to ${options.output}.\n`);
      }),
  );
}

function chosenFormat(options: ReportOptions & GlobalOptions): ReportFormat {
  if (options.json && options.format !== undefined && options.format !== 'json') throw new CliError(`--json means --format json; it cannot go with --format ${options.format}`, EXIT.usage);
  if (options.format !== undefined) return options.format;
  if (options.json) return 'json';
  const implied = options.output !== undefined ? formatForFileName(options.output) : null;
  if (implied !== null) return implied;
  throw new CliError(`give --format ${REPORT_FORMATS.join('|')} (or an --output file name ending in .html, .md, .json, .sarif or .csv)`, EXIT.usage);
}

async function fetchedRun(client: KeywardClient, runArg: string | undefined): Promise<AuditRun> {
  if (runArg === undefined) throw new CliError('give a run id, "latest", or --input FILE', EXIT.usage);
  let id = runArg;
  if (runArg === 'latest') {
    const page = await client.get<{ runs?: { id?: unknown }[] }>('/v1/audit-runs', { limit: 1 });
    const newest = page.runs?.[0]?.id;
    if (typeof newest !== 'string') throw new CliError('there are no audit runs on this server yet');
    id = newest;
  } else if (!RUN_ID.test(runArg)) {
    throw new CliError(`"${runArg}" is not a run id (like run_7d2f9a0c1b3e5d7f9a1c3e5b) or "latest"`, EXIT.usage);
  }
  const answer = await client.get<unknown>(`/v1/audit-runs/${encodeURIComponent(id)}`);
  return checkedRun(unwrapped(answer), `the server's answer for run ${id}`, EXIT.failure);
}

async function savedRun(file: string, runArg: string | undefined): Promise<AuditRun> {
  if (runArg !== undefined) throw new CliError('give a run id or --input, not both', EXIT.usage);
  const limits = { what: 'saved run', maxBytes: MAX_RUN_FILE_BYTES };
  const bytes = file === '-' ? await readStdin(limits) : readFileLimited(file, limits);
  const where = file === '-' ? 'stdin' : file;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new CliError(`${where} is not JSON: save a run with \`keyward report <run> --format json\``, EXIT.usage);
  }
  return checkedRun(unwrapped(value), where, EXIT.usage);
}

/** The run itself, or the run inside a `{ "run": … }` envelope: both are accepted, from a file or a server. */
function unwrapped(value: unknown): unknown {
  return value !== null && typeof value === 'object' && 'run' in value && !('id' in value) ? value.run : value;
}

async function checkedRun(value: unknown, where: string, exitCode: number): Promise<AuditRun> {
  // TypeBox's compiler loads only for this command, not on every start of the CLI.
  const { parseAuditRun } = await import('../../report/audit-run-schema.ts');
  try {
    return parseAuditRun(value);
  } catch (err) {
    if (isKeywardError(err)) throw new CliError(`${where}: ${err.message}`, exitCode);
    throw err;
  }
}

/** The package version, for the report footer and SARIF; the same relative path works from src/ and dist/. */
function keywardVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
