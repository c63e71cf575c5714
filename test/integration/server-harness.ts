import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Engine } from '../../src/engine.ts';
import { buildServer } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { InitResult } from '../../src/server/schemas/sys.ts';
import { openTestStore, settleScheduler, type TestStore } from '../test-backend.ts';

export interface Reply<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON (trusted to be T: the test asserts the status first), or undefined when the body is not JSON. */
  readonly body: T;
}

export interface ErrorReply {
  readonly error: { readonly code: string; readonly message: string; readonly requestId: string };
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as is (for malformed JSON); implies content-type application/json unless headers say otherwise. */
  readonly rawBody?: string;
  /** The token to send; `null` sends none. Defaults to the server's root token once known. */
  readonly token?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A real Keyward server on 127.0.0.1:<random port>, started the non-dev way, over a fresh store of
 * the backend under test (KEYWARD_TEST_BACKEND, see test/test-backend.ts); its checkpoint file is in `dir`.
 */
export class TestServer {
  readonly url: string;
  readonly dir: string;
  readonly app: FastifyInstance;
  readonly engine: Engine;
  /** The store under the engine: its backend, and what it holds (`storedContents`). */
  readonly storage: TestStore;
  /** Every server log line so far. */
  readonly logLines: string[];
  /** Every response so far, for leak checks. */
  readonly responses: { method: string; path: string; status: number; text: string }[] = [];
  rootToken: string | null = null;
  shares: string[] = [];

  private constructor(parts: { url: string; app: FastifyInstance; engine: Engine; storage: TestStore; logLines: string[] }) {
    this.url = parts.url;
    this.dir = parts.storage.dir;
    this.storage = parts.storage;
    this.app = parts.app;
    this.engine = parts.engine;
    this.logLines = parts.logLines;
  }

  static async start(): Promise<TestServer> {
    const storage = await openTestStore();
    let engine: Engine | undefined;
    let app: FastifyInstance | undefined;
    try {
      engine = await Engine.open({ store: storage.store, checkpointFile: join(storage.dir, 'audit-checkpoints.jsonl') });
      const logLines: string[] = [];
      const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } });
      app = await buildServer({ engine, logger });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      return new TestServer({ url, app, engine, storage, logLines });
    } catch (err) {
      await app?.close().catch(() => undefined);
      await engine?.close().catch(() => undefined);
      await storage.cleanup();
      throw err;
    }
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.rootToken : options.token;
    if (token !== null) headers['authorization'] ??= `Bearer ${token}`;
    let payload: string | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.url}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await response.text();
    this.responses.push({ method, path, status: response.status, text });
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{24}$/, `${method} ${path} has an x-request-id`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: body as T };
  }

  /** Initialises over HTTP (3 shares, threshold 2) and unseals with two shares, as an operator would. */
  async initAndUnseal(): Promise<void> {
    const init = await this.request<Static<typeof InitResult>>('POST', '/v1/sys/init', { body: { shares: 3, threshold: 2 }, token: null });
    assert.equal(init.status, 200, init.text);
    this.rootToken = init.body.rootToken;
    this.shares = init.body.shares;
    await this.unseal();
  }

  async unseal(): Promise<void> {
    for (const share of this.shares.slice(0, 2)) {
      const r = await this.request('POST', '/v1/sys/unseal', { body: { share }, token: null });
      assert.equal(r.status, 200, r.text);
    }
    await settleScheduler(this.engine);
  }

  async close(): Promise<void> {
    try {
      await this.app.close();
      await this.engine.close();
    } finally {
      await this.storage.cleanup();
    }
  }
}

/** Asserts the error shape: exactly {error:{code,message,requestId}}, with the request id of the response header. */
export function assertError(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, `expected ${status} ${code}, got ${reply.status}: ${reply.text}`);
  const body = reply.body as ErrorReply;
  assert.deepEqual(Object.keys(body), ['error']);
  // `details` only for the codes that document theirs (approval id, rule name, retry time).
  const keys = Object.keys(body.error).sort();
  assert.deepEqual(keys.filter((k) => k !== 'details'), ['code', 'message', 'requestId']);
  if (keys.includes('details')) assert.ok(['approval_required', 'sod_violation', 'too_many_attempts', 'policy_violation', 'retention_active'].includes(body.error.code), `no details for ${body.error.code}`);
  assert.equal(body.error.code, code);
  assert.ok(body.error.message.length > 0);
  assert.equal(body.error.requestId, reply.headers.get('x-request-id'));
}

export const b64 = (text: string): string => Buffer.from(text).toString('base64');
export const fromB64 = (text: string): string => Buffer.from(text, 'base64').toString();

// --- A `keyward` CLI process (server tests that need signals, flags, env and exit codes) ---
// Imports of this section are kept with it so that it can be appended to without touching the top.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGKILL if still running (for `finally`). */
  kill(): void;
}

/**
 * Runs `keyward <args>` from the source (tsx) in the repository root, with `env` added to an
 * environment cleared of every KEYWARD_* variable, so the parent's settings cannot leak in.
 */
export function spawnCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KEYWARD_')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, env: { ...clean, ...env }, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Polls until `predicate` holds; fails naming `what` after `ms`. */
export async function waitFor(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits for a spawned server's "listening on <url>" line (or the dev banner) and returns the URL. */
export async function listeningUrl(cli: CliProcess): Promise<string> {
  const pattern = /(?:Keyward listening on|Address:)\s+(https?:\/\/\S+)/;
  await waitFor(() => pattern.test(cli.stdout()) || cli.child.exitCode !== null, 'the server to listen');
  const url = pattern.exec(cli.stdout())?.[1];
  if (!url) throw new Error(`the server did not start (exit ${cli.child.exitCode}):\n${cli.stderr()}`);
  return url;
}
