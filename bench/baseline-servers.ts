/**
 * The two baselines for bench/server-encrypt.ts, run in their own process (a child of the bench,
 * never the load generator's process). Both answer POST /v1/crypto/encrypt on 127.0.0.1:0 with a
 * body shaped like Keyward's (`{"ciphertext":"kw:v1:…","keyId":…,"version":1}`):
 *   bare — parses the JSON body and returns a fixed, same-length ciphertext (HTTP + JSON only);
 *   aes  — parses the body, base64-decodes the plaintext and does one AES-256-GCM encrypt with a
 *          random 96-bit nonce per request (HTTP + JSON + the cryptography).
 * Protocol (IPC): sends `{ ports: { bare, aes } }` once listening; answers `{ type: 'usage' }` with
 * this process's CPU time and event-loop utilisation; exits on `{ type: 'exit' }`.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

const PATH = '/v1/crypto/encrypt';
const KEY_ID = `key_${randomBytes(12).toString('hex')}`;
const KEY = randomBytes(32);

export interface BaselineUsage {
  readonly cpuMicros: number;
  readonly elu: { idle: number; active: number; utilization: number };
}

function encrypt(plaintext: Buffer): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', KEY, nonce);
  const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `kw:v1:${KEY_ID}:1:${body.toString('base64url')}`;
}

/** Same length as a real answer for the 100-byte payload the bench sends. */
const FIXED_CIPHERTEXT = encrypt(randomBytes(100));

function serve(answer: (request: { key: string; plaintext: string }) => string): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== PATH) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let parsed: { key?: unknown; plaintext?: unknown };
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof parsed;
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (typeof parsed.key !== 'string' || typeof parsed.plaintext !== 'string') {
        res.writeHead(400).end();
        return;
      }
      const payload = JSON.stringify({ ciphertext: answer({ key: parsed.key, plaintext: parsed.plaintext }), keyId: KEY_ID, version: 1 });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) }).end(payload);
    });
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const bare = serve(() => FIXED_CIPHERTEXT);
const aes = serve(({ plaintext }) => {
  const bytes = Buffer.from(plaintext, 'base64');
  try {
    return encrypt(bytes);
  } finally {
    bytes.fill(0);
  }
});

const ports = { bare: await listen(bare), aes: await listen(aes) };
// If the bench dies, its IPC channel closes: do not outlive it.
process.on('disconnect', () => process.exit(0));
process.send?.({ ports });
process.on('message', (message: { type?: string }) => {
  if (message.type === 'usage') {
    const cpu = process.cpuUsage();
    const usage: BaselineUsage = { cpuMicros: cpu.user + cpu.system, elu: performance.eventLoopUtilization() };
    process.send?.({ usage });
  } else if (message.type === 'exit') {
    process.exit(0);
  }
});
