import { KeywardError } from '../core/errors.ts';

/**
 * M-of-N approval requests for sensitive operations. A request records who asked for what and
 * why; it runs once `quorum` distinct people holding the approver role have approved, and any
 * one of them can deny it. Nobody approves their own request; one person counts once.
 */

export const APPROVAL_STATUSES = ['pending', 'executed', 'failed', 'denied', 'expired', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export interface Vote {
  readonly identityId: string;
  readonly actor: string;
  readonly vote: 'approve' | 'deny';
  readonly at: string;
  readonly comment: string | null;
}

export interface ApprovalRecord {
  readonly id: string;
  /** The operation asked for, e.g. `key.destroy`. */
  readonly action: string;
  readonly keyId: string | null;
  readonly keyName: string | null;
  /** What the operation needs to run, minus secrets (imported material is kept wrapped in `sealedParams`). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Base64 of params that must not be stored in clear, wrapped under the root key; null when none. */
  readonly sealedParams: string | null;
  /** A readable one-liner: `destroy key "billing"`. */
  readonly summary: string;
  readonly reason: string | null;
  readonly requester: { readonly identityId: string; readonly actor: string };
  readonly quorum: number;
  readonly approverRole: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly votes: readonly Vote[];
  readonly status: ApprovalStatus;
  readonly decidedAt: string | null;
  /** What running it produced (`key state destroyed`) or why it failed (error code and message). */
  readonly outcome: string | null;
}

/** The violated rule when a vote is refused by separation of duties. */
export type VoteRefusal = 'self-approval' | 'distinct-approvers';

/**
 * Checks a vote against the request; returns the request with the vote added and its new status
 * (`pending`, or `approved` meaning "quorum reached, run it", or `denied`). Throws `sod_violation`
 * for the requester approving or one person voting twice, `conflict` when the request is decided
 * or expired.
 */
export function castVote(request: ApprovalRecord, vote: Vote, now: Date): { request: ApprovalRecord; quorumReached: boolean } {
  if (request.status !== 'pending') throw new KeywardError('conflict', `approval request ${request.id} is ${request.status}, not pending`, { status: request.status });
  if (Date.parse(request.expiresAt) <= now.getTime()) throw new KeywardError('conflict', `approval request ${request.id} expired at ${request.expiresAt}`, { status: 'expired' });
  if (vote.identityId === request.requester.identityId) {
    throw new KeywardError('sod_violation', `separation of duties (self-approval): ${vote.actor} asked for this and cannot approve or deny it`, { rule: 'self-approval' });
  }
  if (request.votes.some((v) => v.identityId === vote.identityId)) {
    throw new KeywardError('sod_violation', `separation of duties (distinct-approvers): ${vote.actor} has already voted on this request; a quorum needs distinct people`, { rule: 'distinct-approvers' });
  }
  const votes = [...request.votes, vote];
  if (vote.vote === 'deny') return { request: { ...request, votes, status: 'denied', decidedAt: vote.at }, quorumReached: false };
  const approvals = votes.filter((v) => v.vote === 'approve').length;
  return { request: { ...request, votes, decidedAt: approvals >= request.quorum ? vote.at : null }, quorumReached: approvals >= request.quorum };
}

/** Approvers so far (actors), for the audit entry of the executed operation. */
export function approvers(request: ApprovalRecord): string[] {
  return request.votes.filter((v) => v.vote === 'approve').map((v) => v.actor);
}

/** A pending request past its expiry is expired; anything else stays as it is. */
export function expireIfDue(request: ApprovalRecord, now: Date): ApprovalRecord | null {
  if (request.status !== 'pending' || Date.parse(request.expiresAt) > now.getTime()) return null;
  return { ...request, status: 'expired', decidedAt: now.toISOString(), outcome: 'expired before reaching its quorum' };
}

export const MIN_QUORUM = 1;
export const MAX_QUORUM = 9;
