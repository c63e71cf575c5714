import { Command } from 'commander';
import type { Static } from '@sinclair/typebox';
import { MAX_TOKEN_PAGE } from '../../engine/token-service.ts';
import type { CreatedToken, TokenInfo, TokenList } from '../../server/schemas/tokens.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { parseDuration } from '../duration.ts';
import { integerIn } from '../integer-arg.ts';
import { collectString } from '../key-value-pairs.ts';
import { formatFields, formatTable, type Column } from '../table.ts';

type Info = Static<typeof TokenInfo>;
type Created = Static<typeof CreatedToken>;

/** Token text, as opposed to an accessor: refused where an accessor belongs, so it does not end up in shell history twice. */
const TOKEN_TEXT = /^kw[rt]_/;

/** `keyward token …`: create, look up, renew, revoke and list API tokens. */
export function tokenCommand(): Command {
  return new Command('token')
    .description('create, look up, renew, revoke and list API tokens')
    .addCommand(createCommand())
    .addCommand(lookupCommand())
    .addCommand(revokeCommand())
    .addCommand(renewCommand())
    .addCommand(listCommand())
    .addHelpText(
      'after',
      `
Permissions are "<action-glob>" or "<action-glob>@<key-name-glob>", e.g. "crypto.*@billing-*",
"keys.read", "audit.*". A token can only get permissions its creator holds.

Examples:
  keyward token create --permission 'crypto.encrypt@billing' --permission 'crypto.decrypt@billing' --ttl 8h --renewable
  keyward token lookup                 # the token you are using
  keyward token lookup 3f2a9c0d1e2b3a4c5d6e7f80
  keyward token renew --ttl 1h
  keyward token revoke 3f2a9c0d1e2b3a4c5d6e7f80
  keyward token revoke --self`,
    );
}

function createCommand(): Command {
  return withClientOptions(
    new Command('create')
      .description('create a token with some of your permissions; prints it ONCE')
      .requiredOption('--permission <pattern>', 'a permission (repeatable)', collectString)
      .option('--ttl <duration>', 'lifetime: seconds, or 30m, 8h, 7d (default: the server\'s, 1h)', parseDuration)
      .option('--renewable', 'the token may extend itself (`token renew`)')
      .option('--description <text>', 'what it is for')
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ permission: string[]; ttl?: number; renewable?: boolean; description?: string }>(command);
        const created = await client.post<Created>('/v1/tokens', {
          permissions: options.permission,
          ...(options.ttl !== undefined ? { ttlSeconds: options.ttl } : {}),
          ...(options.renewable ? { renewable: true } : {}),
          ...(options.description !== undefined ? { description: options.description } : {}),
        });
        out.result(created, () => `${formatFields([['Token', created.token], ...infoFields(created)])}\nThe token is shown only this once; the server keeps only its hash. Store it now.\n`);
      }),
  );
}

function lookupCommand(): Command {
  return withClientOptions(
    new Command('lookup')
      .description('show a token by accessor, or the one you are using')
      .argument('[accessor]', 'the token\'s accessor (24 hex digits); default: your own token')
      .action(async (accessor: string | undefined, _options, command: Command) => {
        const { client, out } = session(command);
        const info = await client.get<Info>(accessor === undefined ? '/v1/tokens/self' : `/v1/tokens/${checkedAccessor(accessor)}`);
        out.result(info, () => formatFields(infoFields(info)));
      }),
  );
}

function revokeCommand(): Command {
  return withClientOptions(
    new Command('revoke')
      .description('revoke a token by accessor (--self: the one you are using); it stops working at once')
      .argument('[accessor]', 'the token\'s accessor (24 hex digits)')
      .option('--self', 'revoke the token you are calling with')
      .action(async (accessor: string | undefined, _options, command: Command) => {
        const { client, out, options } = session<{ self?: boolean }>(command);
        if ((accessor === undefined) === !options.self) throw new CliError('give an accessor, or --self (not both)', EXIT.usage);
        const path = accessor === undefined ? '/v1/tokens/self/revoke' : `/v1/tokens/${checkedAccessor(accessor)}/revoke`;
        const info = await client.post<Info>(path);
        out.result(info, () => `Revoked token ${info.accessor}.\n`);
      }),
  );
}

function renewCommand(): Command {
  return withClientOptions(
    new Command('renew')
      .description('extend the token you are using (it must be renewable)')
      .option('--ttl <duration>', 'new lifetime from now (default: the TTL it was created with)', parseDuration)
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ ttl?: number }>(command);
        const info = await client.post<Info>('/v1/tokens/self/renew', options.ttl !== undefined ? { ttlSeconds: options.ttl } : {});
        out.result(info, () => `Renewed token ${info.accessor}: it expires ${info.expiresAt ?? 'never'}.\n`);
      }),
  );
}

const TOKEN_COLUMNS: readonly Column<Info>[] = [
  { header: 'accessor', cell: (t) => t.accessor },
  { header: 'type', cell: (t) => t.type },
  { header: 'expires', cell: (t) => t.expiresAt ?? 'never' },
  { header: 'renewable', cell: (t) => t.renewable },
  { header: 'revoked', cell: (t) => t.revokedAt },
  { header: 'permissions', cell: (t) => t.permissions.join(' ') },
  { header: 'description', cell: (t) => t.description },
];

function listCommand(): Command {
  return withClientOptions(
    new Command('list')
      .description('list tokens by accessor (never the tokens themselves)')
      .option('--limit <n>', `tokens per page (at most ${MAX_TOKEN_PAGE})`, integerIn(1, MAX_TOKEN_PAGE))
      .option('--after <accessor>', 'start after this accessor (the `next` of the previous page)')
      .option('--all', 'follow the pages to the last one')
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ limit?: number; after?: string; all?: boolean }>(command);
        let page = await client.get<Static<typeof TokenList>>('/v1/tokens', { limit: options.limit, after: options.after });
        const tokens = [...page.tokens];
        while (options.all && page.next !== null) {
          page = await client.get<Static<typeof TokenList>>('/v1/tokens', { limit: options.limit, after: page.next });
          tokens.push(...page.tokens);
        }
        out.result({ tokens, next: page.next }, () => (tokens.length === 0 ? 'No tokens.\n' : formatTable(TOKEN_COLUMNS, tokens)));
        if (!out.json && page.next !== null) out.note(`More tokens: add --after ${page.next}, or --all.`);
      }),
  );
}

function infoFields(info: Info): [string, string | number | boolean | null][] {
  return [
    ['Accessor', info.accessor],
    ['Type', info.type],
    ['Permissions', info.permissions.join(' ')],
    ['Description', info.description],
    ['Created', `${info.createdAt} by ${info.createdBy}`],
    ['Expires', info.expiresAt ?? 'never'],
    ['TTL', info.ttlSeconds === null ? null : `${info.ttlSeconds} s`],
    ['Renewable', info.renewable],
    ['Revoked', info.revokedAt],
  ];
}

function checkedAccessor(text: string): string {
  if (TOKEN_TEXT.test(text)) throw new CliError('that is a token, not its accessor: pass the accessor (24 hex digits), or use --self for your own token', EXIT.usage);
  return encodeURIComponent(text);
}
