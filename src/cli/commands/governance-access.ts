import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { Static } from '@sinclair/typebox';
import type { AccessReview, Approval, ApprovalList, Binding, BindingList, BreakGlass, BreakGlassList, RoleList } from '../../server/schemas/governance.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { collectString } from '../key-value-pairs.ts';
import { readStdin } from '../read-input.ts';
import { formatFields, formatTable } from '../table.ts';

/** `keyward role|binding|approval|breakglass|review`: who may do what, and the process around it (docs/governance.md). */

type ApprovalT = Static<typeof Approval>;
type BreakGlassT = Static<typeof BreakGlass>;
type ReviewT = Static<typeof AccessReview>;

const enc = encodeURIComponent;

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
