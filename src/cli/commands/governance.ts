import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { Static } from '@sinclair/typebox';
import type {
  AccessReview,
  Approval,
  ApprovalList,
  Binding,
  BindingList,
  BreakGlass,
  BreakGlassList,
  GroupList,
  IdentityList,
  IdentityView,
  IssuedToken,
  LoginResult,
  RoleList,
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

type Identity = Static<typeof IdentityView>;
type ApprovalT = Static<typeof Approval>;
type BreakGlassT = Static<typeof BreakGlass>;
type ReviewT = Static<typeof AccessReview>;

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
export function roleCommand(): Command {
  const cmd = new Command('role').description('roles: built-in (key-admin, key-user, security-officer, auditor) and custom');
  cmd.addCommand(
    withClientOptions(
      new Command('list').description('list roles and their actions').action(async (_o, command: Command) => {
        const { client, out } = session(command);
        const list = await client.get<Static<typeof RoleList>>('/v1/roles');
        out.result(list, () =>
          formatTable<(typeof list.roles)[number]>(
            [
              { header: 'name', cell: (r) => r.name },
              { header: 'builtin', cell: (r) => r.builtin },
              { header: 'actions', cell: (r) => r.actions.join(' ') },
            ],
            list.roles,
          ),
        );
      }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('create')
        .description('create a custom role')
        .argument('<name>')
        .requiredOption('--action <glob>', 'an action glob, e.g. crypto.verify (repeatable)', collectString)
        .option('--description <text>')
        .action(async (name: string, _o, command: Command) => {
          const { client, out, options } = session<{ action: string[]; description?: string }>(command);
          const r = await client.post<{ name: string }>('/v1/roles', { name, actions: options.action, ...(options.description ? { description: options.description } : {}) });
          out.result(r, () => `role ${r.name} created\n`);
        }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('delete').description('delete an unused custom role').argument('<name>').action(async (name: string, _o, command: Command) => {
        const { client, out } = session(command);
        await client.delete(`/v1/roles/${enc(name)}`);
        out.result({ deleted: name }, () => `role ${name} deleted\n`);
      }),
    ),
  );
  return cmd;
}

const bindingTable = (rows: readonly Static<typeof Binding>[]): string =>
  formatTable<Static<typeof Binding>>(
    [
      { header: 'id', cell: (b) => b.id },
      { header: 'role', cell: (b) => b.role },
      { header: 'subject', cell: (b) => (b.subject.type === 'group' ? `group:${b.subject.name}` : b.subject.name) },
      { header: 'scope', cell: (b) => scopeText(b.scope) },
      { header: 'condition', cell: (b) => b.condition },
      { header: 'expires', cell: (b) => b.expiresAt },
    ],
    rows,
  );

function scopeText(s: Static<typeof Binding>['scope']): string {
  switch (s.type) {
    case 'all':
      return 'all';
    case 'key':
      return `key:${s.key}`;
    case 'glob':
      return `glob:${s.pattern}`;
    case 'tag':
      return `tag:${s.tag}=${s.value}`;
    case 'environment':
      return `env:${s.environment}`;
  }
}

/** `keyward binding …` */
export function bindingCommand(): Command {
  const cmd = new Command('binding').description('role bindings: who holds which role on which keys');
  cmd.addCommand(
    withClientOptions(
      new Command('create')
        .description('grant a role to user:<name>, sa:<name> or group:<name> on a scope (separation of duties is checked; tier-1 grants need approval)')
        .requiredOption('--role <role>', 'key-admin, key-user, security-officer, auditor or a custom role')
        .requiredOption('--subject <subject>', 'user:<name>, sa:<name> or group:<name>')
        .option('--scope <scope>', 'all, key:<name>, glob:<pattern>, tag:<key>=<value>, env:<environment>', 'all')
        .option('--condition <cedar>', 'a Cedar `when` expression, e.g. \'context.sourceIp.isInRange(ip("10.0.0.0/8"))\'')
        .option('--expires <time>', 'when the grant ends (ISO 8601)')
        .option('--description <text>')
        .option('--reason <text>', 'why (shown to approvers when approval is needed)')
        .action(async (_o, command: Command) => {
          const { client, out, options } = session<{ role: string; subject: string; scope: string; condition?: string; expires?: string; description?: string; reason?: string }>(command);
          const b = await client.post<Static<typeof Binding>>('/v1/bindings', {
            role: options.role,
            subject: options.subject,
            scope: options.scope,
            ...(options.condition ? { condition: options.condition } : {}),
            ...(options.expires ? { expiresAt: options.expires } : {}),
            ...(options.description ? { description: options.description } : {}),
            ...(options.reason ? { reason: options.reason } : {}),
          });
          out.result(b, () => bindingTable([b]));
        }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('list').description('list bindings (all, or --subject’s)').option('--subject <subject>', 'user:<name>, sa:<name> or group:<name>').action(async (_o, command: Command) => {
        const { client, out, options } = session<{ subject?: string }>(command);
        const list = await client.get<Static<typeof BindingList>>('/v1/bindings', { limit: 1000, ...(options.subject ? { subject: options.subject } : {}) });
        out.result(list, () => bindingTable(list.bindings));
      }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('delete').description('remove a binding').argument('<id>').action(async (id: string, _o, command: Command) => {
        const { client, out } = session(command);
        await client.delete(`/v1/bindings/${enc(id)}`);
        out.result({ deleted: id }, () => `binding ${id} deleted\n`);
      }),
    ),
  );
  return cmd;
}

function approvalFields(a: ApprovalT): [string, string | number | null][] {
  return [
    ['Id', a.id],
    ['Status', a.status],
    ['What', a.summary],
    ['Why', a.reason],
    ['Requested by', `${a.requester.actor} at ${a.createdAt}`],
    ['Quorum', `${a.votes.filter((v) => v.vote === 'approve').length} of ${a.quorum} (${a.approverRole})`],
    ['Votes', a.votes.map((v) => `${v.actor} ${v.vote}${v.comment ? ` (${v.comment})` : ''}`).join('; ') || null],
    ['Expires', a.expiresAt],
    ['Outcome', a.outcome],
  ];
}

/** `keyward approval …` */
export function approvalCommand(): Command {
  const cmd = new Command('approval').description('M-of-N approval requests for sensitive operations');
  cmd.addCommand(
    withClientOptions(
      new Command('list').description('list approval requests').option('--status <status>', 'pending, executed, failed, denied, expired or cancelled').action(async (_o, command: Command) => {
        const { client, out, options } = session<{ status?: string }>(command);
        const list = await client.get<Static<typeof ApprovalList>>('/v1/approvals', { limit: 1000, ...(options.status ? { status: options.status } : {}) });
        out.result(list, () =>
          formatTable<ApprovalT>(
            [
              { header: 'id', cell: (a) => a.id },
              { header: 'status', cell: (a) => a.status },
              { header: 'what', cell: (a) => a.summary },
              { header: 'requester', cell: (a) => a.requester.actor },
              { header: 'votes', cell: (a) => `${a.votes.filter((v) => v.vote === 'approve').length}/${a.quorum}` },
              { header: 'expires', cell: (a) => a.expiresAt },
            ],
            list.approvals,
          ),
        );
      }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('show').description('show a request').argument('<id>').action(async (id: string, _o, command: Command) => {
        const { client, out } = session(command);
        const a = await client.get<ApprovalT>(`/v1/approvals/${enc(id)}`);
        out.result(a, () => formatFields(approvalFields(a)));
      }),
    ),
  );
  for (const verb of ['approve', 'deny'] as const) {
    cmd.addCommand(
      withClientOptions(
        new Command(verb)
          .description(verb === 'approve' ? 'approve a request; at the quorum it runs' : 'deny a request; it is closed')
          .argument('<id>')
          .option('--comment <text>')
          .action(async (id: string, _o, command: Command) => {
            const { client, out, options } = session<{ comment?: string }>(command);
            const a = await client.post<ApprovalT>(`/v1/approvals/${enc(id)}/${verb}`, options.comment ? { comment: options.comment } : {});
            out.result(a, () => formatFields(approvalFields(a)));
            if (a.status === 'failed') throw new CliError(`the approved operation failed: ${a.outcome ?? ''}`);
          }),
      ),
    );
  }
  cmd.addCommand(
    withClientOptions(
      new Command('cancel').description('withdraw your own pending request').argument('<id>').action(async (id: string, _o, command: Command) => {
        const { client, out } = session(command);
        const a = await client.post<ApprovalT>(`/v1/approvals/${enc(id)}/cancel`, {});
        out.result(a, () => formatFields(approvalFields(a)));
      }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('actions').description('list the sensitive actions that approvals and break-glass cover').action(async (_o, command: Command) => {
        const { client, out } = session(command);
        const r = await client.get<{ actions: string[] }>('/v1/approvals/actions');
        out.result(r, () => `${r.actions.join('\n')}\n`);
      }),
    ),
  );
  return cmd;
}

function breakGlassFields(b: BreakGlassT): [string, string | number | boolean | null][] {
  return [
    ['Id', b.id],
    ['What', b.summary],
    ['By', `${b.user.actor} at ${b.at}`],
    ['Justification', b.justification],
    ['Succeeded', b.succeeded],
    ['Outcome', b.outcome],
    ['Review', `${b.status} (${b.reviews.length} of ${b.reviewsRequired})`],
  ];
}

/** `keyward breakglass …` */
export function breakGlassCommand(): Command {
  const cmd = new Command('breakglass').description('emergency access: run a sensitive operation without the quorum, with a justification; reviewed afterwards');
  cmd.addCommand(
    withClientOptions(
      new Command('use')
        .description('run a sensitive action now (flagged, announced, and reviewed by two other security officers)')
        .requiredOption('--action <action>', 'e.g. key.compromise, key.suspend, key.destroy (keyward approval actions)')
        .option('--key <key>', 'the key it is about')
        .option('--reason <text>', 'reason recorded with a state change')
        .requiredOption('--justification <text>', 'what happened and why the quorum could not wait (≥ 20 characters)')
        .action(async (_o, command: Command) => {
          const { client, out, options } = session<{ action: string; key?: string; reason?: string; justification: string }>(command);
          const b = await client.post<BreakGlassT>('/v1/breakglass', {
            action: options.action,
            ...(options.key ? { key: options.key } : {}),
            ...(options.reason ? { params: { reason: options.reason } } : {}),
            justification: options.justification,
          });
          out.result(b, () => formatFields(breakGlassFields(b)));
          if (!b.succeeded) throw new CliError(`the operation failed: ${b.outcome}`);
        }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('list').description('list break-glass uses').option('--open', 'only those awaiting review').action(async (_o, command: Command) => {
        const { client, out, options } = session<{ open?: boolean }>(command);
        const list = await client.get<Static<typeof BreakGlassList>>('/v1/breakglass', { limit: 1000, ...(options.open ? { status: 'open' } : {}) });
        out.result(list, () =>
          formatTable<BreakGlassT>(
            [
              { header: 'id', cell: (b) => b.id },
              { header: 'what', cell: (b) => b.summary },
              { header: 'by', cell: (b) => b.user.actor },
              { header: 'at', cell: (b) => b.at },
              { header: 'review', cell: (b) => `${b.status} ${b.reviews.length}/${b.reviewsRequired}` },
            ],
            list.uses,
          ),
        );
      }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('review')
        .description('review a use (someone other than who used it)')
        .argument('<id>')
        .option('--unjustified', 'the use was not justified (default: justified)')
        .option('--comment <text>')
        .action(async (id: string, _o, command: Command) => {
          const { client, out, options } = session<{ unjustified?: boolean; comment?: string }>(command);
          const b = await client.post<BreakGlassT>(`/v1/breakglass/${enc(id)}/review`, { verdict: options.unjustified ? 'unjustified' : 'justified', ...(options.comment ? { comment: options.comment } : {}) });
          out.result(b, () => formatFields(breakGlassFields(b)));
        }),
    ),
  );
  return cmd;
}

function reviewSummary(r: ReviewT): string {
  return `${formatFields([
    ['Review', r.id],
    ['At', `${r.at} by ${r.by}`],
    ['Directory', `${r.directorySize} people`],
    ['Identities', r.identitiesReviewed],
    ['Completed', r.completedAt ? `${r.completedAt} by ${r.completedBy}` : null],
  ])}\n${r.findings.length === 0 ? 'No findings.\n' : formatTable<ReviewT['findings'][number]>(
    [
      { header: 'finding', cell: (f) => f.type },
      { header: 'identity', cell: (f) => f.identity },
      { header: 'detail', cell: (f) => f.detail },
    ],
    r.findings,
  )}`;
}

/** `keyward review …` */
export function reviewCommand(): Command {
  const cmd = new Command('review').description('access review against the HR directory');
  cmd.addCommand(
    withClientOptions(
      new Command('import')
        .description('replace the HR directory (CSV with a header row: id,email,name,team,status,manager; or JSON / SCIM ListResponse)')
        .argument('<file>', 'the export (- for stdin)')
        .option('--format <format>', 'csv or json (default: from the file name)')
        .action(async (file: string, _o, command: Command) => {
          const { client, out, options } = session<{ format?: string }>(command);
          const content = file === '-' ? (await readStdin({ maxBytes: 200_000, what: 'directory' })).toString('utf8') : readFileSync(file, 'utf8');
          const format = options.format ?? (file.endsWith('.json') ? 'json' : 'csv');
          if (format !== 'csv' && format !== 'json') throw new CliError('--format is csv or json', EXIT.usage);
          const r = await client.put<{ people: number; active: number; departed: number; removed: number }>('/v1/reviews/directory', { format, content });
          out.result(r, () => formatFields([['People', r.people], ['Active', r.active], ['Departed', r.departed], ['Removed', r.removed]]));
        }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('run').description('reconcile identities and bindings with the directory now; exits 1 when there are findings').action(async (_o, command: Command) => {
        const { client, out } = session(command);
        const r = await client.post<ReviewT>('/v1/reviews', {});
        out.result(r, () => reviewSummary(r));
        if (r.findings.length > 0) process.exitCode = EXIT.failure;
      }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('apply')
        .description('mark the departed people of a review departed and revoke their tokens (default: the latest review)')
        .argument('[id]')
        .action(async (id: string | undefined, _o, command: Command) => {
          const { client, out } = session(command);
          const target = id ?? (await latestReview(client))?.id;
          if (!target) throw new CliError('no access review yet: keyward review run');
          const r = await client.post<{ suspended: string[]; failed: { identity: string; error: string }[] }>(`/v1/reviews/${enc(target)}/apply`, {});
          out.result(r, () => `${r.suspended.length ? `departed: ${r.suspended.join(', ')}` : 'nobody to suspend'}\n${r.failed.map((f) => `failed: ${f.identity}: ${f.error}\n`).join('')}`);
          if (r.failed.length > 0) process.exitCode = EXIT.failure;
        }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('complete').description('sign a review off').argument('[id]').option('--note <text>').action(async (id: string | undefined, _o, command: Command) => {
        const { client, out, options } = session<{ note?: string }>(command);
        const target = id ?? (await latestReview(client))?.id;
        if (!target) throw new CliError('no access review yet: keyward review run');
        const r = await client.post<ReviewT>(`/v1/reviews/${enc(target)}/complete`, options.note ? { note: options.note } : {});
        out.result(r, () => reviewSummary(r));
      }),
    ),
  );
  cmd.addCommand(
    withClientOptions(
      new Command('show').description('show a review (default: the latest)').argument('[id]').action(async (id: string | undefined, _o, command: Command) => {
        const { client, out } = session(command);
        const r = id ? await client.get<ReviewT>(`/v1/reviews/${enc(id)}`) : await latestReview(client);
        if (!r) throw new CliError('no access review yet: keyward review run');
        out.result(r, () => reviewSummary(r));
      }),
    ),
  );
  return cmd;
}

async function latestReview(client: { get<T>(path: string, query?: Record<string, string | number>): Promise<T> }): Promise<ReviewT | null> {
  const all: ReviewT[] = [];
  for (let after: string | undefined; ; ) {
    const page = await client.get<{ reviews: ReviewT[]; next: string | null }>('/v1/reviews', { limit: 1000, ...(after ? { after } : {}) });
    all.push(...page.reviews);
    if (!page.next) break;
    after = page.next;
  }
  return all.sort((a, b) => a.at.localeCompare(b.at)).at(-1) ?? null;
}
