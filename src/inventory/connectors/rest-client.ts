import { KeywardError } from '../../core/errors.ts';
import type { ConnectorKind } from '../inventory-item.ts';
import { clipText } from '../item-fields.ts';
import type { DiscoveryContext } from './connector.ts';

/** Largest answer read from a provider: list pages are far smaller; anything bigger is not the API we expect. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

/**
 * A provider base URL: http(s), no credentials, query or fragment. Plain http is refused beyond
 * loopback unless `allowInsecureHttp`, because the run's credential would cross the network in
 * clear. Returned without a trailing slash.
 */
export function checkEndpoint(text: string, options: { field: string; allowInsecureHttp?: boolean | undefined }): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new KeywardError('validation_failed', `${options.field} must be a URL such as https://host:port`, { field: options.field });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new KeywardError('validation_failed', `${options.field} must be an http(s) URL`, { field: options.field });
  if (url.username || url.password || url.search || url.hash) {
    throw new KeywardError('validation_failed', `${options.field} must not hold credentials, a query or a fragment`, { field: options.field });
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && !options.allowInsecureHttp) {
    throw new KeywardError('validation_failed', `${options.field} uses plain http to ${url.host}: the credential would cross the network in clear; use https (or allow insecure http explicitly)`, { field: options.field });
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

export interface RestClientOptions {
  readonly connector: ConnectorKind;
  /** The API's origin: every request (next-page links included) must stay on it. */
  readonly base: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Values to scrub from any text that reaches an error message (the credential). */
  readonly secrets: readonly string[];
  readonly ctx: DiscoveryContext;
}

/**
 * GETs JSON from a provider's REST API with a per-request timeout, no redirects (a redirect could
 * carry the credential header elsewhere) and a size limit. Failures become `connector_failed`
 * naming the endpoint, what was asked and the HTTP status — never the credential.
 */
export class RestClient {
  readonly #o: RestClientOptions;

  constructor(options: RestClientOptions) {
    this.#o = options;
  }

  get origin(): string {
    return this.#o.base.origin;
  }

  /** The JSON answer; null for a 404 when `allow404` (Vault answers an empty LIST with 404). */
  async get(url: URL, what: string, options: { allow404?: boolean } = {}): Promise<unknown> {
    if (url.origin !== this.#o.base.origin) throw this.#fail(`${what}: refused to follow a link to another host (${url.host})`, null);
    let response: Response;
    try {
      response = await this.#o.ctx.fetch(url, {
        method: 'GET',
        headers: { accept: 'application/json', ...this.#o.headers },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#o.ctx.timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw this.#fail(timedOut ? `${what}: no answer within ${Math.round(this.#o.ctx.timeoutMs / 1000)} s` : `${what}: cannot connect (${networkReason(err)})`, null);
    }
    const text = await this.#read(response, what);
    if (response.status === 404 && options.allow404) return null;
    if (response.status >= 300 && response.status < 400) throw this.#fail(`${what}: answered with a redirect (HTTP ${response.status}); give the final address as the endpoint`, response.status);
    if (!response.ok) {
      const message = providerMessage(text);
      throw this.#fail(`${what}: HTTP ${response.status}${message ? ` (${this.#scrub(message)})` : ''}`, response.status);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.#fail(`${what}: the answer is not JSON`, response.status);
    }
  }

  async #read(response: Response, what: string): Promise<string> {
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_RESPONSE_BYTES) throw this.#fail(`${what}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`, response.status);
    if (!response.body) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) throw this.#fail(`${what}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`, response.status);
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof KeywardError) throw err;
      throw this.#fail(`${what}: the answer was cut off (${networkReason(err)})`, response.status);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #fail(message: string, status: number | null): KeywardError {
    return new KeywardError('connector_failed', `${this.#o.connector} at ${this.#o.base.origin}: ${message}`, { connector: this.#o.connector, endpoint: this.#o.base.origin, status });
  }

  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#o.secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    return out;
  }
}

/** The provider's own error text: Vault `errors[]`, Google/Azure `error.message`, or a plain `message`. */
function providerMessage(text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const b = body as { errors?: unknown; error?: unknown; message?: unknown };
  if (Array.isArray(b.errors) && b.errors.length > 0) return clipText(b.errors.filter((e) => typeof e === 'string').join('; '), 200);
  if (typeof b.error === 'object' && b.error !== null) {
    const e = b.error as { message?: unknown; code?: unknown; status?: unknown };
    // Google: numeric code and textual status; Azure: textual code. The text says more.
    const label = typeof e.status === 'string' ? e.status : typeof e.code === 'string' ? e.code : null;
    const parts = [label, e.message].filter((p) => typeof p === 'string');
    return parts.length > 0 ? clipText(parts.join(': '), 200) : null;
  }
  if (typeof b.message === 'string') return clipText(b.message, 200);
  return null;
}

/** `.` and `..` path segments would walk out of the path meant (`../sys` is Vault's system backend). */
export function hasDotSegment(path: string): boolean {
  return path.split('/').some((segment) => segment === '.' || segment === '..');
}

/** `ECONNREFUSED`, `ENOTFOUND`, a TLS error code…: what Node says went wrong, without stack or request. */
export function networkReason(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? clipText(cause.message, 120) : 'network error';
}
