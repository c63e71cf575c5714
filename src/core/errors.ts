/**
 * The one error type of Keyward. Every failure a caller can act on has a stable `code` from the
 * closed list below; the HTTP status for each code lives in `error-status.ts`, and docs/errors.md
 * is kept in sync with this list by a test.
 *
 * Messages must never contain secrets, plaintext, key material or tokens.
 */
export const ERROR_CODES = [
  'validation_failed',
  'payload_too_large',
  'sealed',
  'already_initialized',
  'not_initialized',
  'invalid_share',
  'duplicate_share',
  'unseal_failed',
  'key_not_found',
  'key_exists',
  'key_version_not_found',
  'key_state_invalid',
  'key_usage_invalid',
  'key_spec_invalid',
  'key_version_disabled',
  'rotation_required',
  'policy_violation',
  'retention_active',
  'ciphertext_invalid',
  'decryption_failed',
  'signature_invalid',
  'mac_invalid',
  'backup_invalid',
  'invalid_state_transition',
  'unauthenticated',
  'permission_denied',
  'token_not_found',
  'token_not_renewable',
  'sod_violation',
  'approval_required',
  'mfa_required',
  'too_many_attempts',
  'not_found',
  'audit_failed',
  'storage_unavailable',
  'connector_failed',
  'conflict',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

export class KeywardError extends Error {
  override readonly name = 'KeywardError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

export function isKeywardError(err: unknown): err is KeywardError {
  return err instanceof KeywardError;
}

/**
 * Turns anything thrown into a KeywardError. Unknown errors become `internal` with a generic
 * message; the original is kept only as `cause` (for logs), never shown to a client.
 */
export function toKeywardError(err: unknown): KeywardError {
  if (err instanceof KeywardError) return err;
  return new KeywardError('internal', 'internal error', {}, { cause: err });
}
