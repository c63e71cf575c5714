import {
  DescribeKeyCommand,
  GetKeyLastUsageCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  type AliasListEntry,
  type KeyListEntry,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { KeywardError } from '../../core/errors.ts';
import type { ItemDraft, ItemState, ItemType, RotationSchedule } from '../inventory-item.ts';
import { attributes, boundedTags, laterOf, sizeFromAlgorithm, textOrNull, withTagMetadata } from '../item-fields.ts';
import { checkSourceLabel, connectorSource } from '../source-name.ts';
import { checkItemCount, mapLimit, required, Warnings, type Connector, type ConnectorConfig, type ConnectorCredentials, type DiscoveryContext, type Discovery } from './connector.ts';
import { checkEndpoint, networkReason } from './rest-client.ts';

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$|^[a-z0-9-]{2,32}$/;
const ACCOUNT = /^\d{12}$/;
/** Pages followed per list before giving up on a server that never stops paginating. */
const MAX_PAGES = 10_000;

const STATE_BY_KEY_STATE: Readonly<Record<string, ItemState>> = {
  Enabled: 'enabled',
  Disabled: 'disabled',
  PendingDeletion: 'pending-deletion',
  PendingReplicaDeletion: 'pending-deletion',
  PendingImport: 'pending-import',
  Unavailable: 'unavailable',
  Creating: 'pending-activation',
  Updating: 'enabled',
};

/** Answers that mean "this endpoint does not have that (newer) operation": the call is dropped for the run. */
const UNSUPPORTED = new Set(['UnknownOperationException', 'UnsupportedOperationException', 'InvalidAction', 'NotImplemented', 'UnrecognizedClientOperation']);

type Send = <O>(command: { readonly input: unknown }, what: string) => Promise<O>;

/**
 * AWS KMS (or any endpoint speaking its JSON 1.1 protocol) through @aws-sdk/client-kms:
 * ListKeys and ListAliases (paged by Marker), then per key DescribeKey, GetKeyRotationStatus
 * (symmetric keys with KMS-made material), ListResourceTags (customer keys), and — where the
 * endpoint has them — ListKeyRotations (last rotation) and GetKeyLastUsage (last use).
 * Credentials: the run's access key, else the SDK's usual chain on the server (environment,
 * shared files, instance role). Source `aws-kms:<account>/<region>`.
 */
export const awsKmsConnector: Connector = {
  kind: 'aws-kms',
  async discover(config: ConnectorConfig, credentials: ConnectorCredentials, ctx: DiscoveryContext): Promise<Discovery> {
    const region = required(config.region, 'region', 'the AWS region, e.g. eu-west-1');
    if (!REGION.test(region)) throw new KeywardError('validation_failed', 'region must be an AWS region such as eu-west-1', { field: 'region' });
    const endpoint = config.endpoint !== undefined ? checkEndpoint(config.endpoint, { field: 'endpoint', allowInsecureHttp: config.allowInsecureHttp }) : null;
    const account = config.account?.trim() || null;
    if (account !== null && !ACCOUNT.test(account)) throw new KeywardError('validation_failed', 'account must be a 12-digit AWS account id', { field: 'account' });
    const explicit = credentials.accessKeyId !== undefined || credentials.secretAccessKey !== undefined;
    if (explicit && (!credentials.accessKeyId || !credentials.secretAccessKey)) {
      throw new KeywardError('validation_failed', 'give both the access key id and the secret access key (or neither, for the server\'s own AWS credentials)', { field: 'credentials' });
    }
    const where = endpoint ? endpoint.origin : `AWS KMS ${region}`;
    const secrets = [credentials.secretAccessKey, credentials.sessionToken].filter((s): s is string => typeof s === 'string' && s.length > 0);
    const client = new KMSClient({
      region,
      maxAttempts: 3,
      ...(endpoint ? { endpoint: endpoint.href.replace(/\/$/, '') } : {}),
      ...(explicit
        ? { credentials: { accessKeyId: credentials.accessKeyId as string, secretAccessKey: credentials.secretAccessKey as string, ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}) } }
        : {}),
      requestHandler: { connectionTimeout: ctx.timeoutMs, requestTimeout: ctx.timeoutMs, throwOnRequestTimeout: true },
    });
    const send: Send = async <O>(command: { readonly input: unknown }, what: string): Promise<O> => {
      try {
        return (await client.send(command as never)) as O;
      } catch (err) {
        throw awsFailure(err, { where, what, endpoint: endpoint?.origin ?? `kms.${region}.amazonaws.com`, secrets });
      }
    };
    try {
      return await discoverWith(send, { config, region, account, where, ctx });
    } finally {
      client.destroy();
    }
  },
};

async function discoverWith(send: Send, run: { config: ConnectorConfig; region: string; account: string | null; where: string; ctx: DiscoveryContext }): Promise<Discovery> {
  const { ctx } = run;
  ctx.onProgress?.({ phase: 'listing', done: 0, total: null });
  const keys = await listPaged<KeyListEntry>(send, 'ListKeys', (Marker) => new ListKeysCommand({ Limit: 1000, ...(Marker ? { Marker } : {}) }), (o) => (o as { Keys?: KeyListEntry[] }).Keys);
  checkItemCount('aws-kms', keys.length);
  const aliases = await listPaged<AliasListEntry>(send, 'ListAliases', (Marker) => new ListAliasesCommand({ Limit: 100, ...(Marker ? { Marker } : {}) }), (o) => (o as { Aliases?: AliasListEntry[] }).Aliases);
  const aliasesByKey = new Map<string, string[]>();
  for (const a of aliases) {
    if (!a.TargetKeyId || !a.AliasName) continue;
    aliasesByKey.set(a.TargetKeyId, [...(aliasesByKey.get(a.TargetKeyId) ?? []), a.AliasName.replace(/^alias\//, '')]);
  }
  ctx.onProgress?.({ phase: 'listing', done: keys.length, total: keys.length });

  const warnings = new Warnings();
  const optional = new OptionalCalls(warnings);
  let done = 0;
  const items = await mapLimit(
    keys.filter((k) => k.KeyId),
    ctx.concurrency,
    async (entry): Promise<ItemDraft> => {
      const keyId = entry.KeyId as string;
      const names = (aliasesByKey.get(keyId) ?? []).sort();
      let draft: ItemDraft;
      try {
        draft = await describeKey(send, optional, keyId, names, run.region);
      } catch (err) {
        if (!(err instanceof KeywardError)) throw err;
        warnings.add(`key ${keyId}: ${err.message}`);
        draft = { name: names[0] ?? keyId, externalId: entry.KeyArn ?? keyId, location: run.region };
      }
      ctx.onProgress?.({ phase: 'describing', done: ++done, total: keys.length });
      return draft;
    },
  );
  const account = run.account ?? accountFromArns([...keys.map((k) => k.KeyArn), ...aliases.map((a) => a.AliasArn)]);
  const label = run.config.name !== undefined ? checkSourceLabel(run.config.name) : account !== null ? `${account}/${run.region}` : null;
  return {
    source: label === null ? null : connectorSource('aws-kms', label),
    config: { region: run.region, ...(run.config.endpoint !== undefined ? { endpoint: run.where } : {}), ...(account !== null ? { account } : {}) },
    items,
    warnings: warnings.done(),
  };
}

async function describeKey(send: Send, optional: OptionalCalls, keyId: string, aliasNames: readonly string[], region: string): Promise<ItemDraft> {
  const { KeyMetadata: meta } = await send<{ KeyMetadata?: KeyMetadata }>(new DescribeKeyCommand({ KeyId: keyId }), `DescribeKey ${keyId}`);
  if (!meta) throw new KeywardError('connector_failed', `DescribeKey ${keyId}: no KeyMetadata in the answer`, { connector: 'aws-kms' });
  const spec = meta.KeySpec ?? meta.CustomerMasterKeySpec ?? null;
  const customer = meta.KeyManager !== 'AWS';
  const usable = meta.KeyState !== 'PendingDeletion' && meta.KeyState !== 'PendingImport' && meta.KeyState !== 'PendingReplicaDeletion';
  const rotates = spec === 'SYMMETRIC_DEFAULT' && meta.Origin === 'AWS_KMS' && usable;

  let rotation: RotationSchedule = { enabled: false, periodDays: null };
  if (rotates) {
    const status = await send<{ KeyRotationEnabled?: boolean; RotationPeriodInDays?: number }>(new GetKeyRotationStatusCommand({ KeyId: keyId }), `GetKeyRotationStatus ${keyId}`);
    // AWS managed keys rotate every year; the answer may omit the period for them.
    rotation = { enabled: status.KeyRotationEnabled === true, periodDays: status.KeyRotationEnabled ? (status.RotationPeriodInDays ?? 365) : null };
  }
  let tags: Record<string, string> = {};
  if (customer) {
    const list = await listPaged<{ TagKey?: string; TagValue?: string }>(
      send,
      `ListResourceTags ${keyId}`,
      (Marker) => new ListResourceTagsCommand({ KeyId: keyId, Limit: 50, ...(Marker ? { Marker } : {}) }),
      (o) => (o as { Tags?: { TagKey?: string; TagValue?: string }[] }).Tags,
    );
    tags = Object.fromEntries(list.filter((t) => t.TagKey).map((t) => [t.TagKey as string, t.TagValue ?? '']));
  }
  let lastRotatedAt: string | null = null;
  if (rotates && customer) {
    const rotations = await optional.call('ListKeyRotations', keyId, () =>
      listPaged<{ RotationDate?: Date }>(send, `ListKeyRotations ${keyId}`, (Marker) => new ListKeyRotationsCommand({ KeyId: keyId, Limit: 1000, ...(Marker ? { Marker } : {}) }), (o) => (o as { Rotations?: { RotationDate?: Date }[] }).Rotations),
    );
    for (const r of rotations ?? []) lastRotatedAt = laterOf(lastRotatedAt, isoOrNull(r.RotationDate));
  }
  const usage = usable ? await optional.call('GetKeyLastUsage', keyId, () => send<{ KeyLastUsage?: { Timestamp?: Date } }>(new GetKeyLastUsageCommand({ KeyId: keyId }), `GetKeyLastUsage ${keyId}`)) : null;
  const type: ItemType = spec === 'SYMMETRIC_DEFAULT' ? 'symmetric' : spec?.startsWith('HMAC_') ? 'hmac' : spec ? 'asymmetric' : 'secret';
  return withTagMetadata({
    name: aliasNames[0] ?? keyId,
    externalId: meta.Arn ?? keyId,
    type,
    algorithm: spec,
    sizeBits: spec === 'SYMMETRIC_DEFAULT' || spec === 'SM2' ? 256 : spec ? sizeFromAlgorithm(spec) : null,
    usage: meta.KeyUsage ?? null,
    purpose: textOrNull(meta.Description),
    location: region,
    createdAt: isoOrNull(meta.CreationDate),
    lastRotatedAt,
    ...(usage !== undefined ? { lastUsedAt: isoOrNull(usage?.KeyLastUsage?.Timestamp) } : {}),
    expiresAt: isoOrNull(meta.ValidTo),
    rotation,
    state: STATE_BY_KEY_STATE[meta.KeyState ?? ''] ?? 'unknown',
    fingerprint: null,
    tags: boundedTags(tags),
    attributes: attributes({
      keyId,
      aliases: aliasNames.join(','),
      keyManager: meta.KeyManager,
      origin: meta.Origin,
      providerState: meta.KeyState,
      multiRegion: meta.MultiRegion,
      customKeyStoreId: meta.CustomKeyStoreId,
      deletionDate: isoOrNull(meta.DeletionDate),
      pendingDeletionWindowInDays: meta.PendingDeletionWindowInDays,
    }),
  });
}

/** Newer operations some KMS-compatible endpoints lack: the first "unknown operation" drops the call for the run. */
class OptionalCalls {
  readonly #warnings: Warnings;
  readonly #dropped = new Set<string>();

  constructor(warnings: Warnings) {
    this.#warnings = warnings;
  }

  /** The result; undefined when the operation is unsupported or failed for this key (a warning says which). */
  async call<T>(operation: string, keyId: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.#dropped.has(operation)) return undefined;
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof KeywardError)) throw err;
      const awsError = err.details['awsError'];
      const unknown = operation === 'GetKeyLastUsage' ? 'last use' : 'last rotation';
      if ((typeof awsError === 'string' && UNSUPPORTED.has(awsError)) || err.details['status'] === 404 || err.details['status'] === 501) {
        this.#dropped.add(operation);
        this.#warnings.add(`the endpoint does not support ${operation}; ${unknown} is unknown`);
      } else if (awsError === 'AccessDeniedException') {
        // A policy without this newer permission would otherwise give one warning per key.
        this.#dropped.add(operation);
        this.#warnings.add(`not allowed to call ${operation} (AccessDeniedException); ${unknown} is unknown`);
      } else {
        this.#warnings.add(`key ${keyId}: ${err.message}`);
      }
      return undefined;
    }
  }
}

async function listPaged<T>(send: Send, what: string, command: (marker: string | undefined) => { readonly input: unknown }, items: (output: unknown) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const output = await send<{ NextMarker?: string; Truncated?: boolean }>(command(marker), what);
    out.push(...(items(output) ?? []));
    checkItemCount('aws-kms', out.length);
    if (!output.Truncated || !output.NextMarker) return out;
    marker = output.NextMarker;
  }
  throw new KeywardError('connector_failed', `${what}: more than ${MAX_PAGES} pages`, { connector: 'aws-kms' });
}

/** The account id in `arn:<partition>:kms:<region>:<account>:key/<id>` (or an alias ARN). */
function accountFromArns(arns: readonly (string | undefined)[]): string | null {
  for (const arn of arns) {
    const m = arn ? /^arn:[a-z-]+:kms:[^:]*:(\d{12}):/.exec(arn) : null;
    if (m) return m[1] as string;
  }
  return null;
}

function isoOrNull(value: Date | undefined): string | null {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : null;
}

/** An SDK failure as `connector_failed`: the AWS error name, HTTP status and message, never the credential. */
function awsFailure(err: unknown, at: { where: string; what: string; endpoint: string; secrets: readonly string[] }): KeywardError {
  const e = err as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : null;
  let reason: string;
  if (name === 'TimeoutError' || name === 'RequestTimeout') reason = 'no answer in time';
  else if (name === 'CredentialsProviderError') reason = 'no AWS credentials: give an access key, or give the server an AWS identity (environment, shared files, instance role)';
  else if (status === null && (err as { code?: unknown }).code !== undefined) reason = `cannot connect (${networkReason(err)})`;
  else reason = `${name}${status !== null ? ` (HTTP ${status})` : ''}${typeof e.message === 'string' && e.message !== '' && e.message !== name ? `: ${e.message}` : ''}`;
  for (const secret of at.secrets) reason = reason.split(secret).join('[redacted]');
  return new KeywardError('connector_failed', `aws-kms at ${at.where}: ${at.what}: ${reason.slice(0, 300)}`, { connector: 'aws-kms', endpoint: at.endpoint, status, awsError: name });
}
