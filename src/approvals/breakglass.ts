import { KeywardError } from '../core/errors.ts';

/**
 * Break-glass: an emergency path that runs a sensitive operation without the quorum, for a
 * security officer (or another configured emergency role) who states why. The use is flagged in
 * the audit log, announced (event `breakglass.used`, webhooks), and a review item stays open until
 * `reviewsRequired` other security officers have reviewed it.
 */

export interface BreakGlassReview {
  readonly identityId: string;
  readonly actor: string;
  readonly at: string;
  readonly verdict: 'justified' | 'unjustified';
  readonly comment: string | null;
}

export interface BreakGlassRecord {
  readonly id: string;
  readonly action: string;
  readonly keyId: string | null;
  readonly keyName: string | null;
  readonly summary: string;
  readonly justification: string;
  readonly user: { readonly identityId: string; readonly actor: string };
  readonly at: string;
  /** What running it produced, or why it failed. */
  readonly outcome: string;
  readonly succeeded: boolean;
  readonly reviewsRequired: number;
  readonly reviews: readonly BreakGlassReview[];
  readonly status: 'open' | 'reviewed';
}

export const MIN_JUSTIFICATION = 20;

export function checkJustification(text: unknown): string {
  if (typeof text !== 'string' || text.trim().length < MIN_JUSTIFICATION || text.length > 2000) {
    throw new KeywardError('validation_failed', `a break-glass justification is ${MIN_JUSTIFICATION}–2000 characters: say what happened and why the quorum could not wait`, { field: 'justification' });
  }
  return text.trim();
}

/** Adds a review; the user cannot review their own use and one person reviews once. */
export function addReview(record: BreakGlassRecord, review: BreakGlassReview): BreakGlassRecord {
  if (record.status === 'reviewed') throw new KeywardError('conflict', `break-glass use ${record.id} has been reviewed already`);
  if (review.identityId === record.user.identityId) {
    throw new KeywardError('sod_violation', `separation of duties (self-review): ${review.actor} used break-glass and cannot review that use`, { rule: 'self-review' });
  }
  if (record.reviews.some((r) => r.identityId === review.identityId)) {
    throw new KeywardError('sod_violation', `separation of duties (distinct-approvers): ${review.actor} has reviewed this use already; reviews need distinct people`, { rule: 'distinct-approvers' });
  }
  const reviews = [...record.reviews, review];
  return { ...record, reviews, status: reviews.length >= record.reviewsRequired ? 'reviewed' : 'open' };
}
