import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { gatewaySecretProblem } from '@curbside/auth';
import {
  logLevelSchema,
  parseEnv,
  portSchema,
  redisClusterNodesSchema,
  redisKeyPrefixSchema,
  redisUrlSchema,
} from '@curbside/service';

const defaultSupergraphPath = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

const fields = z.object({
  PORT: portSchema.default(4000),
  HOST: z.string().default('127.0.0.1'),
  /** Any valid supergraph; relative paths are from the working directory. */
  SUPERGRAPH_PATH: z.string().default(defaultSupergraphPath),
  /** Where the user subgraph publishes the access-token keys. */
  JWKS_URL: z.url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Extra browser origins allowed by CORS, comma-separated (Studio and, in development, localhost always are). */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  /**
   * Proxies in front of the gateway that append to X-Forwarded-For: per-IP limits take the client from that
   * many entries from the right (what the client wrote itself, further left, is ignored). `true` is 1, `false` 0.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, ctx) => {
      if (value === 'true') return 1;
      if (value === 'false') return 0;
      if (/^\d{1,2}$/.test(value)) return Number(value);
      ctx.addIssue({ code: 'custom', message: `expected true, false or a number of proxies, but got '${value}'` });
      return z.NEVER;
    }),
  /**
   * In production, the bearer token that reads /metrics (every deployable) and the gateway's /ready details
   * (`Authorization: Bearer <token>`); unset, /metrics is not served in production. Outside production both are
   * open.
   */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** On SIGTERM, how long /ready answers 503 while requests are still served (for the load balancer to notice). */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(0),
  /** After that delay, how long in-flight requests may take to finish before their connections are cut. */
  DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /**
   * The hard stop: a stop still running this long after SIGTERM exits the process (code 1). It must hold
   * SHUTDOWN_DELAY_MS + DRAIN_TIMEOUT_MS + 2 s (closing Apollo, Redis and the exporter), and stay below the
   * orchestrator's own limit (Kubernetes' terminationGracePeriodSeconds), which kills the process outright.
   */
  STOP_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  /** Trusted documents: off, allow (ids from the manifest also accepted) or safelist (only the manifest runs). */
  PERSISTED_DOCUMENTS: z.enum(['off', 'allow', 'safelist']).default('off'),
  /** The manifest (`persisted-documents.json` from @graphql-codegen/client-preset); required unless off. */
  PERSISTED_DOCUMENTS_MANIFEST: z.string().optional(),
  /** How long a subgraph fetch may take before its fields are given up with GATEWAY_TIMEOUT. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * Identical subgraph query fetches in flight (same operation, variables and credentials; anonymous ones with
   * anonymous ones) share one request. Never mutations.
   */
  SUBGRAPH_SHARE_IN_FLIGHT_QUERIES: z.enum(['on', 'off']).default('on'),
  /**
   * Identical inbound queries in flight (same document, operation, variables and credentials) share one
   * execution; each request is still admitted, limited and charged on its own. For traffic where many clients
   * send the same query at once (a public feed, a dashboard).
   */
  SHARE_IN_FLIGHT_OPERATIONS: z.enum(['on', 'off']).default('off'),
  /** Rate limits per minute, shared by every gateway through Redis: cost points per user / per anonymous IP. */
  RATE_LIMIT_USER_COST: z.coerce.number().int().positive().default(50_000),
  RATE_LIMIT_ANONYMOUS_COST: z.coerce.number().int().positive().default(20_000),
  /**
   * What one operation may ask for (gateway/src/operation-limits.ts), the same over HTTP and the WebSocket:
   * lexical tokens, depth, aliases, root fields, directives and estimated cost (README, "Operation limits"). The
   * defaults are `defaultOperationLimits` (env.test.ts holds them equal).
   */
  OPERATION_MAX_TOKENS: z.coerce.number().int().positive().default(15_000),
  OPERATION_MAX_DEPTH: z.coerce.number().int().positive().default(10),
  OPERATION_MAX_ALIASES: z.coerce.number().int().min(0).default(30),
  OPERATION_MAX_ROOT_FIELDS: z.coerce.number().int().positive().default(20),
  OPERATION_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  OPERATION_MAX_COST: z.coerce.number().int().positive().default(5_000),
  /** login / refreshSession attempts per minute, per IP and per account. */
  RATE_LIMIT_AUTH_ATTEMPTS: z.coerce.number().int().positive().default(10),
  /**
   * Sent to every subgraph (`x-curbside-gateway`), which then answers only the gateway: at least 32 characters,
   * the same for the gateway and every subgraph. Required when NODE_ENV=production; unset, nothing is sent.
   */
  GATEWAY_SECRET: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      // Checked here too, so a short secret is reported with other problems; production rules are below.
      const problem = gatewaySecretProblem(value, { production: false });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  REDIS_URL: redisUrlSchema,
  REDIS_CLUSTER_NODES: redisClusterNodesSchema,
  REDIS_KEY_PREFIX: redisKeyPrefixSchema,
  LOG_LEVEL: logLevelSchema,
});

/** What a stop does after the drain (Apollo, Redis, the trace exporter) gets this long: 2 seconds. */
export const afterDrainMs = 2_000;

/**
 * Every variable; GATEWAY_SECRET is checked against NODE_ENV (required in production), the shutdown delay and
 * the drain against the hard stop.
 */
const schema = fields.superRefine((env, ctx) => {
  const problem = gatewaySecretProblem(env.GATEWAY_SECRET, { production: env.NODE_ENV === 'production' });
  if (problem) ctx.addIssue({ code: 'custom', path: ['GATEWAY_SECRET'], message: problem });
  const needed = env.SHUTDOWN_DELAY_MS + env.DRAIN_TIMEOUT_MS + afterDrainMs;
  if (needed > env.STOP_TIMEOUT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['STOP_TIMEOUT_MS'],
      message: `expected at least SHUTDOWN_DELAY_MS + DRAIN_TIMEOUT_MS + ${afterDrainMs} ms (${needed}), but got ${env.STOP_TIMEOUT_MS}`,
    });
  }
});

export type GatewayEnv = z.infer<typeof schema> & {
  /** `SUBGRAPH_URL_<NAME>=<url>` overrides the URL the supergraph gives subgraph <name>. */
  subgraphUrls: Record<string, string>;
};

export function loadEnv(source: NodeJS.ProcessEnv): GatewayEnv {
  const env = parseEnv(schema, source);
  const subgraphUrls: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    const match = /^SUBGRAPH_URL_([A-Z0-9_]+)$/.exec(name);
    if (match?.[1] && value) subgraphUrls[match[1].toLowerCase()] = value;
  }
  return { ...env, subgraphUrls };
}
