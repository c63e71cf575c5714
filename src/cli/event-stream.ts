import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Static } from '@sinclair/typebox';
import type { KeyEvent } from '../server/schemas/events.ts';
import { CliError, EXIT } from './cli-error.ts';
import type { KeywardClient } from './http-client.ts';

export type EventJson = Static<typeof KeyEvent>;

/** One Server-Sent Events message. */
export interface SseMessage {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

/** Bounds a line the parser buffers: an event is a few hundred bytes; a line this long is not ours. */
const MAX_LINE = 1024 * 1024;

/** Incremental `text/event-stream` parser (the WHATWG rules: fields, comments, blank-line dispatch). */
export class SseParser {
  #rest = '';
  #id: string | null = null;
  #event = '';
  #data: string[] = [];

  /** Feeds text; returns the messages completed by it. */
  push(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    const lines = (this.#rest + text).split(/\r\n|\r|\n/);
    this.#rest = lines.pop() ?? '';
    if (this.#rest.length > MAX_LINE) throw new CliError('the server sent an event stream line over 1 MiB; is --addr a Keyward server?');
    for (const line of lines) {
      if (line === '') {
        if (this.#data.length > 0) out.push({ id: this.#id, event: this.#event || 'message', data: this.#data.join('\n') });
        this.#event = '';
        this.#data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') this.#data.push(value);
      else if (field === 'event') this.#event = value;
      else if (field === 'id' && !value.includes('\0')) this.#id = value;
    }
    return out;
  }
}

export interface FollowEventsOptions {
  readonly types?: readonly string[];
  readonly key?: string;
  /** Start after this event's seq; absent: from now on. */
  readonly after?: number;
  /** Stop after this many events. */
  readonly count?: number;
  readonly signal: AbortSignal;
  readonly onEvent: (event: EventJson) => void;
  /** Told when the connection was lost and is retried (for a note on stderr). */
  readonly onRetry?: (reason: string, delayMs: number) => void;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * Prints the server's event stream until aborted (or `count` events): when the stream ends or the
 * connection drops, it reconnects after the last event seen, so nothing is missed or repeated.
 * Refusals (bad token, no permission, bad filter) end it with their error.
 */
export async function followEvents(client: KeywardClient, options: FollowEventsOptions): Promise<void> {
  let after = options.after;
  let seen = 0;
  let delay = FIRST_RETRY_MS;
  while (!options.signal.aborted) {
    let response: IncomingMessage;
    try {
      response = await client.stream('/v1/events', { types: options.types?.length ? options.types.join(',') : undefined, key: options.key, after });
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode !== EXIT.unreachable) throw err;
      options.onRetry?.(err.message, delay);
      if (!(await pause(delay, options.signal))) return;
      delay = Math.min(delay * 2, MAX_RETRY_MS);
      continue;
    }
    const parser = new SseParser();
    const stop = (): void => void response.destroy();
    options.signal.addEventListener('abort', stop, { once: true });
    let received = false;
    try {
      response.setEncoding('utf8');
      for await (const chunk of response as AsyncIterable<string>) {
        received = true;
        for (const message of parser.push(chunk)) {
          const event = JSON.parse(message.data) as EventJson;
          options.onEvent(event);
          after = event.seq;
          if (options.count !== undefined && ++seen >= options.count) return;
        }
      }
    } catch (err) {
      if (err instanceof CliError) throw err;
      // The connection dropped: reconnect below.
    } finally {
      options.signal.removeEventListener('abort', stop);
      response.destroy();
    }
    if (options.signal.aborted) return;
    // A stream that ran and ended (the server closes them after a while, or restarted) is simply
    // resumed; one that ended before anything came is retried more and more slowly.
    if (received) delay = FIRST_RETRY_MS;
    else options.onRetry?.('the stream ended at once', delay);
    if (!(await pause(delay, options.signal))) return;
    if (!received) delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
}

/** False when aborted while waiting. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
