import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CliError, EXIT, exitCodeForHttp } from './cli-error.ts';
import { isLoopbackHost } from './loopback.ts';

export interface ClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8200 (a path prefix is kept). */
  readonly addr: string;
  readonly token: string | null;
  /** Sent as X-Correlation-Id, so the audit entries of this call can be found again. */
  readonly correlationId: string | null;
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** A request that gets no answer for this long is given up on: the server is unreachable for the CLI. */
const REQUEST_TIMEOUT_MS = 60_000;

interface ErrorAnswer {
  readonly code: string;
  readonly message: string;
  readonly requestId: string;
}

/**
 * The CLI's HTTP client: JSON in and out, `Authorization: Bearer <token>`, and every failure turned
 * into a one-line CliError with the right exit code. Answers are trusted to match the server's
 * response schemas (src/server/schemas), which are the contract; the type parameter names them.
 */
export class KeywardClient {
  readonly addr: string;
  readonly #token: string | null;
  readonly #correlationId: string | null;

  constructor(options: ClientOptions) {
    this.addr = checkedAddress(options.addr, options.token !== null);
    this.#token = options.token;
    this.#correlationId = options.correlationId;
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    return this.#json<T>(await this.#send('GET', path, { query }));
  }

  /** POSTs a JSON body; routes without input still take `{}`. */
  async post<T>(path: string, body: object = {}): Promise<T> {
    return this.#json<T>(await this.#send('POST', path, { body }));
  }

  async patch<T>(path: string, body: object): Promise<T> {
    return this.#json<T>(await this.#send('PATCH', path, { body }));
  }

  async put<T>(path: string, body: object = {}): Promise<T> {
    return this.#json<T>(await this.#send('PUT', path, { body }));
  }

  /** DELETE; resolves with the JSON answer, or null for 204 No Content. */
  async delete<T = null>(path: string): Promise<T | null> {
    const response = await this.#send('DELETE', path, {});
    if (response.statusCode === 204) {
      response.resume();
      return null;
    }
    return this.#json<T>(response);
  }

  /** A streamed answer (audit export): the response with its body unread, and no idle time limit. */
  async stream(path: string, query: Query = {}): Promise<IncomingMessage> {
    return this.#send('GET', path, { query, unbounded: true });
  }

  /**
   * node:http rather than the global fetch: on Node 20 the first fetch loads and compiles undici,
   * about 0.2 s of CPU, which is most of what a short command costs (measured: a request by fetch
   * 0.34 s wall, by node:http 0.12 s). A CLI runs once per invocation, often in loops.
   */
  #send(method: string, path: string, options: { query?: Query; body?: object; unbounded?: boolean }): Promise<IncomingMessage> {
    const url = new URL(`${this.addr}${path}${queryString(options.query ?? {})}`);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token !== null) headers['authorization'] = `Bearer ${this.#token}`;
    if (this.#correlationId !== null) headers['x-correlation-id'] = this.#correlationId;
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(url, { method, headers, ...(options.unbounded ? {} : { timeout: REQUEST_TIMEOUT_MS }) }, (response) => {
        if ((response.statusCode ?? 0) < 400) return resolve(response);
        this.#failure(response).then(reject, reject);
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      request.on('error', (err) => reject(this.#unreachable(err)));
      request.end(payload);
    });
  }

  async #json<T>(response: IncomingMessage): Promise<T> {
    const text = await this.#text(response);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(`the server at ${this.addr} answered something that is not JSON (HTTP ${response.statusCode ?? '?'})`);
    }
    // 202 approval_required: the operation did not run; an approval request was made instead.
    const pending = response.statusCode === 202 ? parseErrorAnswer(text) : null;
    if (pending?.code === 'approval_required') {
      throw new CliError(`approval required: ${pending.message}. Approvers: keyward approval approve <id>; follow it with keyward approval show <id>`, EXIT.pending);
    }
    return parsed as T;
  }

  async #text(response: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
    } catch (err) {
      throw this.#unreachable(err);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async #failure(response: IncomingMessage): Promise<CliError> {
    const status = response.statusCode ?? 0;
    const answer = parseErrorAnswer(await this.#text(response));
    if (!answer) {
      const id = response.headers['x-request-id'];
      return new CliError(`the server answered HTTP ${status} without an error body${typeof id === 'string' ? ` (request ${id})` : ''}`, exitCodeForHttp(status, null));
    }
    const hint = answer.code === 'unauthenticated' && this.#token === null ? '; no token was given: set KEYWARD_TOKEN or pass --token' : '';
    return new CliError(`${answer.code}: ${answer.message} (request ${answer.requestId})${hint}`, exitCodeForHttp(status, answer.code));
  }

  #unreachable(err: unknown): CliError {
    // Node's socket errors say what failed: "connect ECONNREFUSED 127.0.0.1:8200", "getaddrinfo ENOTFOUND host".
    return new CliError(`cannot reach the Keyward server at ${this.addr}: ${err instanceof Error ? err.message : String(err)}`, EXIT.unreachable);
  }
}

/**
 * The address must be an http(s) URL. Plain http beyond this machine is allowed (a server started
 * with --insecure) but warned about: the token would cross the network readable by anyone on it.
 */
function checkedAddress(addr: string, sendsToken: boolean): string {
  let url: URL;
  try {
    url = new URL(addr);
  } catch {
    throw new CliError(`--addr / KEYWARD_ADDR must be a URL like http://127.0.0.1:8200, not "${addr}"`, EXIT.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--addr / KEYWARD_ADDR must be an http:// or https:// URL, not ${url.protocol}`, EXIT.usage);
  if (url.search || url.hash || url.username || url.password) throw new CliError('--addr / KEYWARD_ADDR must not hold a query, fragment or credentials', EXIT.usage);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (sendsToken && url.protocol === 'http:' && !isLoopbackHost(host)) {
    process.stderr.write(`keyward: warning: the token goes to ${url.host} over plain http, readable by anyone on the network; use https://\n`);
  }
  return url.href.replace(/\/+$/, '');
}

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.append(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseErrorAnswer(text: string): ErrorAnswer | null {
  try {
    const body = JSON.parse(text) as { error?: Partial<ErrorAnswer> };
    const e = body.error;
    if (e && typeof e.code === 'string' && typeof e.message === 'string' && typeof e.requestId === 'string') return { code: e.code, message: e.message, requestId: e.requestId };
  } catch {
    // not JSON: reported by status alone
  }
  return null;
}
