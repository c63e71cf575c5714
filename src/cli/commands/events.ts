import { Command } from 'commander';
import type { Static } from '@sinclair/typebox';
import { DELIVERY_STATUSES, MAX_DELIVERY_PAGE, MAX_WEBHOOK_PAGE, WEBHOOK_ID } from '../../lifecycle/events/webhook-records.ts';
import type { CreatedWebhook, Delivery, DeliveryList, Webhook, WebhookList } from '../../server/schemas/events.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { session, withClientOptions } from '../client-options.ts';
import { followEvents, type EventJson } from '../event-stream.ts';
import { integerIn } from '../integer-arg.ts';
import { collectString } from '../key-value-pairs.ts';
import { formatFields, formatTable, type Column } from '../table.ts';

type WebhookInfo = Static<typeof Webhook>;
type DeliveryInfo = Static<typeof Delivery>;


/** `keyward events`: follow the server's key events (Server-Sent Events) as they happen. */
export function eventsCommand(): Command {
  return withClientOptions(
    new Command('events')
      .description('print key events as they happen (one a line; JSON Lines with --json) until interrupted')
      .option('--type <type>', 'only this event type or glob, e.g. key.state-changed or key.* (repeatable)', collectString)
      .option('--key <glob>', 'only events about keys whose name matches, e.g. billing-*')
      .option('--after <seq>', 'first replay the events after this sequence number (the seq of the last event you saw)', integerIn(0))
      .option('--count <n>', 'exit after this many events', integerIn(1))
      .addHelpText(
        'after',
        `
If the connection drops or the server restarts, the stream is resumed after the last event
printed: nothing is missed or printed twice. Event types: key.created, key.rotated,
key.state-changed, key.updated, key.deletion-scheduled, key.deletion-cancelled, key.destroyed,
policy.violation, breakglass.used, approval.requested|approved|denied|cancelled|expired|executed.

Examples:
  keyward events
  keyward events --type 'key.*' --key 'billing-*'
  keyward events --after 1200 --json | jq .`,
      )
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ type?: string[]; key?: string; after?: number; count?: number }>(command);
        const stop = new AbortController();
        const abort = (): void => stop.abort();
        process.once('SIGINT', abort).once('SIGTERM', abort);
        try {
          await followEvents(client, {
            ...(options.type ? { types: options.type } : {}),
            ...(options.key !== undefined ? { key: options.key } : {}),
            ...(options.after !== undefined ? { after: options.after } : {}),
            ...(options.count !== undefined ? { count: options.count } : {}),
            signal: stop.signal,
            onEvent: (e) => void process.stdout.write(out.json ? `${JSON.stringify(e)}\n` : eventLine(e)),
            onRetry: (reason, ms) => out.note(`keyward: ${reason}; reconnecting in ${Math.round(ms / 1000)} s`),
          });
        } finally {
          process.off('SIGINT', abort).off('SIGTERM', abort);
        }
      }),
  );
}

/** `keyward webhook …`: create, list, delete and test webhooks, and read their delivery log. */
export function webhookCommand(): Command {
  return new Command('webhook')
    .description('send key events to HTTPS endpoints: create, list, delete, test, delivery log')
    .addCommand(createCommand())
    .addCommand(listCommand())
    .addCommand(deleteCommand())
    .addCommand(testCommand())
    .addCommand(deliveriesCommand())
    .addHelpText(
      'after',
      `
Each event is POSTed as JSON with a Keyward-Signature header (HMAC-SHA256 with the webhook's
secret, shown once at creation); failed deliveries are retried with backoff (8 attempts over
about 10 hours). See docs/events.md for verifying signatures.

Examples:
  keyward webhook create https://hooks.example.com/keyward --type 'key.*' --key 'billing-*'
  keyward webhook test wh_0123456789abcdef01234567
  keyward webhook deliveries wh_0123456789abcdef01234567 --status failed`,
    );
}

function createCommand(): Command {
  return withClientOptions(
    new Command('create')
      .description('create a webhook; prints its signing secret ONCE')
      .argument('<url>', 'the receiver: https://… (http:// only to loopback, if the server allows insecure webhooks)')
      .option('--type <type>', 'only this event type or glob, e.g. key.* (repeatable; default: all)', collectString)
      .option('--key <glob>', 'only events about keys whose name matches')
      .option('--description <text>', 'what it is for')
      .action(async (url: string, _options, command: Command) => {
        const { client, out, options } = session<{ type?: string[]; key?: string; description?: string }>(command);
        const created = await client.post<Static<typeof CreatedWebhook>>('/v1/webhooks', {
          url,
          ...(options.type ? { types: options.type } : {}),
          ...(options.key !== undefined ? { key: options.key } : {}),
          ...(options.description !== undefined ? { description: options.description } : {}),
        });
        out.result(
          created,
          () => `${formatFields([['Secret', created.secret], ...webhookFields(created)])}\nThe secret is shown only this once: give it to the receiver to verify signatures.\n`,
        );
      }),
  );
}

const WEBHOOK_COLUMNS: readonly Column<WebhookInfo>[] = [
  { header: 'id', cell: (w) => w.id },
  { header: 'url', cell: (w) => w.url },
  { header: 'types', cell: (w) => (w.types === null ? 'all' : w.types.join(' ')) },
  { header: 'key', cell: (w) => w.key ?? 'any' },
  { header: 'created', cell: (w) => w.createdAt },
  { header: 'description', cell: (w) => w.description },
];

function listCommand(): Command {
  return withClientOptions(
    new Command('list')
      .description('list webhooks (never their secrets)')
      .option('--limit <n>', `webhooks per page (at most ${MAX_WEBHOOK_PAGE})`, integerIn(1, MAX_WEBHOOK_PAGE))
      .option('--after <id>', 'start after this webhook id (the `next` of the previous page)')
      .option('--all', 'follow the pages to the last one')
      .action(async (_options, command: Command) => {
        const { client, out, options } = session<{ limit?: number; after?: string; all?: boolean }>(command);
        let page = await client.get<Static<typeof WebhookList>>('/v1/webhooks', { limit: options.limit, after: options.after });
        const webhooks = [...page.webhooks];
        while (options.all && page.next !== null) {
          page = await client.get<Static<typeof WebhookList>>('/v1/webhooks', { limit: options.limit, after: page.next });
          webhooks.push(...page.webhooks);
        }
        out.result({ webhooks, next: page.next }, () => (webhooks.length === 0 ? 'No webhooks.\n' : formatTable(WEBHOOK_COLUMNS, webhooks)));
        if (!out.json && page.next !== null) out.note(`More webhooks: add --after ${page.next}, or --all.`);
      }),
  );
}

function deleteCommand(): Command {
  return withClientOptions(
    new Command('delete')
      .description('delete a webhook: nothing more is sent to it, pending deliveries are cancelled')
      .argument('<id>', 'the webhook id (wh_…)')
      .action(async (id: string, _options, command: Command) => {
        const { client, out } = session(command);
        const deleted = await client.post<WebhookInfo>(`/v1/webhooks/${checkedId(id)}/delete`);
        out.result(deleted, () => `Deleted webhook ${deleted.id} (${deleted.url}).\n`);
      }),
  );
}

function testCommand(): Command {
  return withClientOptions(
    new Command('test')
      .description('send a signed webhook.ping now and show what the receiver answered; exit 1 if it failed')
      .argument('<id>', 'the webhook id (wh_…)')
      .action(async (id: string, _options, command: Command) => {
        const { client, out } = session(command);
        const delivery = await client.post<DeliveryInfo>(`/v1/webhooks/${checkedId(id)}/test`);
        const attempt = delivery.attempts[0];
        out.result(delivery, () =>
          formatFields([
            ['Delivery', delivery.id],
            ['Result', delivery.status],
            ['HTTP status', attempt?.statusCode ?? null],
            ['Duration', attempt ? `${attempt.durationMs} ms` : null],
            ['Error', attempt?.error ?? null],
          ]),
        );
        if (delivery.status !== 'delivered') process.exitCode = EXIT.failure;
      }),
  );
}

const DELIVERY_COLUMNS: readonly Column<DeliveryInfo>[] = [
  { header: 'delivery', cell: (d) => d.id },
  { header: 'event', cell: (d) => d.eventType },
  { header: 'seq', cell: (d) => d.seq },
  { header: 'status', cell: (d) => d.status },
  { header: 'attempts', cell: (d) => d.attempts.length },
  { header: 'last answer', cell: (d) => lastAnswer(d) },
  { header: 'next attempt', cell: (d) => d.nextAttemptAt },
];

function deliveriesCommand(): Command {
  return withClientOptions(
    new Command('deliveries')
      .description("a webhook's delivery log: each event, its status and every attempt (--json for the attempts)")
      .argument('<id>', 'the webhook id (wh_…)')
      .option('--status <status>', `only ${DELIVERY_STATUSES.join(', ')} deliveries`)
      .option('--limit <n>', `deliveries per page (at most ${MAX_DELIVERY_PAGE})`, integerIn(1, MAX_DELIVERY_PAGE))
      .option('--after <delivery>', 'start after this delivery id (the `next` of the previous page)')
      .option('--all', 'follow the pages to the last one')
      .action(async (id: string, _options, command: Command) => {
        const { client, out, options } = session<{ status?: string; limit?: number; after?: string; all?: boolean }>(command);
        if (options.status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(options.status)) {
          throw new CliError(`--status must be one of ${DELIVERY_STATUSES.join(', ')}`, EXIT.usage);
        }
        const path = `/v1/webhooks/${checkedId(id)}/deliveries`;
        const query = { status: options.status, limit: options.limit };
        let page = await client.get<Static<typeof DeliveryList>>(path, { ...query, after: options.after });
        const deliveries = [...page.deliveries];
        while (options.all && page.next !== null) {
          page = await client.get<Static<typeof DeliveryList>>(path, { ...query, after: page.next });
          deliveries.push(...page.deliveries);
        }
        out.result({ deliveries, next: page.next }, () => (deliveries.length === 0 ? 'No deliveries.\n' : formatTable(DELIVERY_COLUMNS, deliveries)));
        if (!out.json && page.next !== null) out.note(`More deliveries: add --after ${page.next}, or --all.`);
      }),
  );
}

function webhookFields(w: WebhookInfo): [string, string | null][] {
  return [
    ['Id', w.id],
    ['URL', w.url],
    ['Types', w.types === null ? 'all' : w.types.join(' ')],
    ['Key', w.key ?? 'any'],
    ['Description', w.description],
    ['Created', `${w.createdAt} by ${w.createdBy}`],
  ];
}

/** `200`, `HTTP 500`, or why there was no answer. */
function lastAnswer(d: DeliveryInfo): string | null {
  const last = d.attempts[d.attempts.length - 1];
  if (!last) return null;
  return last.error ?? String(last.statusCode);
}

/** One event as a line: time, seq, type, key and version, actor, and what changed. */
function eventLine(e: EventJson): string {
  const key = e.keyName ?? e.keyId;
  const what = [key ? `${key}${e.version !== null ? ` v${e.version}` : ''}` : null, e.actor, change(e)].filter((p) => p !== null && p !== '');
  return `${e.time}  ${e.seq}  ${e.type}  ${what.join('  ')}\n`.replace(/[\r\t]/g, ' ');
}

function change(e: EventJson): string {
  const d = e.details;
  if (typeof d['from'] === 'string' && typeof d['to'] === 'string') return `${d['from']} -> ${d['to']}`;
  if (typeof d['from'] === 'number' && typeof d['to'] === 'number') return `${d['from']} -> ${d['to']}`;
  if (typeof d['previousVersion'] === 'number') return `v${d['previousVersion']} -> v${e.version ?? '?'}`;
  if (typeof d['requestedAction'] === 'string') return `${e.action} ${d['requestedAction']}`;
  return e.action;
}

function checkedId(id: string): string {
  if (!WEBHOOK_ID.test(id)) throw new CliError('a webhook id is wh_ and 24 hex digits (see `keyward webhook list`)', EXIT.usage);
  return id;
}
