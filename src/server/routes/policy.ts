import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { MAX_POLICY_BYTES } from '../../policy/policy-limits.ts';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { ERROR_RESPONSES } from '../schemas/common.ts';
import {
  CurrentPolicy,
  EvaluatePolicyBody,
  NewPolicyVersionBody,
  PolicyEvaluation,
  PolicyHistory,
  PolicyHistoryQuery,
  PolicyVersionParams,
  PolicyVersionView,
  PutPolicyBody,
  PutPolicyQuery,
  SetPolicyResult,
} from '../schemas/policy.ts';

const tags = ['policy'];

/** Media types a policy document may be sent as (PUT /v1/policy); the body is then the text itself. */
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** The key policy (policy as code): the version in force, its history, setting a new one, evaluation. */
export function registerPolicyRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  // A YAML body arrives as a string, which only PUT /v1/policy's schema accepts: every other route
  // refuses it as not an object. Its own limit: a policy is at most MAX_POLICY_BYTES (+ slack for
  // the schema to name the problem instead of a bare 413).
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: MAX_POLICY_BYTES + 1024 }, (_request, body, done) => done(null, body));

  app.get(
    '/v1/policy',
    { schema: { tags, summary: 'The policy in force (null: none set, nothing is enforced)', response: { 200: CurrentPolicy, ...ERROR_RESPONSES } } },
    async (request) => engine.policy.current(callContext(request)),
  );

  app.put<{ Body: Static<typeof PutPolicyBody>; Querystring: Static<typeof PutPolicyQuery> }>(
    '/v1/policy',
    {
      schema: {
        tags,
        summary: 'Set the policy: the YAML as the body (Content-Type application/yaml) or JSON {text, comment}; stored as a new version',
        body: PutPolicyBody,
        querystring: PutPolicyQuery,
        response: { 200: SetPolicyResult, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const body = request.body;
      const input = typeof body === 'string' ? { text: body, comment: request.query.comment ?? null } : { text: body.text, comment: body.comment ?? request.query.comment ?? null };
      return engine.policy.set(callContext(request), input);
    },
  );

  app.get<{ Querystring: Static<typeof PolicyHistoryQuery> }>(
    '/v1/policy/versions',
    { schema: { tags, summary: 'Policy versions, oldest first (without their text)', querystring: PolicyHistoryQuery, response: { 200: PolicyHistory, ...ERROR_RESPONSES } } },
    async (request) => engine.policy.history(callContext(request), request.query),
  );

  app.post<{ Body: Static<typeof NewPolicyVersionBody> }>(
    '/v1/policy/versions',
    { schema: { tags, summary: 'Set the policy (as PUT /v1/policy, JSON only)', body: NewPolicyVersionBody, response: { 200: SetPolicyResult, ...ERROR_RESPONSES } } },
    async (request) => engine.policy.set(callContext(request), { text: request.body.text, comment: request.body.comment ?? null }),
  );

  app.get<{ Params: Static<typeof PolicyVersionParams> }>(
    '/v1/policy/versions/:version',
    { schema: { tags, summary: 'One policy version, with its text', params: PolicyVersionParams, response: { 200: PolicyVersionView, ...ERROR_RESPONSES } } },
    async (request) => engine.policy.version(callContext(request), request.params.version),
  );

  app.post<{ Body: Static<typeof EvaluatePolicyBody> }>(
    '/v1/policy/evaluate',
    {
      schema: {
        tags,
        summary: 'Evaluate every key against the policy in force, or against a candidate `text` (not stored)',
        body: EvaluatePolicyBody,
        response: { 200: PolicyEvaluation, ...ERROR_RESPONSES },
      },
    },
    async (request) => engine.policy.evaluate(callContext(request), request.body.text !== undefined ? { text: request.body.text } : {}),
  );
}
