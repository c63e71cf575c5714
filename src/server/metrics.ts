import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OperationEvent } from '../engine/operation.ts';
import type { ServerEngine } from './route-deps.ts';

/** Seconds; from a cached key (~0.2 ms) to a slow disk under an audit fsync (seconds). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Index = status / 100; anything outside 1xx–5xx (cannot happen over HTTP/1.1) counts as "other". */
const STATUS_CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** The route label of requests no route matched: the raw URL would let clients mint label values. */
const UNMATCHED_ROUTE = 'unmatched';

type HttpLabels = 'method' | 'route' | 'status_class';
interface HttpChild {
  readonly requests: { inc(): void };
  readonly duration: { observe(value: number): void };
}
interface OperationChild {
  readonly total: { inc(): void };
  readonly duration: { observe(value: number): void };
}

/**
 * Prometheus metrics of one server, in a Registry of its own (never the global one, so several
 * servers in one process do not mix). Label values come only from closed sets — route patterns,
 * methods, status classes, engine actions, key specs, outcomes — never from URLs or key names.
 * The hot path looks children up in maps built once, so it allocates nothing beyond prom-client.
 *
 * @example
 * const metrics = new ServerMetrics();
 * const engine = await Engine.open({ store, onOperation: metrics.onOperation, onAuditCommit: metrics.onAuditCommit });
 * const app = await buildServer({ engine, metrics });
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #httpRequests: Counter<HttpLabels>;
  readonly #httpDuration: Histogram<HttpLabels>;
  readonly #operations: Counter<'action' | 'key_spec' | 'outcome'>;
  readonly #operationDuration: Histogram<'action'>;
  readonly #auditAppend: Histogram;
  readonly #auditEntries: Counter;
  readonly #operationChildren = new Map<string, Map<string, Map<string, OperationChild>>>();
  #sealed: (() => boolean) | null = null;
  #leader: (() => boolean) | null = null;

  constructor() {
    const registers = [this.registry];
    this.#httpRequests = new Counter({ name: 'keyward_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status class', labelNames: ['method', 'route', 'status_class'], registers });
    this.#httpDuration = new Histogram({
      name: 'keyward_http_request_duration_seconds',
      help: 'Time from routing a request to finishing its response, by method, route pattern and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#operations = new Counter({ name: 'keyward_operations_total', help: 'Engine operations finished (each one audited), by action, key spec and outcome', labelNames: ['action', 'key_spec', 'outcome'], registers });
    this.#operationDuration = new Histogram({ name: 'keyward_operation_duration_seconds', help: 'Engine operation time including its durable audit append, by action', labelNames: ['action'], buckets: LATENCY_BUCKETS, registers });
    this.#auditAppend = new Histogram({ name: 'keyward_audit_append_duration_seconds', help: 'Time to make one batch of audit entries durable (one transaction)', buckets: LATENCY_BUCKETS, registers });
    this.#auditEntries = new Counter({ name: 'keyward_audit_entries_total', help: 'Audit entries made durable', registers });
    const sealed = (): (() => boolean) | null => this.#sealed;
    new Gauge({
      name: 'keyward_sealed',
      help: '1 while the node is sealed (or not initialised), 0 while unsealed; read at scrape time',
      registers,
      collect() {
        const read = sealed();
        if (read) this.set(read() ? 1 : 0);
      },
    });
    const leader = (): (() => boolean) | null => this.#leader;
    new Gauge({
      name: 'keyward_scheduler_leader',
      help: '1 while this node holds the scheduler lease (runs periodic jobs such as audit checkpoints), else 0',
      registers,
      collect() {
        const read = leader();
        if (read) this.set(read() ? 1 : 0);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** For EngineOptions.onOperation. */
  readonly onOperation = (event: OperationEvent): void => {
    const child = this.#operationChild(event.action, event.keySpec ?? 'none', event.outcome);
    child.total.inc();
    child.duration.observe(event.durationMs / 1000);
  };

  /** For EngineOptions.onAuditCommit: one call per committed batch. */
  readonly onAuditCommit = (entries: number, ms: number): void => {
    this.#auditAppend.observe(ms / 1000);
    this.#auditEntries.inc(entries);
  };

  /** Where the seal and leader gauges read from at scrape time. */
  watchNode(sealed: () => boolean, leader: () => boolean): void {
    this.#sealed = sealed;
    this.#leader = leader;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counter and histogram children of one route and method, one pair per status class. */
  httpChildren(method: string, route: string): readonly HttpChild[] {
    return STATUS_CLASSES.map((statusClass) => {
      const labels = { method, route, status_class: statusClass };
      return { requests: this.#httpRequests.labels(labels), duration: this.#httpDuration.labels(labels) };
    });
  }

  #operationChild(action: string, keySpec: string, outcome: string): OperationChild {
    let bySpec = this.#operationChildren.get(action);
    if (!bySpec) this.#operationChildren.set(action, (bySpec = new Map<string, Map<string, OperationChild>>()));
    let byOutcome = bySpec.get(keySpec);
    if (!byOutcome) bySpec.set(keySpec, (byOutcome = new Map<string, OperationChild>()));
    let child = byOutcome.get(outcome);
    if (!child) {
      child = { total: this.#operations.labels({ action, key_spec: keySpec, outcome }), duration: this.#operationDuration.labels({ action }) };
      byOutcome.set(outcome, child);
    }
    return child;
  }
}

/**
 * Observes every request (by route pattern, per route: the labels are fixed when the route is
 * added), points the seal gauge at the engine, and serves GET /metrics: public like a health check,
 * outside /v1 and the OpenAPI document, and not audited (it calls no engine operation). Must be
 * called before the routes are registered.
 */
export function installMetrics(app: FastifyInstance, metrics: ServerMetrics, engine: Pick<ServerEngine, 'sys' | 'isSchedulerLeader'>): void {
  metrics.watchNode(
    () => engine.sys.status().sealed,
    () => engine.isSchedulerLeader(),
  );
  app.addHook('onRoute', (route) => addObserver(route, metrics));
  const unmatched = new Map<string, readonly HttpChild[]>();
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) {
      let children = unmatched.get(request.method);
      if (!children) unmatched.set(request.method, (children = metrics.httpChildren(request.method, UNMATCHED_ROUTE)));
      observe(children, reply);
    }
    done();
  });
  app.get('/metrics', { schema: { hide: true }, config: { public: true }, logLevel: 'warn' }, async (_request, reply) => {
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });
}

function addObserver(route: RouteOptions, metrics: ServerMetrics): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const byMethod = new Map(methods.map((method) => [method, metrics.httpChildren(method, route.url)]));
  const hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const children = byMethod.get(request.method);
    if (children) observe(children, reply);
    done();
  };
  const existing = route.onResponse;
  route.onResponse = existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook];
}

function observe(children: readonly HttpChild[], reply: FastifyReply): void {
  const index = Math.floor(reply.statusCode / 100);
  const child = children[index >= 1 && index <= 5 ? index : 0];
  child?.requests.inc();
  child?.duration.observe(reply.elapsedTime / 1000);
}
