/**
 * The largest policy text accepted: 64 KiB. A policy is a reviewed document of a few hundred
 * lines (examples/policy.yaml is ~3 KiB); the bound keeps parsing cheap.
 */
export const MAX_POLICY_BYTES = 64 * 1024;

/** Versions per page of the policy history. */
export const MAX_POLICY_HISTORY_PAGE = 100;
