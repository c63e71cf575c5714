import { signWebhookBody, SIGNATURE_HEADER } from './webhook-signature.ts';

/** The part of `fetch` a sender uses; tests and embedders may pass their own. */
export type WebhookFetch = (url: string, init: RequestInit) => Promise<Response>;

/** A receiver that has not answered in this long is counted as failed; the retry schedule takes over. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 5000;
/** Bounds what the delivery log keeps of an error. */
const MAX_ERROR_CHARS = 300;

export interface WebhookRequest {
  readonly url: string;
  /** The webhook's HMAC key (32 bytes). The caller owns and zero-fills it. */
  readonly secret: Uint8Array;
  /** The JSON body, byte for byte what is signed. */
  readonly body: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly deliveryId: string;
  /** 1 for the first try. */
  readonly attempt: number;
  /** Signing time: the `t=` of the signature. */
  readonly now: Date;
  readonly timeoutMs: number;
  /** Aborts the request (shutdown, lost leadership). */
  readonly signal?: AbortSignal;
}

export interface SendResult {
  /** A 2xx answer. */
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
  /** Stopped by `signal`, not by the receiver: not an attempt to record. */
  readonly aborted: boolean;
}

/**
 * POSTs one signed event. Redirects are not followed (a 3xx is a failure): a receiver that moved
 * must be updated, and following them would let an endpoint bounce signed events elsewhere. The
 * response body is not read.
 */
export async function sendWebhook(fetcher: WebhookFetch, request: WebhookRequest): Promise<SendResult> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Keyward-Webhooks/1',
    [SIGNATURE_HEADER]: signWebhookBody(request.secret, request.body, Math.floor(request.now.getTime() / 1000)),
    'Keyward-Event-Id': request.eventId,
    'Keyward-Event-Type': request.eventType,
    'Keyward-Delivery-Id': request.deliveryId,
    'Keyward-Delivery-Attempt': String(request.attempt),
  };
  try {
    const response = await fetcher(request.url, { method: 'POST', headers, body: request.body, redirect: 'manual', signal });
    await response.body?.cancel().catch(() => undefined);
    const durationMs = elapsed(started);
    const status = response.status;
    if (status >= 200 && status < 300) return { ok: true, statusCode: status, durationMs, error: null, aborted: false };
    const error = status >= 300 && status < 400 ? `redirect (HTTP ${status}) not followed: update the webhook URL` : `HTTP ${status}`;
    return { ok: false, statusCode: status, durationMs, error, aborted: false };
  } catch (err) {
    const durationMs = elapsed(started);
    if (request.signal?.aborted) return { ok: false, statusCode: null, durationMs, error: 'aborted', aborted: true };
    if (timeout.aborted) return { ok: false, statusCode: null, durationMs, error: `no answer within ${request.timeoutMs} ms`, aborted: false };
    return { ok: false, statusCode: null, durationMs, error: describeFailure(err), aborted: false };
  }
}

/** fetch says "fetch failed"; the cause says what: "connect ECONNREFUSED 127.0.0.1:9", a TLS error… */
function describeFailure(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause;
  const detail = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  return `request failed: ${detail}`.slice(0, MAX_ERROR_CHARS);
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
