/**
 * A local HTTP server standing in for a cloud key service in connector tests: it answers with the
 * documented API shapes and records every request. Not a test file itself (no `.test.ts`).
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DiscoveryContext } from '../../src/inventory/connectors/connector.ts';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeReply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised as JSON unless a string. */
  readonly body?: unknown;
}

export interface FakeProvider {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1:<random port>; `handle` answers each request. */
export async function startFakeProvider(handle: (req: RecordedRequest, self: { url: string }) => FakeReply | Promise<FakeReply>): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const self = { url: '' };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      Promise.resolve(handle(recorded, self))
        .then((reply) => {
          const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self.url,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a connector runs with in tests: global fetch, a fixed clock, short timeouts. */
export function testContext(overrides: Partial<DiscoveryContext> = {}): DiscoveryContext {
  return { fetch: globalThis.fetch, now: new Date('2026-03-01T00:00:00Z'), timeoutMs: 5000, concurrency: 4, ...overrides };
}

/**
 * Checks an AWS Signature Version 4 `Authorization` header the way KMS does, with the secret the
 * test gave the client: the credential scope, the signed headers (host and x-amz-date at least),
 * the canonical request over the body, and the signature itself.
 */
export function checkSigV4(req: RecordedRequest, expected: { accessKeyId: string; secretAccessKey: string; region: string }): string | null {
  const auth = req.headers['authorization'];
  if (typeof auth !== 'string') return 'no Authorization header';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/kms\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `malformed Authorization header: ${auth.replace(/Signature=\w+/, 'Signature=…')}`;
  const [, keyId, date, region, signed, signature] = m as unknown as [string, string, string, string, string, string];
  if (keyId !== expected.accessKeyId) return `signed with access key ${keyId}`;
  if (region !== expected.region) return `signed for region ${region}`;
  const amzDate = req.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !amzDate.startsWith(date)) return 'x-amz-date missing or not the credential date';
  const names = signed.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return `host and x-amz-date must be signed (${signed})`;
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payloadHash = createHash('sha256').update(req.body).digest('hex');
  const [path, query = ''] = req.url.split('?');
  const canonicalRequest = [req.method, path, query, canonicalHeaders, signed, payloadHash].join('\n');
  const scope = `${date}/${region}/kms/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${expected.secretAccessKey}`, date), region), 'kms'), 'aws4_request');
  const computed = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return computed === signature ? null : 'signature does not verify';
}
