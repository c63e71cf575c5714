import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TestServer } from './server-harness.ts';

/** Runs the built CLI (bin/keyward.js → dist/), as a person would; scripts/run-tests.mjs builds dist/ first. */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/keyward.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

export interface RunOptions {
  /** Variables added to an environment cleared of every KEYWARD_* one. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed (stdin is an empty pipe without it, never a TTY). */
  readonly input?: string | Buffer;
}

/** `keyward <args>` to completion. */
export async function keyward(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const cli = startKeyward(args, options);
  const code = await cli.exited;
  return { code, stdout: cli.stdoutBytes().toString('utf8'), stdoutBytes: cli.stdoutBytes(), stderr: cli.stderr() };
}

export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stdoutBytes(): Buffer;
  stderr(): string;
  readonly exited: Promise<number | null>;
  /** SIGKILL if still running (for `finally`). */
  kill(): void;
}

/** `keyward <args>` in the background (for --follow). */
export function startKeyward(args: readonly string[], options: RunOptions = {}): RunningCli {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KEYWARD_')));
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...clean, ...options.env }, stdio: 'pipe' });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  child.stdin.on('error', () => undefined); // the CLI may exit before reading its input
  child.stdin.end(options.input ?? '');
  const exited = once(child, 'close').then(() => child.exitCode);
  return {
    child,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stdoutBytes: () => Buffer.concat(out),
    stderr: () => err,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A real server (in-process, initialised and unsealed) and a CLI pointed at it with the root token. */
export class CliTestServer {
  readonly server: TestServer;

  private constructor(server: TestServer) {
    this.server = server;
  }

  static async start(): Promise<CliTestServer> {
    const server = await TestServer.start();
    try {
      await server.initAndUnseal();
    } catch (err) {
      await server.close();
      throw err;
    }
    return new CliTestServer(server);
  }

  get rootToken(): string {
    if (this.server.rootToken === null) throw new Error('not initialised');
    return this.server.rootToken;
  }

  /** The environment a person would export: the address and the root token (or `token`). */
  env(token: string = this.rootToken): Record<string, string> {
    return { KEYWARD_ADDR: this.server.url, KEYWARD_TOKEN: token };
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    return keyward(args, { ...options, env: { ...this.env(), ...options.env } });
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** A loopback port nothing listens on (listened on, then closed). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
