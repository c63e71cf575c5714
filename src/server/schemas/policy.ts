import { Type } from '@sinclair/typebox';
import { MAX_POLICY_BYTES, MAX_POLICY_HISTORY_PAGE } from '../../policy/policy-limits.ts';
import { RULE_IDS } from '../../policy/policy-model.ts';
import { IsoTime, Nullable, OneOf, StrictObject } from './common.ts';

const PolicyText = Type.String({ minLength: 1, maxLength: MAX_POLICY_BYTES, description: 'the policy document (YAML, or JSON); see docs/policy.md' });
const Comment = Type.String({ maxLength: 1024, description: 'why this version, for the history (e.g. a change ticket)' });

const versionFields = {
  version: Type.Integer({ minimum: 1 }),
  name: Type.String(),
  sha256: Type.String({ description: 'hex SHA-256 of the UTF-8 text' }),
  author: Type.String({ description: 'the actor that set it' }),
  createdAt: IsoTime,
  comment: Nullable(Type.String()),
};

export const PolicyVersionSummary = StrictObject(versionFields, { description: 'a stored policy version, without its text' });

export const PolicyVersionView = StrictObject(
  {
    ...versionFields,
    text: Type.String(),
    summary: Type.Array(Type.String(), { description: 'one line per rule in force' }),
  },
  { description: 'a stored policy version: its text as set, and a summary of its rules' },
);

export const SetPolicyResult = StrictObject(
  {
    ...versionFields,
    text: Type.String(),
    summary: Type.Array(Type.String()),
    unchanged: Type.Boolean({ description: 'true when the text was already in force: no version was added' }),
  },
  { description: 'the version now in force' },
);

export const CurrentPolicy = StrictObject(
  { policy: Nullable(PolicyVersionView) },
  { description: 'the policy in force; null when none was ever set (then nothing is enforced)' },
);

export const PolicyHistory = StrictObject({
  versions: Type.Array(PolicyVersionSummary),
  next: Nullable(Type.Integer({ description: 'pass as `after` for the next page' })),
});

export const PolicyHistoryQuery = StrictObject({
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'versions after this one' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_POLICY_HISTORY_PAGE })),
});

export const PolicyVersionParams = StrictObject({ version: Type.Integer({ minimum: 1 }) });

export const NewPolicyVersionBody = StrictObject({ text: PolicyText, comment: Type.Optional(Comment) });

/** PUT /v1/policy: the YAML itself (Content-Type application/yaml), or JSON `{ text, comment? }`. */
export const PutPolicyBody = Type.Union([PolicyText, NewPolicyVersionBody]);
export const PutPolicyQuery = StrictObject({ comment: Type.Optional(Comment) });

export const EvaluatePolicyBody = StrictObject({
  text: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_POLICY_BYTES, description: 'a candidate policy to evaluate instead of the one in force (not stored)' })),
});

export const PolicyViolation = StrictObject({
  ruleId: OneOf(RULE_IDS),
  severity: OneOf(['error', 'warning'] as const, { description: 'error: an `enforce` rule; warning: a `report` rule' }),
  keyId: Nullable(Type.String()),
  keyName: Type.String(),
  field: Type.String({ description: 'the key field the rule is about' }),
  message: Type.String(),
});

export const PolicyEvaluation = StrictObject({
  policy: Nullable(
    StrictObject({
      version: Nullable(Type.Integer({ description: 'null for a candidate' })),
      name: Type.String(),
      sha256: Type.String(),
    }),
  ),
  evaluatedAt: IsoTime,
  keysEvaluated: Type.Integer(),
  errors: Type.Integer(),
  warnings: Type.Integer(),
  violations: Type.Array(PolicyViolation),
  truncated: Type.Boolean({ description: 'true when more violations were found than are listed (the counts cover all)' }),
});
