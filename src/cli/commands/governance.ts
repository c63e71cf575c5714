import { Command } from 'commander';
import type { Static } from '@sinclair/typebox';
import type {
  GroupList,
  IdentityList,
  IdentityView,
  IssuedToken,
  LoginResult,
  ServiceAccountCreated,
  TotpEnrollment,
  WhoAmI,
} from '../../server/schemas/governance.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { parseDuration } from '../duration.ts';
import { collectPair, collectString } from '../key-value-pairs.ts';
import { promptSecret } from '../prompt-secret.ts';
import { readStdin } from '../read-input.ts';
import { formatFields, formatTable } from '../table.ts';

/** `keyward login|whoami|user|sa|group`: people, service accounts and groups (docs/governance.md). */

type Identity = Static<typeof IdentityView>;

const enc = encodeURIComponent;

/** Reads a secret from an env var, else stdin when piped, else a no-echo prompt. */
async function secretInput(envName: string, prompt: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) return (await readStdin({ maxBytes: 4096, what: 'secret' })).toString('utf8').replace(/\r?\n$/, '');
  return promptSecret(prompt);
}

function identityFields(i: Identity): [string, string | number | boolean | null][] {
  return [
    ['Name', i.name],
    ['Kind', i.kind],
    ['Status', i.status + (i.statusReason ? ` (${i.statusReason})` : '')],
    ['Team', i.team],
    ['Owner', i.owner],
    ['Email', i.email],
    ['Environment', i.environment],
    ['TOTP', i.totpEnabled],
    ['Last login', i.lastLoginAt],
    ['Id', i.id],
  ];
}

const identityTable = (rows: readonly Identity[]): string =>
  formatTable<Identity>(
    [
      { header: 'name', cell: (r) => r.name },
      { header: 'kind', cell: (r) => r.kind },
      { header: 'status', cell: (r) => r.status },
      { header: 'team', cell: (r) => r.team },
      { header: 'environment', cell: (r) => r.environment },
      { header: 'totp', cell: (r) => r.totpEnabled },
      { header: 'last login', cell: (r) => r.lastLoginAt },
    ],
    rows,
  );

/** `keyward login`: a person (password, TOTP) or a service account (client secret) gets a token. */
export function loginCommand(): Command {
  return withClientOptions(
    new Command('login')
      .description('log in as a person (password, then TOTP code if enrolled) or a service account (--client-id); prints a short-lived token')
      .argument('[username]', 'your user name')
      .option('--client-id <name>', 'log in as this service account (secret from KEYWARD_CLIENT_SECRET, stdin or a prompt)')
      .option('--totp <code>', 'the 6-digit TOTP code (prompted for when needed on a terminal)')
      .option('--ttl <duration>', 'token lifetime (default: the server’s, 15m)', parseDuration)
      .addHelpText('after', '\nThe password comes from KEYWARD_PASSWORD, piped stdin, or a prompt without echo.\nExample:\n  export KEYWARD_TOKEN=$(keyward login alice --json | jq -r .token)')
      .action(async (username: string | undefined, _o, command: Command) => {
        const { client, out, options } = session<{ clientId?: string; totp?: string; ttl?: number }>(command);
        const ttl = options.ttl !== undefined ? { ttlSeconds: options.ttl } : {};
        let result: Static<typeof LoginResult>;
        if (options.clientId !== undefined) {
          const clientSecret = await secretInput('KEYWARD_CLIENT_SECRET', 'Client secret: ');
          result = await client.post<Static<typeof LoginResult>>('/v1/auth/login', { clientId: options.clientId, clientSecret, ...ttl });
        } else {
          if (!username) throw new CliError('give a user name, or --client-id for a service account', EXIT.usage);
          const password = await secretInput('KEYWARD_PASSWORD', 'Password: ');
          try {
            result = await client.post<Static<typeof LoginResult>>('/v1/auth/login', { username, password, ...(options.totp ? { totp: options.totp } : {}), ...ttl });
          } catch (err) {
            if (!(err instanceof CliError) || options.totp || !process.stdin.isTTY || !/TOTP code is required/.test(err.message)) throw err;
            const totp = await promptSecret('TOTP code: ');
            result = await client.post<Static<typeof LoginResult>>('/v1/auth/login', { username, password, totp, ...ttl });
          }
        }
        out.result(result, () => `${formatFields([['Token', result.token], ['Identity', `${result.identity.kind === 'user' ? 'user' : 'sa'}:${result.identity.name}`], ['Expires', result.expiresAt], ['MFA', result.mfa]])}Use it: export KEYWARD_TOKEN=<token>\n`);
      }),
  );
}

/** `keyward whoami` */
export function whoamiCommand(): Command {
  return withClientOptions(
    new Command('whoami').description('who your token speaks for, and its role bindings').action(async (_o, command: Command) => {
      const { client, out } = session(command);
      const me = await client.get<Static<typeof WhoAmI>>('/v1/auth/whoami');
      out.result(me, () => `${formatFields([['Actor', me.actor], ['Type', me.type], ['MFA', me.mfa]])}${me.grants.length ? `\n${formatTable(
        [
          { header: 'role', cell: (g: (typeof me.grants)[number]) => g.role },
          { header: 'scope', cell: (g) => g.scope },
          { header: 'condition', cell: (g) => g.condition },
          { header: 'via group', cell: (g) => g.viaGroup },
          { header: 'binding', cell: (g) => g.bindingId },
        ],
        me.grants,
      )}` : ''}`);
    }),
  );
}

function identityCreateOptions(command: Command): Command {
  return command
    .option('--display-name <text>', 'full name')
    .option('--email <address>', 'email (matched against the HR directory in access reviews)')
    .option('--team <team>', 'team (access review flags roles beyond its keys)')
    .option('--owner <who>', 'who answers for it (required for service accounts)')
    .option('--environment <env>', 'the environment it belongs to (dev, staging, prod…): it reaches other environments’ keys only through explicit bindings')
    .option('--attribute <key=value>', 'an attribute for binding conditions (repeatable)', collectPair)
    .option('--directory-id <id>', 'its id in the HR directory')
    .option('--group <name>', 'a group to join (repeatable)', collectString);
}

function identityBody(o: { displayName?: string; email?: string; team?: string; owner?: string; environment?: string; attribute?: Record<string, string>; directoryId?: string; group?: string[] }): Record<string, unknown> {
  return {
    ...(o.displayName !== undefined ? { displayName: o.displayName } : {}),
    ...(o.email !== undefined ? { email: o.email } : {}),
    ...(o.team !== undefined ? { team: o.team } : {}),
    ...(o.owner !== undefined ? { owner: o.owner } : {}),
    ...(o.environment !== undefined ? { environment: o.environment } : {}),
    ...(o.attribute !== undefined ? { attributes: o.attribute } : {}),
    ...(o.directoryId !== undefined ? { directoryId: o.directoryId } : {}),
    ...(o.group !== undefined ? { groups: o.group } : {}),
  };
}

function statusCommands(parent: string): Command[] {
  return (
    [
      ['suspend', 'suspend it: its tokens are revoked at once'],
      ['depart', 'mark it departed (left the organisation): tokens revoked, no more logins'],
      ['reactivate', 'make it active again (old tokens stay revoked)'],
    ] as const
  ).map(([verb, description]) =>
    withClientOptions(
      new Command(verb)
        .description(description)
        .argument('<name>', `the ${parent}`)
        .option('--reason <text>', 'why (audited)')
        .action(async (name: string, _o, command: Command) => {
          const { client, out, options } = session<{ reason?: string }>(command);
          const i = await client.post<Identity>(`/v1/identities/${enc(name)}/${verb}`, options.reason ? { reason: options.reason } : {});
          out.result(i, () => formatFields(identityFields(i)));
        }),
    ),
  );
}

function showCommand(what: string): Command {
  return withClientOptions(
    new Command('show').description(`show a ${what}`).argument('<name>', `the ${what}`).action(async (name: string, _o, command: Command) => {
      const { client, out } = session(command);
      const i = await client.get<Identity>(`/v1/identities/${enc(name)}`);
      out.result(i, () => formatFields(identityFields(i)));
    }),
  );
}

function listCommand(kind: 'user' | 'service'): Command {
  return withClientOptions(
    new Command('list')
      .description(`list ${kind === 'user' ? 'people' : 'service accounts'}`)
      .option('--status <status>', 'active, suspended or departed')
      .action(async (_o, command: Command) => {
        const { client, out, options } = session<{ status?: string }>(command);
        const list = await client.get<Static<typeof IdentityList>>('/v1/identities', { kind, limit: 1000, ...(options.status ? { status: options.status } : {}) });
        out.result(list, () => identityTable(list.identities));
      }),
  );
}

/** `keyward user …` */
export function userCommand(): Command {
  const create = withClientOptions(
    identityCreateOptions(new Command('create').description('create a person; --password asks for an initial password (KEYWARD_PASSWORD, stdin or prompt)').argument('<name>', 'user name'))
      .option('--password', 'set an initial password')
      .action(async (name: string, _o, command: Command) => {
        const { client, out, options } = session<Parameters<typeof identityBody>[0] & { password?: boolean }>(command);
        const password = options.password ? await secretInput('KEYWARD_PASSWORD', 'Initial password: ') : undefined;
        const i = await client.post<Identity>('/v1/users', { name, ...identityBody(options), ...(password !== undefined ? { password } : {}) });
        out.result(i, () => formatFields(identityFields(i)));
      }),
  );
  const update = withClientOptions(
    identityCreateOptions(new Command('update').description('change a person’s or service account’s team, owner, email, environment or attributes').argument('<name>'))
      .action(async (name: string, _o, command: Command) => {
        const { client, out, options } = session<Parameters<typeof identityBody>[0]>(command);
        const { groups: _g, ...body } = identityBody(options);
        const i = await client.patch<Identity>(`/v1/identities/${enc(name)}`, body);
        out.result(i, () => formatFields(identityFields(i)));
      }),
  );
  const password = withClientOptions(
    new Command('password').description('set a password (yours, or a reset); from KEYWARD_PASSWORD, stdin or a prompt').argument('<name>').action(async (name: string, _o, command: Command) => {
      const { client, out } = session(command);
      const i = await client.put<Identity>(`/v1/identities/${enc(name)}/password`, { password: await secretInput('KEYWARD_PASSWORD', 'New password: ') });
      out.result(i, () => `password set for ${i.name}\n`);
    }),
  );
  const totpEnroll = withClientOptions(
    new Command('totp-enroll').description('start TOTP enrolment for yourself: prints the secret and an otpauth:// URI once').action(async (_o, command: Command) => {
      const { client, out } = session(command);
      const t = await client.post<Static<typeof TotpEnrollment>>('/v1/auth/totp/enroll', {});
      out.result(t, () => `${formatFields([['Secret', t.secret], ['URI', t.uri]])}Add it to your authenticator app, then: keyward user totp-confirm <code>\n`);
    }),
  );
  const totpConfirm = withClientOptions(
    new Command('totp-confirm').description('confirm TOTP enrolment with a first code').argument('<code>', '6 digits').action(async (code: string, _o, command: Command) => {
      const { client, out } = session(command);
      const i = await client.post<Identity>('/v1/auth/totp/confirm', { code });
      out.result(i, () => `TOTP enabled for ${i.name}; logins now need a code\n`);
    }),
  );
  const totpReset = withClientOptions(
    new Command('totp-reset').description('remove someone’s TOTP enrolment (lost device)').argument('<name>').action(async (name: string, _o, command: Command) => {
      const { client, out } = session(command);
      const i = await client.post<Identity>(`/v1/identities/${enc(name)}/totp/reset`, {});
      out.result(i, () => `TOTP removed for ${i.name}\n`);
    }),
  );
  const cmd = new Command('user').description('people: create, list, show, update, suspend, depart, reactivate, passwords and TOTP');
  for (const c of [create, listCommand('user'), showCommand('user'), update, ...statusCommands('user'), password, totpEnroll, totpConfirm, totpReset]) cmd.addCommand(c);
  return cmd;
}

/** `keyward sa …` */
export function serviceAccountCommand(): Command {
  const printCreated = (c: Static<typeof ServiceAccountCreated>): string =>
    `${formatFields([['Client id', c.clientId], ['Client secret', c.clientSecret], ...identityFields(c.identity).slice(1)])}The client secret is shown only this once. Log in: keyward login --client-id ${c.clientId}\n`;
  const create = withClientOptions(
    identityCreateOptions(new Command('create').description('create a service account (needs --owner); prints its client secret ONCE').argument('<name>')).action(async (name: string, _o, command: Command) => {
      const { client, out, options } = session<Parameters<typeof identityBody>[0]>(command);
      const created = await client.post<Static<typeof ServiceAccountCreated>>('/v1/service-accounts', { name, ...identityBody(options) });
      out.result(created, () => printCreated(created));
    }),
  );
  const rotate = withClientOptions(
    new Command('rotate-secret').description('issue a new client secret (the old one stops working)').argument('<name>').action(async (name: string, _o, command: Command) => {
      const { client, out } = session(command);
      const created = await client.post<Static<typeof ServiceAccountCreated>>(`/v1/service-accounts/${enc(name)}/secret`, {});
      out.result(created, () => printCreated(created));
    }),
  );
  const token = withClientOptions(
    new Command('token')
      .description('issue a token to a service account (for systems that cannot hold a client secret)')
      .argument('<name>')
      .option('--ttl <duration>', 'lifetime', parseDuration)
      .action(async (name: string, _o, command: Command) => {
        const { client, out, options } = session<{ ttl?: number }>(command);
        const t = await client.post<Static<typeof IssuedToken>>(`/v1/service-accounts/${enc(name)}/tokens`, options.ttl !== undefined ? { ttlSeconds: options.ttl } : {});
        out.result(t, () => formatFields([['Token', t.token], ['Accessor', t.accessor], ['Expires', t.expiresAt]]));
      }),
  );
  const cmd = new Command('sa').description('service accounts: create, list, show, suspend, rotate their client secret, issue tokens');
  for (const c of [create, listCommand('service'), showCommand('service account'), ...statusCommands('service account'), rotate, token]) cmd.addCommand(c);
  return cmd;
}

/** `keyward group …` */
export function groupCommand(): Command {
  const cmd = new Command('group').description('groups of identities: bindings to a group apply to its members');
  cmd.addCommand(
    withClientOptions(
      new Command('create').description('create a group').argument('<name>').option('--description <text>').option('--team <team>').action(async (name: string, _o, command: Command) => {
        const { client, out, options } = session<{ description?: string; team?: string }>(command);
        const g = await client.post<{ id: string; name: string }>('/v1/groups', { name, ...(options.description ? { description: options.description } : {}), ...(options.team ? { team: options.team } : {}) });
        out.result(g, () => `group ${g.name} created (${g.id})\n`);
      }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('list').description('list groups and their members').action(async (_o, command: Command) => {
        const { client, out } = session(command);
        const list = await client.get<Static<typeof GroupList>>('/v1/groups', { limit: 1000 });
        out.result(list, () =>
          formatTable<(typeof list.groups)[number]>(
            [
              { header: 'name', cell: (g) => g.name },
              { header: 'team', cell: (g) => g.team },
              { header: 'members', cell: (g) => (g.members ?? []).join(', ') },
            ],
            list.groups,
          ),
        );
      }),
    ),
  );
  for (const [verb, member] of [['add', true], ['remove', false]] as const) {
    cmd.addCommand(
      withClientOptions(
        new Command(verb).description(`${verb} an identity ${member ? 'to' : 'from'} a group`).argument('<group>').argument('<identity>').action(async (group: string, identity: string, _o, command: Command) => {
          const { client, out } = session(command);
          const path = `/v1/groups/${enc(group)}/members/${enc(identity)}`;
          const i = member ? await client.put<Identity>(path, {}) : await client.delete<Identity>(path);
          out.result(i, () => `${identity} ${member ? 'added to' : 'removed from'} ${group}\n`);
        }),
      ),
    );
  }
  cmd.addCommand(
    withClientOptions(
      new Command('delete').description('delete an empty group with no bindings').argument('<name>').action(async (name: string, _o, command: Command) => {
        const { client, out } = session(command);
        await client.delete(`/v1/groups/${enc(name)}`);
        out.result({ deleted: name }, () => `group ${name} deleted\n`);
      }),
    ),
  );
  return cmd;
}

/** `keyward role …` */
