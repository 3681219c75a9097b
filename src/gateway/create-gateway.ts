import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from "fastify";
import type { LoadedConfig } from "../config/index.js";
import { SparkError, toSparkError } from "../core/index.js";
import type { LocalEngine } from "../models/index.js";
import {
  createApiKeyStore,
  createMemoryAffinityStore,
  createResponseStore,
  createUsageStore,
  createWebConversationStore,
  DEFAULT_RESPONSE_STORE_LIMITS,
  DEFAULT_WEB_CONVERSATION_QUOTA,
  type AffinityStore,
  type SharedCooldowns,
  type Database,
  type RateBucketStore,
} from "../store/index.js";
import { Authenticator } from "./authenticate.js";
import { planChat } from "./chat-route.js";
import { planCompletions } from "./completions-route.js";
import { registerConversationRoutes } from "./conversation-routes.js";
import { logFailure } from "./failure-log.js";
import type { GatewayContext, GatewayLog } from "./gateway-context.js";
import { GatewayMetrics } from "./gateway-metrics.js";
import { handleGeneration } from "./generation-route.js";
import { defaultFamilies, FamilyMatcher } from "./model-families.js";
import { ModelRouter } from "./model-router.js";
import { PoolRegistry, poolSettings } from "./pool-registry.js";
import { readJsonBody, tooLarge } from "./json-body.js";
import { GatewayError, sendError, toGatewayError, wireCode } from "./openai-error.js";
import { planResponses } from "./responses-route.js";
import { registerResponsesSocket } from "./responses-socket-route.js";
import { socketLimits } from "./socket-limits.js";
import { createUpstreamAgents } from "./upstream-proxy.js";
import { UsageRecorder } from "./usage-recorder.js";
import { errorBodies, errorShapeOf } from "./vendor-error.js";
import { registerVendorRoutes } from "./vendor-routes.js";
import { registerWebEvalRoute } from "./web-eval-route.js";
import { registerWebModelsRoute } from "./web-models-route.js";
import { registerWebQuotaRoute } from "./web-quota-route.js";
import { registerWebStatic } from "./web-static.js";

export interface GatewayOptions {
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Spark's SQLite database: API keys and usage records. */
  db: Database;
  buckets: RateBucketStore;
  /** Which replica of a pooled model holds each conversation (default: in this process; Redis with --redis). */
  affinity?: AffinityStore;
  /** Replicas' cool-downs shared with the other gateways (Redis with --redis; default: each gateway its own). */
  cooldowns?: SharedCooldowns;
  localEngine: () => Promise<LocalEngine>;
  log: GatewayLog;
  /** The built web UI served at `/` (default: dist/web beside the compiled gateway). */
  webDir?: string;
}

export interface Gateway {
  app: FastifyInstance;
  context: GatewayContext;
  /** Stops accepting requests, ends open streams, flushes usage and releases clients. */
  close(): Promise<void>;
}

export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;
/** Time limits on receiving a request (never on sending an answer): see gatewayTimeouts. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/**
 * The gateway's time limits. Headers and body are limited from the first byte (a slowloris is cut with a
 * 408 or a closed connection); Node's request timeout is a backstop over both for bodies no parser reads.
 * None of these runs while an answer streams: Node stops timing a request once it is received. The idle
 * limit (no byte either way) is longer than the upstream timeout, so a model that thinks silently is
 * never cut by it.
 */
export function gatewayTimeouts(gateway: { headers_timeout_ms?: number | undefined; body_timeout_ms?: number | undefined; idle_timeout_ms?: number | undefined } | undefined, upstreamTimeoutMs: number) {
  const headersMs = gateway?.headers_timeout_ms ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const bodyMs = gateway?.body_timeout_ms ?? DEFAULT_BODY_TIMEOUT_MS;
  return { headersMs, bodyMs, requestMs: headersMs + bodyMs + 5_000, idleMs: gateway?.idle_timeout_ms ?? upstreamTimeoutMs + 30_000 };
}

/** Fastify's own errors (body parsing, limits) as OpenAI-style errors that say what to fix. */
function fromFastifyError(error: unknown, bodyLimit: number): GatewayError {
  if (error instanceof SparkError) return toGatewayError(error);
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return tooLarge(bodyLimit);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new GatewayError(415, "Send the request body as JSON, with the header Content-Type: application/json.", "unsupported_media_type");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new GatewayError(400, "The request body is empty; send a JSON object.", "invalid_body");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new GatewayError(400, `The request body is not valid JSON (${fastifyError.message ?? "parse error"}). Send a JSON object.`, "invalid_json");
    default:
      break;
  }
  if (error instanceof SyntaxError) return new GatewayError(400, `The request body is not valid JSON (${error.message}). Send a JSON object.`, "invalid_json");
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new GatewayError(status, fastifyError.message ?? "The request is invalid.", "invalid_request");
  }
  return toGatewayError(error);
}

function drainThen(body: IncomingMessage, maxBytes: number, then: () => void): void {
  let seen = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    then();
  };
  const timer = setTimeout(() => body.destroy(), 10_000);
  body.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) body.destroy();
  });
  body.once("end", finish);
  body.once("close", finish);
  body.resume();
}

/**
 * Which requests are authenticated in onRequest: every request that may carry a body (matched route or
 * not) and every API route; the web UI's files and /healthz stay open, /metrics unless configured public.
 */
function needsAuthentication(request: FastifyRequest, publicMetrics: boolean): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return request.method !== "OPTIONS";
  const path = request.url.split("?")[0] ?? "";
  if (path === "/metrics") return !publicMetrics;
  return path.startsWith("/v1/") || path === "/v1" || path.startsWith("/v1beta/") || path === "/v1beta";
}

/** Builds the gateway's Fastify app and its context; `listen` is the caller's. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options.loaded;
  const bodyLimit = config.gateway?.body_limit ?? DEFAULT_BODY_LIMIT;
  const metrics = new GatewayMetrics();
  const keys = createApiKeyStore(options.db);
  const usage = new UsageRecorder(
    createUsageStore(options.db),
    (work) => options.db.transaction(work)(),
    (error) => options.log("error", `could not record usage: ${toSparkError(error).message}`),
  );
  const pools = new PoolRegistry(
    { settings: poolSettings(config.gateway?.pool), affinity: options.affinity ?? createMemoryAffinityStore(), cooldowns: options.cooldowns, metrics, log: options.log },
    config.gateway?.pool?.probe_interval_ms,
  );
  const router = new ModelRouter({ loaded: options.loaded, env: options.env, cwd: options.cwd, localEngine: options.localEngine, pools });
  router.openPools();
  const context: GatewayContext = {
    config,
    router,
    auth: new Authenticator(keys),
    buckets: options.buckets,
    usage,
    metrics,
    families: new FamilyMatcher(config.families ?? defaultFamilies),
    agents: createUpstreamAgents(),
    log: options.log,
    responses: createResponseStore(options.db, {
      maxResponses: config.gateway?.stored_responses_max ?? DEFAULT_RESPONSE_STORE_LIMITS.maxResponses,
      maxBytes: config.gateway?.stored_responses_max_bytes ?? DEFAULT_RESPONSE_STORE_LIMITS.maxBytes,
      ttlMs: config.gateway?.stored_response_ttl_ms ?? DEFAULT_RESPONSE_STORE_LIMITS.ttlMs,
    }),
    defaultMaxTokens: config.gateway?.default_max_tokens ?? 4096,
    timeoutMs: config.network?.timeout_ms ?? 600_000,
  };

  const timeouts = gatewayTimeouts(config.gateway, context.timeoutMs);
  const app = Fastify({
    logger: false,
    bodyLimit,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: true,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    // Node checks the headers and request timeouts every 30 s by default: once a second keeps them close to the limit.
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: 1000 },
  });

  // Every body goes through one reader with the size, time, encoding and depth limits: JSON is the only
  // type accepted (Fastify's text/plain parser would read a body with none of them), others get a 415 unread.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", (request: FastifyRequest) => readJsonBody(request.raw, { maxBytes: bodyLimit, timeoutMs: timeouts.bodyMs }));

  // Authentication runs when the headers are in, before any body is read: a caller without a key cannot
  // make the gateway buffer anything. Routes read the principal found here (the Authenticator keeps it).
  app.addHook("onRequest", async (request) => {
    if (needsAuthentication(request, config.gateway?.public_metrics === true)) context.auth.authenticate(request.raw);
  });

  app.setErrorHandler((error, request, reply) => {
    // A generation's failure after its reservation never comes here: its route answers (and counts) it.
    const failure = fromFastifyError(error, bodyLimit);
    metrics.answered({ route: request.routeOptions.url ?? "unmatched", model: "-", status: failure.status, errorCode: wireCode(failure) });
    // The path only: a Gemini client's query may carry its key (?key=).
    logFailure(options.log, `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`, failure);
    if (reply.sent || reply.raw.headersSent) return;
    // An answer given before the body was read (no key, too slow, wrong type) ends the connection: the rest
    // of the body is never read, so it cannot carry another request.
    if (!request.raw.complete && failure.status !== 413) reply.header("connection", "close");
    const send = () => void sendError(reply, failure, errorBodies[errorShapeOf(request.url)]);
    // A body refused unread (too large) is drained first: answering mid-upload makes the client see a
    // broken pipe instead of the 413. Draining is bounded; past that the connection is cut.
    if (failure.status === 413 && !request.raw.complete && !request.raw.destroyed) drainThen(request.raw, bodyLimit * 4, send);
    else send();
  });
  app.setNotFoundHandler((request, reply) => {
    const failure = new GatewayError(
      404,
      `There is no route ${request.method} ${request.url.split("?")[0] ?? ""}. This gateway serves the web UI at GET /, GET /v1/models, POST /v1/chat/completions, POST /v1/responses, POST /v1/completions, /v1/spark/conversations, POST /v1/messages (Anthropic), POST /v1beta/models/MODEL:generateContent (Gemini), GET /v1/spark/pools, GET /v1/spark/eval (the page /eval.html), GET /healthz and GET /metrics.`,
      "unknown_route",
    );
    metrics.answered({ route: "unmatched", model: "-", status: 404, errorCode: wireCode(failure) });
    void sendError(reply, failure, errorBodies[errorShapeOf(request.url)]);
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/v1/models", async (request) => {
    context.auth.authenticate(request.raw);
    return { object: "list", data: router.list() };
  });
  app.get<{ Params: { "*": string } }>("/v1/models/*", async (request) => {
    context.auth.authenticate(request.raw);
    const id = request.params["*"];
    const found = router.list().find((model) => model.id === id);
    if (!found) throw new GatewayError(404, `The model '${id}' does not exist on this gateway. GET /v1/models lists them.`, "model_unknown", "model");
    return found;
  });
  app.post("/v1/chat/completions", (request, reply) => handleGeneration(context, request, reply, "/v1/chat/completions", (body) => planChat(context, body)));
  app.post("/v1/responses", (request, reply) => handleGeneration(context, request, reply, "/v1/responses", (body, principal) => planResponses(context, body, principal)));
  app.post("/v1/completions", (request, reply) => handleGeneration(context, request, reply, "/v1/completions", (body) => planCompletions(context, body)));
  registerVendorRoutes(app, context);
  registerResponsesSocket(app, context, socketLimits(config, bodyLimit));
  registerWebModelsRoute(app, context.auth, router, context.families);
  registerWebQuotaRoute(app, context);
  registerWebEvalRoute(app, context.auth, options.db);
  const quota = {
    conversations: config.gateway?.conversations_max ?? DEFAULT_WEB_CONVERSATION_QUOTA.conversations,
    characters: config.gateway?.conversation_storage_max_chars ?? DEFAULT_WEB_CONVERSATION_QUOTA.characters,
  };
  registerConversationRoutes(app, context, createWebConversationStore(options.db, quota), quota);
  registerWebStatic(app, options.webDir);
  app.get("/v1/spark/pools", async (request) => {
    context.auth.authenticate(request.raw);
    return { object: "list", data: pools.status() };
  });
  app.get("/metrics", async (request, reply) => {
    if (!config.gateway?.public_metrics) context.auth.authenticate(request.raw);
    return reply.header("content-type", metrics.registry.contentType).send(await metrics.text());
  });

  await app.ready();
  return {
    app,
    context,
    close: async () => {
      await app.close();
      usage.close();
      await router.close();
      context.agents.http.destroy();
      context.agents.https.destroy();
    },
  };
}
