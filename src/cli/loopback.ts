import { isIP } from 'node:net';

/**
 * True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1 (and its IPv4-mapped
 * forms). Without TLS the server listens on nothing else (unless told `insecure`), since tokens and
 * plaintext would travel in clear text.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  switch (isIP(host)) {
    case 4:
      return host.startsWith('127.');
    case 6: {
      const normal = new URL(`http://[${host}]`).hostname; // e.g. "[0:0::1]" → "[::1]"
      return normal === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(normal);
    }
    default:
      return false;
  }
}
