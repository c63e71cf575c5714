import { createHash } from 'node:crypto';
import { Command } from 'commander';
import type { Static } from '@sinclair/typebox';
import { MAX_POLICY_BYTES, MAX_POLICY_HISTORY_PAGE } from '../../policy/policy-limits.ts';
import type { PolicyIssue } from '../../policy/yaml-reader.ts';
import type { Policy, PolicySubject, Violation } from '../../policy/policy-model.ts';
import type { KeyList } from '../../server/schemas/keys.ts';
import type { CurrentPolicy, PolicyEvaluation, PolicyHistory, PolicyVersionView, SetPolicyResult } from '../../server/schemas/policy.ts';
import { EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { integerIn } from '../integer-arg.ts';
import { Output } from '../output.ts';
import { stderrProgress } from '../progress.ts';
import { readFileLimited, readStdin } from '../read-input.ts';
import { formatFields, formatTable, type Column } from '../table.ts';

type Evaluation = Static<typeof PolicyEvaluation>;
type VersionView = Static<typeof PolicyVersionView>;

/** The policy modules (the YAML parser with them) load only when a command needs them. */
const policyModules = async () => ({
  ...(await import('../../policy/parse-policy.ts')),
  ...(await import('../../policy/evaluate-policy.ts')),
});

/** Keys per page while `policy test <file>` reads the server's inventory (the server's maximum). */
const KEY_PAGE = 1000;

/** `keyward policy …`: check, test, show, history and set the key policy. */
export function policyCommand(): Command {
  return new Command('policy')
    .description('the key policy (policy as code): check, test, show, history, set')
    .addCommand(checkCommand())
    .addCommand(testCommand())
    .addCommand(showCommand())
    .addCommand(historyCommand())
    .addCommand(setCommand())
    .addHelpText(
      'after',
      `
A policy is a YAML file (see docs/policy.md and examples/policy.yaml). \`check\` and \`test\` exit 1
on an invalid policy or on violations, so they can gate CI.

Examples:
  keyward policy check policy.yaml                  # offline: file:line:column for every problem
  keyward policy test policy.yaml                   # what this file would flag on the server's keys
  keyward policy test                               # the policy in force, evaluated by the server
  keyward policy set policy.yaml --comment CHG-1042
  keyward policy show --text > current.yaml
  keyward policy history`,
    );
}

function checkCommand(): Command {
  return new Command('check')
    .description('validate a policy file offline (no server); exit 1 if it is invalid')
    .argument('<file>', 'the policy file ("-" for stdin)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const out = new Output(options.json === true);
      const { parsePolicy, describePolicy } = await policyModules();
      const parsed = parsePolicy(await readPolicyFile(file));
      if (!parsed.ok) return reportInvalid(out, file, parsed.issues);
      const summary = describePolicy(parsed.policy);
      out.result({ file, valid: true, issues: [], name: parsed.policy.name, summary }, () => `${file}: valid policy "${parsed.policy.name}"\n${summary.map((l) => `  ${l}\n`).join('')}`);
    });
}

function testCommand(): Command {
  return withClientOptions(
    new Command('test')
      .description('evaluate a policy file (or, without one, the policy in force) against the server\'s keys; exit 1 on violations')
      .argument('[file]', 'a policy file to try against the keys you can list; default: the server evaluates its own policy')
      .option('--strict', 'exit 1 on warnings (`report` rules) too'),
  ).action(async (file: string | undefined, _options, command: Command) => {
    const { client, out, options } = session<{ strict?: boolean }>(command);
    let result: Evaluation;
    if (file === undefined) {
      result = await client.post<Evaluation>('/v1/policy/evaluate');
    } else {
      const { parsePolicy } = await policyModules();
      const text = await readPolicyFile(file);
      const parsed = parsePolicy(text);
      if (!parsed.ok) return reportInvalid(out, file, parsed.issues);
      const keys = await readAllKeys(client, out.json);
      result = await evaluateLocally(parsed.policy, text, keys);
    }
    out.result(result, () => evaluationText(result, file));
    if (result.policy === null) out.note('No policy is set on the server: nothing is enforced.');
    if (result.errors > 0 || (options.strict === true && result.warnings > 0)) process.exitCode = EXIT.failure;
  });
}

function showCommand(): Command {
  return withClientOptions(
    new Command('show')
      .description('the policy in force (or one version): its rules, or with --text the file as set')
      .option('--version <n>', 'a stored version instead of the current one', integerIn(1))
      .option('--text', 'print only the policy text, as it was set'),
  ).action(async (_options, command: Command) => {
    const { client, out, options } = session<{ version?: number; text?: boolean }>(command);
    const policy =
      options.version !== undefined
        ? await client.get<VersionView>(`/v1/policy/versions/${options.version}`)
        : (await client.get<Static<typeof CurrentPolicy>>('/v1/policy')).policy;
    if (policy === null) {
      out.result({ policy: null }, () => 'No policy is set: nothing is enforced. Set one with `keyward policy set <file>`.\n');
      return;
    }
    if (options.text && !out.json) {
      process.stdout.write(policy.text.endsWith('\n') ? policy.text : `${policy.text}\n`);
      return;
    }
    out.result(options.version !== undefined ? policy : { policy }, () => `${formatFields(versionFields(policy))}Rules:\n${policy.summary.map((l) => `  ${l}\n`).join('') || '  (none)\n'}`);
  });
}

const HISTORY_COLUMNS: readonly Column<Static<typeof PolicyHistory>['versions'][number]>[] = [
  { header: 'version', cell: (v) => v.version },
  { header: 'name', cell: (v) => v.name },
  { header: 'created', cell: (v) => v.createdAt },
  { header: 'author', cell: (v) => v.author },
  { header: 'sha256', cell: (v) => v.sha256.slice(0, 12) },
  { header: 'comment', cell: (v) => v.comment },
];

function historyCommand(): Command {
  return withClientOptions(
    new Command('history')
      .description('the policy\'s versions, oldest first')
      .option('--limit <n>', `versions per page (at most ${MAX_POLICY_HISTORY_PAGE})`, integerIn(1, MAX_POLICY_HISTORY_PAGE))
      .option('--after <version>', 'start after this version (the `next` of the previous page)', integerIn(0))
      .option('--all', 'follow the pages to the last one'),
  ).action(async (_options, command: Command) => {
    const { client, out, options } = session<{ limit?: number; after?: number; all?: boolean }>(command);
    let page = await client.get<Static<typeof PolicyHistory>>('/v1/policy/versions', { limit: options.limit, after: options.after });
    const versions = [...page.versions];
    while (options.all && page.next !== null) {
      page = await client.get<Static<typeof PolicyHistory>>('/v1/policy/versions', { limit: options.limit, after: page.next });
      versions.push(...page.versions);
    }
    out.result({ versions, next: page.next }, () => (versions.length === 0 ? 'No policy was ever set.\n' : formatTable(HISTORY_COLUMNS, versions)));
    if (!out.json && page.next !== null) out.note(`More versions: add --after ${page.next}, or --all.`);
  });
}

function setCommand(): Command {
  return withClientOptions(
    new Command('set')
      .description('validate a policy file and put it in force as a new version')
      .argument('<file>', 'the policy file ("-" for stdin)')
      .option('--comment <text>', 'why, for the history (e.g. a change ticket)'),
  ).action(async (file: string, _options, command: Command) => {
    const { client, out, options } = session<{ comment?: string }>(command);
    const { parsePolicy } = await policyModules();
    const text = await readPolicyFile(file);
    // Checked here first, so problems come back as file:line:column like `policy check`.
    const parsed = parsePolicy(text);
    if (!parsed.ok) return reportInvalid(out, file, parsed.issues);
    const set = await client.post<Static<typeof SetPolicyResult>>('/v1/policy/versions', { text, ...(options.comment !== undefined ? { comment: options.comment } : {}) });
    out.result(set, () =>
      set.unchanged
        ? `Policy "${set.name}" version ${set.version} already has this text; nothing changed.\n`
        : `Policy "${set.name}" is in force as version ${set.version} (sha256 ${set.sha256.slice(0, 12)}).\nSee what it flags on existing keys: keyward policy test\n`,
    );
  });
}

async function readPolicyFile(file: string): Promise<string> {
  const limits = { what: 'policy file', maxBytes: MAX_POLICY_BYTES };
  const bytes = file === '-' ? await readStdin(limits) : readFileLimited(file, limits);
  return bytes.toString('utf8');
}

/** Problems as `file:line:column: path: message` lines on stdout (or JSON); exit 1. */
async function reportInvalid(out: Output, file: string, issues: readonly PolicyIssue[]): Promise<void> {
  const { formatIssue } = await policyModules();
  out.result({ file, valid: false, issues }, () => issues.map((i) => `${formatIssue(file, i)}\n`).join(''));
  out.note(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}; the policy is invalid`);
  process.exitCode = EXIT.failure;
}

type ServerKey = Static<typeof KeyList>['keys'][number];

async function readAllKeys(client: ReturnType<typeof session>['client'], json: boolean): Promise<ServerKey[]> {
  const progress = await stderrProgress({ json, format: 'reading keys {value}' });
  try {
    const keys: ServerKey[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await client.get<Static<typeof KeyList>>('/v1/keys', { limit: KEY_PAGE, after });
      keys.push(...page.keys);
      progress.update(keys.length);
      if (page.next === null) return keys;
      after = page.next;
    }
  } finally {
    progress.stop();
  }
}

/** What the server's evaluation would answer, computed here for a policy that is not on the server. */
async function evaluateLocally(policy: Policy, text: string, keys: readonly ServerKey[]): Promise<Evaluation> {
  const { evaluateKeys } = await policyModules();
  const now = new Date();
  const violations: Violation[] = evaluateKeys(policy, keys.map(subjectOf), now);
  const errors = violations.filter((v) => v.severity === 'error').length;
  return {
    policy: { version: null, name: policy.name, sha256: createHash('sha256').update(text, 'utf8').digest('hex') },
    evaluatedAt: now.toISOString(),
    keysEvaluated: keys.length,
    errors,
    warnings: violations.length - errors,
    violations,
    truncated: false,
  };
}

/** The fields rules read, from a key as the server lists it (its schema narrows environment and tier: see keys/key-input.ts). */
function subjectOf(k: ServerKey): PolicySubject {
  return {
    id: k.id,
    name: k.name,
    spec: k.spec,
    state: k.state,
    owner: k.owner,
    purpose: k.purpose,
    environment: k.environment as PolicySubject['environment'],
    tier: k.tier as PolicySubject['tier'],
    tags: k.tags,
    description: k.description,
    rotationPeriodDays: k.rotationPeriodDays,
    createdAt: k.createdAt,
    lastRotatedAt: k.lastRotatedAt,
    stateChangedAt: k.stateChangedAt,
    destroyedAt: k.destroyedAt,
  };
}

const VIOLATION_COLUMNS: readonly Column<Violation>[] = [
  { header: 'severity', cell: (v) => v.severity },
  { header: 'rule', cell: (v) => v.ruleId },
  { header: 'key', cell: (v) => v.keyName },
  { header: 'field', cell: (v) => v.field },
  { header: 'message', cell: (v) => v.message },
];

function evaluationText(result: Evaluation, file: string | undefined): string {
  if (result.policy === null) return '';
  const source = file !== undefined ? `${file} ("${result.policy.name}")` : `policy "${result.policy.name}" version ${result.policy.version ?? '?'}`;
  const counts = `${result.keysEvaluated} key${result.keysEvaluated === 1 ? '' : 's'} against ${source}: ${result.errors} error${result.errors === 1 ? '' : 's'}, ${result.warnings} warning${result.warnings === 1 ? '' : 's'}`;
  const table = result.violations.length > 0 ? formatTable(VIOLATION_COLUMNS, result.violations) : '';
  const truncated = result.truncated ? `(only the first ${result.violations.length} violations are listed)\n` : '';
  return `${table}${truncated}${counts}\n`;
}

function versionFields(v: VersionView): [string, string | number | null][] {
  return [
    ['Name', v.name],
    ['Version', v.version],
    ['Set', `${v.createdAt} by ${v.author}`],
    ['Comment', v.comment],
    ['SHA-256', v.sha256],
  ];
}
