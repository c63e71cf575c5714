import { isIP } from 'node:net';
import { KeywardError } from '../../core/errors.ts';

/** Longer URLs are not endpoints but payloads; 2048 is what browsers and proxies reliably carry. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

export interface WebhookUrlPolicy {
  /**
   * Allow plain `http://` to a loopback address (for tests and a receiver on the same machine).
   * Anything else must be `https://`: event bodies are signed, not encrypted, and name keys.
   */
  readonly allowInsecureLoopback: boolean;
}

/**
 * Checks a webhook endpoint and returns its normalised form. Refused: anything but http(s),
 * credentials in the URL (they would show in every listing), fragments, and `http://` except to a
 * loopback address when the policy allows it.
 */
export function checkWebhookUrl(text: unknown, policy: WebhookUrlPolicy): string {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_WEBHOOK_URL_LENGTH) invalid(`url must be 1 to ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    invalid('url must be an absolute https:// URL');
  }
  if (url.username || url.password) invalid('url must not hold credentials: the receiver authenticates requests by their signature');
  if (url.hash) invalid('url must not have a fragment');
  if (url.protocol === 'https:') return url.href;
  if (url.protocol !== 'http:') invalid(`url must be https://, not ${url.protocol}`);
  if (!isLoopbackHostname(url.hostname)) invalid('url must be https:// (plain http:// is allowed only to a loopback address, and only when the server allows insecure webhooks)');
  if (!policy.allowInsecureLoopback) invalid('url must be https:// (this server does not allow plain http:// webhooks, even to loopback)');
  return url.href;
}

/** Whether a URL's hostname (as `URL.hostname` gives it, IPv6 in brackets) is this machine. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  switch (isIP(host)) {
    case 4:
      return host.startsWith('127.');
    case 6:
      // URL has normalised it: "::1", or an IPv4-mapped 127.x address.
      return host === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
    default:
      return false;
  }
}

/** What audit entries and logs say of an endpoint: scheme and host only, since paths and queries can hold secrets. */
export function webhookOrigin(url: string): string {
  return new URL(url).origin;
}

function invalid(message: string): never {
  throw new KeywardError('validation_failed', message, { field: 'url' });
}
