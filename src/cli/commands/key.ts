import { Command, InvalidArgumentError, Option } from 'commander';
import type { Static } from '@sinclair/typebox';
import { KEY_SPECS, KEY_USAGES } from '../../crypto/key-specs.ts';
import { MAX_LIST_LIMIT } from '../../engine/key-admin.ts';
import { ENVIRONMENTS, KEY_STATES } from '../../storage/records.ts';
import type { KeyList, PublicKey } from '../../server/schemas/keys.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { integerIn } from '../integer-arg.ts';
import { KEY_COLUMNS, keyText, type Key } from '../key-format.ts';
import { collectPair, collectString } from '../key-value-pairs.ts';
import { readFileLimited, readStdin } from '../read-input.ts';
import { formatTable } from '../table.ts';
import { cancelDeletionCommand, deletionsCommand, scheduleDeletionCommand } from './lifecycle.ts';

/** Raw symmetric material is 32 bytes today; anything much larger is the wrong file. */
const MAX_MATERIAL_BYTES = 1024;

interface MetadataOptions {
  readonly owner?: string;
  readonly purpose?: string;
  readonly environment?: string;
  readonly tier?: number;
  readonly tag?: Record<string, string>;
  readonly description?: string;
  readonly rotationPeriodDays?: number;
}

/** `keyward key …`: create, import, list, show, update, rotate and change the state of keys. */
export function keyCommand(): Command {
  const key = new Command('key')
    .description('manage keys: create, import, list, show, update, rotate, change state')
    .addCommand(createCommand())
    .addCommand(importCommand())
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(updateCommand())
    .addCommand(rotateCommand());
  for (const change of STATE_CHANGES) key.addCommand(stateCommand(change));
  return key
    .addCommand(minDecryptionVersionCommand())
    .addCommand(publicKeyCommand())
    .addCommand(scheduleDeletionCommand())
    .addCommand(cancelDeletionCommand())
    .addCommand(deletionsCommand())
    .addHelpText(
      'after',
      `
Examples:
  keyward key create billing --spec AES_256_GCM --owner team-pay --environment prod --tier 1 --tag cost-center=42
  keyward key create signer --spec ECC_NIST_P256
  keyward key create doc-signer --spec RSA_3072 --usage SIGN_VERIFY
  keyward key import legacy --spec AES_256_GCM --material-file legacy.key
  keyward key list --environment prod --state active --all
  keyward key show billing
  keyward key rotate billing
  keyward key disable billing --reason "incident 42"     # suspend; "enable" resumes
  keyward key destroy old-key --yes`,
    );
}

function createCommand(): Command {
  return withClientOptions(
    withMetadataOptions(
      new Command('create')
        .description('create a key with fresh material (version 1)')
        .argument('<name>', 'unique name: letters, digits, ".", "_", "-"')
        .addOption(new Option('--spec <spec>', 'key spec').choices(KEY_SPECS).makeOptionMandatory())
        .addOption(new Option('--usage <usage>', 'needed only for RSA keys').choices(KEY_USAGES))
        .option('--pre-activation', 'create it in pre-activation (use `key activate` later) instead of active'),
    ).action(async (name: string, _options, command: Command) => {
      const { client, out, options } = session<MetadataOptions & { spec: string; usage?: string; preActivation?: boolean }>(command);
      const key = await client.post<Key>('/v1/keys', {
        name,
        spec: options.spec,
        ...(options.usage !== undefined ? { usage: options.usage } : {}),
        ...(options.preActivation ? { preActivation: true } : {}),
        ...metadataBody(options),
      });
      out.result(key, () => keyText(key));
    }),
  );
}

function importCommand(): Command {
  return withClientOptions(
    withMetadataOptions(
      new Command('import')
        .description('create a symmetric key from your own material (BYOK)')
        .argument('<name>', 'unique name')
        .addOption(new Option('--spec <spec>', 'key spec (symmetric)').choices(KEY_SPECS).default('AES_256_GCM'))
        .requiredOption('--material-file <file>', 'raw key bytes (32 for AES_256_GCM); "-" for stdin'),
    ).action(async (name: string, _options, command: Command) => {
      const { client, out, options } = session<MetadataOptions & { spec: string; materialFile: string }>(command);
      const material = await readMaterial(options.materialFile);
      const body = { name, spec: options.spec, material: material.toString('base64'), ...metadataBody(options) };
      material.fill(0);
      const key = await client.post<Key>('/v1/keys/import', body);
      out.result(key, () => keyText(key));
    }),
  );
}

function listCommand(): Command {
  return withClientOptions(
    new Command('list')
      .description('list keys by name, with filters')
      .addOption(new Option('--state <state>').choices(KEY_STATES))
      .addOption(new Option('--spec <spec>').choices(KEY_SPECS))
      .addOption(new Option('--environment <env>').choices(ENVIRONMENTS))
      .option('--owner <owner>')
      .addOption(new Option('--tier <tier>').choices(['1', '2', '3']))
      .option('--tag <tag>', '"name" (has the tag) or "name=value"')
      .option('--prefix <prefix>', 'names starting with this')
      .option('--limit <n>', `keys per page (at most ${MAX_LIST_LIMIT})`, integerIn(1, MAX_LIST_LIMIT))
      .option('--after <name>', 'start after this name (the `next` of the previous page)')
      .option('--all', 'follow the pages to the last one')
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{
          state?: string; spec?: string; environment?: string; owner?: string; tier?: string; tag?: string; prefix?: string; limit?: number; after?: string; all?: boolean;
        }>(command);
        const { all, ...query } = options;
        const filter = { state: query.state, spec: query.spec, environment: query.environment, owner: query.owner, tier: query.tier, tag: query.tag, prefix: query.prefix, limit: query.limit };
        let page = await client.get<Static<typeof KeyList>>('/v1/keys', { ...filter, after: query.after });
        const keys = [...page.keys];
        while (all && page.next !== null) {
          page = await client.get<Static<typeof KeyList>>('/v1/keys', { ...filter, after: page.next });
          keys.push(...page.keys);
        }
        out.result({ keys, next: page.next }, () => (keys.length === 0 ? 'No keys.\n' : formatTable(KEY_COLUMNS, keys)));
        if (!out.json && page.next !== null) out.note(`More keys: add --after ${page.next}, or --all.`);
      }),
  );
}

function showCommand(): Command {
  return withClientOptions(
    new Command('show')
      .description('show a key, its metadata and versions')
      .argument('<key>', 'key name or id')
      .action(async (ref: string, _options, command: Command) => {
        const { client, out } = session(command);
        const key = await client.get<Key>(keyPath(ref));
        out.result(key, () => keyText(key));
      }),
  );
}

const CLEARABLE = ['owner', 'purpose', 'environment', 'tier', 'tags', 'description', 'rotation-period-days'] as const;

function updateCommand(): Command {
  return withClientOptions(
    withMetadataOptions(
      new Command('update')
        .description('change a key\'s metadata (--tag replaces all tags with the ones given)')
        .argument('<key>', 'key name or id')
        .option('--clear <field>', `remove a field (repeatable): ${CLEARABLE.join(', ')}`, collectClearable),
    ).action(async (ref: string, _options, command: Command) => {
      const { client, out, options } = session<MetadataOptions & { clear?: string[] }>(command);
      const body: Record<string, unknown> = metadataBody(options);
      for (const field of options.clear ?? []) {
        const name = field === 'rotation-period-days' ? 'rotationPeriodDays' : field;
        if (name in body) throw new CliError(`--clear ${field} contradicts the value given for it`, EXIT.usage);
        body[name] = field === 'tags' ? {} : null;
      }
      if (Object.keys(body).length === 0) throw new CliError('nothing to update: give a metadata option or --clear', EXIT.usage);
      const key = await client.patch<Key>(keyPath(ref), body);
      out.result(key, () => keyText(key));
    }),
  );
}

function collectClearable(field: string, previous: string[] | undefined): string[] {
  if (!(CLEARABLE as readonly string[]).includes(field)) throw new InvalidArgumentError(`one of ${CLEARABLE.join(', ')}`);
  return collectString(field, previous);
}

function rotateCommand(): Command {
  return withClientOptions(
    new Command('rotate')
      .description('add a key version and make it current (older versions keep decrypting and verifying)')
      .argument('<key>', 'key name or id')
      .option('--material-file <file>', 'new raw material, for imported keys only; "-" for stdin')
      .action(async (ref: string, _options, command: Command) => {
        const { client, out, options } = session<{ materialFile?: string }>(command);
        let body = {};
        if (options.materialFile !== undefined) {
          const material = await readMaterial(options.materialFile);
          body = { material: material.toString('base64') };
          material.fill(0);
        }
        const key = await client.post<Key>(`${keyPath(ref)}/rotate`, body);
        out.result(key, () => `Rotated "${key.name}": version ${key.currentVersion} is current.\n`);
      }),
  );
}

interface StateChange {
  readonly command: string;
  /** The action the server knows (ChangeStateBody). */
  readonly action: 'activate' | 'suspend' | 'resume' | 'deactivate' | 'compromise' | 'destroy';
  readonly alias?: string;
  readonly description: string;
}

const STATE_CHANGES: readonly StateChange[] = [
  { command: 'enable', action: 'resume', alias: 'resume', description: 'resume a suspended key (suspended → active)' },
  { command: 'disable', action: 'suspend', alias: 'suspend', description: 'suspend a key: no use at all until enabled again (active → suspended)' },
  { command: 'activate', action: 'activate', description: 'activate a key created in pre-activation' },
  { command: 'deactivate', action: 'deactivate', description: 'retire a key: it only decrypts and verifies from now on' },
  { command: 'compromise', action: 'compromise', description: 'mark a key compromised: it only decrypts and verifies, and every use is flagged' },
  { command: 'destroy', action: 'destroy', description: 'erase the key material for good (crypto-shredding); needs --yes' },
];

function stateCommand(change: StateChange): Command {
  const command = new Command(change.command)
    .description(change.description)
    .argument('<key>', 'key name or id')
    .option('--reason <text>', 'why; recorded in the audit log');
  if (change.alias) command.alias(change.alias);
  if (change.action === 'destroy') command.option('--yes', 'confirm: the material cannot be recovered, and nothing encrypted under the key can be decrypted again');
  return withClientOptions(
    command.action(async (ref: string, _options, cmd: Command) => {
      const { client, out, options } = session<{ reason?: string; yes?: boolean }>(cmd);
      if (change.action === 'destroy' && !options.yes) {
        throw new CliError('destroying a key erases its material for good: add --yes to confirm', EXIT.usage);
      }
      const key = await client.post<Key>(`${keyPath(ref)}/state`, { action: change.action, ...(options.reason !== undefined ? { reason: options.reason } : {}) });
      out.result(key, () => `Key "${key.name}" is now ${key.state}.\n`);
    }),
  );
}

function minDecryptionVersionCommand(): Command {
  return withClientOptions(
    new Command('min-decryption-version')
      .description('refuse to decrypt data encrypted under versions below this one')
      .argument('<key>', 'key name or id')
      .argument('<version>', 'the lowest version still allowed to decrypt', integerIn(1))
      .action(async (ref: string, version: number, _options, command: Command) => {
        const { client, out } = session(command);
        const key = await client.post<Key>(`${keyPath(ref)}/min-decryption-version`, { version });
        out.result(key, () => `Key "${key.name}" now decrypts only versions ${key.minDecryptionVersion} and later.\n`);
      }),
  );
}

function publicKeyCommand(): Command {
  return withClientOptions(
    new Command('public-key')
      .description('print the public key (SPKI PEM) of an asymmetric key')
      .argument('<key>', 'key name or id')
      .option('--version <n>', 'key version (default: the current one)', integerIn(1))
      .action(async (ref: string, _options, command: Command) => {
        const { client, out, options } = session<{ version?: number }>(command);
        const result = await client.get<Static<typeof PublicKey>>(`${keyPath(ref)}/public-key`, { version: options.version });
        out.result(result, () => (result.publicKey.endsWith('\n') ? result.publicKey : `${result.publicKey}\n`));
      }),
  );
}

function withMetadataOptions(command: Command): Command {
  return command
    .option('--owner <owner>', 'owning team or person')
    .option('--purpose <text>', 'what the key protects')
    .addOption(new Option('--environment <env>').choices(ENVIRONMENTS))
    .option('--tier <tier>', 'classification: 1 (most sensitive) to 3', integerIn(1, 3))
    .option('--tag <key=value>', 'a tag (repeatable)', collectPair)
    .option('--description <text>')
    .option('--rotation-period-days <days>', 'rotation period', integerIn(1, 3650));
}

function metadataBody(options: MetadataOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (options.owner !== undefined) body['owner'] = options.owner;
  if (options.purpose !== undefined) body['purpose'] = options.purpose;
  if (options.environment !== undefined) body['environment'] = options.environment;
  if (options.tier !== undefined) body['tier'] = options.tier;
  if (options.tag !== undefined) body['tags'] = options.tag;
  if (options.description !== undefined) body['description'] = options.description;
  if (options.rotationPeriodDays !== undefined) body['rotationPeriodDays'] = options.rotationPeriodDays;
  return body;
}

async function readMaterial(file: string): Promise<Buffer> {
  const limits = { what: 'key material', maxBytes: MAX_MATERIAL_BYTES };
  return file === '-' ? readStdin(limits) : readFileLimited(file, limits);
}

function keyPath(ref: string): string {
  return `/v1/keys/${encodeURIComponent(ref)}`;
}
