import { Type } from '@sinclair/typebox';
import { IsoTime, Nullable, OneOf, StrictObject } from './common.ts';

const Name = Type.String({ minLength: 1, maxLength: 64, description: 'identity or group name' });
const Text = (max: number, description?: string) => Type.String({ maxLength: max, ...(description ? { description } : {}) });
const Strings = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 256 }));
const Time = Type.String({ maxLength: 40 });

export const NameParams = StrictObject({ name: Name });
export const IdParams = StrictObject({ id: Type.String({ minLength: 1, maxLength: 128 }) });
export const GroupMemberParams = StrictObject({ name: Name, identity: Name });
export const PageQuery = StrictObject({ after: Type.Optional(Type.String({ maxLength: 128 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) });

export const LoginBody = StrictObject({
  username: Type.Optional(Text(64)),
  password: Type.Optional(Text(256)),
  totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  clientId: Type.Optional(Text(64)),
  clientSecret: Type.Optional(Text(256)),
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 60 })),
});

export const IdentityView = StrictObject({
  id: Type.String(),
  name: Type.String(),
  kind: OneOf(['user', 'service'] as const),
  displayName: Nullable(Type.String()),
  email: Nullable(Type.String()),
  team: Nullable(Type.String()),
  owner: Nullable(Type.String()),
  environment: Nullable(Type.String()),
  status: OneOf(['active', 'suspended', 'departed'] as const),
  statusReason: Nullable(Type.String()),
  attributes: Strings,
  groups: Type.Array(Type.String()),
  directoryId: Nullable(Type.String()),
  createdAt: Time,
  createdBy: Type.String(),
  statusChangedAt: Time,
  lastLoginAt: Nullable(Time),
  hasPassword: Type.Boolean(),
  totpEnabled: Type.Boolean(),
  hasClientSecret: Type.Boolean(),
  lockedUntil: Nullable(Time),
});

export const LoginResult = StrictObject({ token: Type.String(), accessor: Type.String(), expiresAt: Time, identity: IdentityView, mfa: Type.Boolean() });

export const CreateIdentityBody = StrictObject({
  name: Name,
  displayName: Type.Optional(Nullable(Text(128))),
  email: Type.Optional(Nullable(Text(254))),
  team: Type.Optional(Nullable(Text(64))),
  owner: Type.Optional(Nullable(Text(128))),
  environment: Type.Optional(Nullable(Text(32))),
  attributes: Type.Optional(Strings),
  directoryId: Type.Optional(Nullable(Text(128))),
  password: Type.Optional(Text(256)),
  groups: Type.Optional(Type.Array(Name, { maxItems: 64 })),
});

export const UpdateIdentityBody = StrictObject({
  displayName: Type.Optional(Nullable(Text(128))),
  email: Type.Optional(Nullable(Text(254))),
  team: Type.Optional(Nullable(Text(64))),
  owner: Type.Optional(Nullable(Text(128))),
  environment: Type.Optional(Nullable(Text(32))),
  attributes: Type.Optional(Strings),
  directoryId: Type.Optional(Nullable(Text(128))),
});

export const StatusBody = StrictObject({ reason: Type.Optional(Text(500)) });
export const PasswordBody = StrictObject({ password: Text(256) });
export const TotpConfirmBody = StrictObject({ code: Type.String({ pattern: '^[0-9]{6}$' }) });
export const TotpEnrollment = StrictObject({ secret: Type.String(), uri: Type.String() });
export const IssueTokenBody = StrictObject({ ttlSeconds: Type.Optional(Type.Integer({ minimum: 60 })) });
export const IssuedToken = StrictObject({ token: Type.String(), accessor: Type.String(), expiresAt: Time });
export const ServiceAccountCreated = StrictObject({ identity: IdentityView, clientId: Type.String(), clientSecret: Type.String() });
export const IdentityList = StrictObject({ identities: Type.Array(IdentityView), next: Nullable(Type.String()) });
export const ListIdentitiesQuery = StrictObject({
  after: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  status: Type.Optional(OneOf(['active', 'suspended', 'departed'] as const)),
  kind: Type.Optional(OneOf(['user', 'service'] as const)),
});

export const GroupBody = StrictObject({ name: Name, description: Type.Optional(Nullable(Text(512))), team: Type.Optional(Nullable(Text(64))) });
export const Group = StrictObject({ id: Type.String(), name: Type.String(), description: Nullable(Type.String()), team: Nullable(Type.String()), createdAt: Time, createdBy: Type.String(), members: Type.Optional(Type.Array(Type.String())) });
export const GroupList = StrictObject({ groups: Type.Array(Group), next: Nullable(Type.String()) });

export const Role = StrictObject({ name: Type.String(), description: Type.String(), actions: Type.Array(Type.String()), builtin: Type.Boolean() });
export const RoleList = StrictObject({ roles: Type.Array(Role) });
export const CreateRoleBody = StrictObject({ name: Text(63), description: Type.Optional(Text(512)), actions: Type.Array(Text(64), { minItems: 1, maxItems: 64 }) });

const Scope = Type.Union([
  StrictObject({ type: Type.Literal('all') }),
  StrictObject({ type: Type.Literal('key'), key: Type.String() }),
  StrictObject({ type: Type.Literal('glob'), pattern: Type.String() }),
  StrictObject({ type: Type.Literal('tag'), tag: Type.String(), value: Type.String() }),
  StrictObject({ type: Type.Literal('environment'), environment: Type.String() }),
]);

export const Binding = StrictObject({
  id: Type.String(),
  role: Type.String(),
  subject: StrictObject({ type: OneOf(['identity', 'group'] as const), id: Type.String(), name: Type.String() }),
  scope: Scope,
  condition: Nullable(Type.String()),
  description: Nullable(Type.String()),
  createdAt: Time,
  createdBy: Type.String(),
  expiresAt: Nullable(Time),
  approvalId: Nullable(Type.String()),
});
export const BindingList = StrictObject({ bindings: Type.Array(Binding), next: Nullable(Type.String()) });
export const CreateBindingBody = StrictObject({
  role: Text(63),
  subject: Type.String({ maxLength: 80, description: 'user:<name>, sa:<name> or group:<name>' }),
  scope: Type.String({ maxLength: 300, description: 'all, key:<name>, glob:<pattern>, tag:<key>=<value>, env:<environment>' }),
  condition: Type.Optional(Nullable(Text(2048, 'a Cedar `when` expression over principal, resource and context'))),
  description: Type.Optional(Nullable(Text(512))),
  expiresAt: Type.Optional(Nullable(IsoTime)),
  reason: Type.Optional(Nullable(Text(1000))),
});
export const ListBindingsQuery = StrictObject({
  subject: Type.Optional(Type.String({ maxLength: 80 })),
  after: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

export const Settings = Type.Object(
  {
    sod: StrictObject({ enabled: Type.Boolean(), tiers: Type.Array(Type.Integer()), environments: Type.Array(Type.String()) }),
    approvals: StrictObject({ quorum: Type.Integer(), approverRole: Type.String(), expiresHours: Type.Integer(), actions: Type.Array(Type.String()) }),
    requireMfa: Type.Boolean(),
    breakGlass: StrictObject({ roles: Type.Array(Type.String()), reviewsRequired: Type.Integer() }),
    review: StrictObject({ unusedDays: Type.Integer(), intervalHours: Type.Integer(), autoSuspendDeparted: Type.Boolean() }),
    login: StrictObject({ tokenTtlSeconds: Type.Integer(), maxTtlSeconds: Type.Integer(), maxFailures: Type.Integer(), lockoutSeconds: Type.Integer() }),
  },
  { additionalProperties: false },
);
export const SettingsPatch = Type.Object({ reason: Type.Optional(Text(1000)) }, { additionalProperties: true, maxProperties: 8, description: 'any of the settings sections, merged over the current ones' });

const Vote = StrictObject({ identityId: Type.String(), actor: Type.String(), vote: OneOf(['approve', 'deny'] as const), at: Time, comment: Nullable(Type.String()) });
export const Approval = StrictObject({
  id: Type.String(),
  action: Type.String(),
  keyId: Nullable(Type.String()),
  keyName: Nullable(Type.String()),
  summary: Type.String(),
  reason: Nullable(Type.String()),
  requester: StrictObject({ identityId: Type.String(), actor: Type.String() }),
  quorum: Type.Integer(),
  approverRole: Type.String(),
  createdAt: Time,
  expiresAt: Time,
  votes: Type.Array(Vote),
  status: OneOf(['pending', 'executed', 'failed', 'denied', 'expired', 'cancelled'] as const),
  decidedAt: Nullable(Time),
  outcome: Nullable(Type.String()),
});
export const ApprovalList = StrictObject({ approvals: Type.Array(Approval), next: Nullable(Type.String()) });
export const ListApprovalsQuery = StrictObject({
  status: Type.Optional(OneOf(['pending', 'executed', 'failed', 'denied', 'expired', 'cancelled'] as const)),
  after: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export const VoteBody = StrictObject({ comment: Type.Optional(Text(1000)) });
export const SensitiveActions = StrictObject({ actions: Type.Array(Type.String()) });

const Review = StrictObject({ identityId: Type.String(), actor: Type.String(), at: Time, verdict: OneOf(['justified', 'unjustified'] as const), comment: Nullable(Type.String()) });
export const BreakGlass = StrictObject({
  id: Type.String(),
  action: Type.String(),
  keyId: Nullable(Type.String()),
  keyName: Nullable(Type.String()),
  summary: Type.String(),
  justification: Type.String(),
  user: StrictObject({ identityId: Type.String(), actor: Type.String() }),
  at: Time,
  outcome: Type.String(),
  succeeded: Type.Boolean(),
  reviewsRequired: Type.Integer(),
  reviews: Type.Array(Review),
  status: OneOf(['open', 'reviewed'] as const),
});
export const BreakGlassList = StrictObject({ uses: Type.Array(BreakGlass), next: Nullable(Type.String()) });
export const BreakGlassBody = StrictObject({
  action: Text(64),
  key: Type.Optional(Nullable(Text(256))),
  params: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]))),
  justification: Text(2000),
});
export const ListBreakGlassQuery = StrictObject({
  status: Type.Optional(OneOf(['open', 'reviewed'] as const)),
  after: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export const ReviewBody = StrictObject({ verdict: OneOf(['justified', 'unjustified'] as const), comment: Type.Optional(Text(1000)) });

export const DirectoryBody = StrictObject({ format: OneOf(['csv', 'json'] as const), content: Type.String({ maxLength: 200_000 }) });
export const DirectoryImported = StrictObject({ people: Type.Integer(), active: Type.Integer(), departed: Type.Integer(), removed: Type.Integer() });
const ReviewFinding = StrictObject({ type: Type.String(), identity: Type.String(), identityId: Type.String(), bindingId: Nullable(Type.String()), detail: Type.String() });
export const AccessReview = StrictObject({
  id: Type.String(),
  at: Time,
  by: Type.String(),
  directorySize: Type.Integer(),
  identitiesReviewed: Type.Integer(),
  findings: Type.Array(ReviewFinding),
  counts: Type.Record(Type.String(), Type.Integer()),
  appliedAt: Nullable(Time),
  appliedBy: Nullable(Type.String()),
  completedAt: Nullable(Time),
  completedBy: Nullable(Type.String()),
  completionNote: Nullable(Type.String()),
});
export const AccessReviewList = StrictObject({ reviews: Type.Array(AccessReview), next: Nullable(Type.String()) });
export const ReviewApplied = StrictObject({ suspended: Type.Array(Type.String()), failed: Type.Array(StrictObject({ identity: Type.String(), error: Type.String() })) });
export const CompleteBody = StrictObject({ note: Type.Optional(Text(2000)) });

export const WhoAmI = StrictObject({
  actor: Type.String(),
  type: Type.String(),
  identity: Nullable(IdentityView),
  mfa: Type.Boolean(),
  grants: Type.Array(StrictObject({ bindingId: Type.String(), role: Type.String(), scope: Type.String(), condition: Nullable(Type.String()), viaGroup: Nullable(Type.String()) })),
});
