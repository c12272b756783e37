import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { Problem } from "../protocol/index.ts";

type FieldError = NonNullable<Problem["errors"]>[number];

/** The rate limiters' window (wrangler.jsonc `ratelimits[].simple.period`). */
const RATE_LIMIT_PERIOD_S = 10;

/**
 * Counts one request against `key` and refuses it with a 429 once the limiter's budget for the
 * current window is spent. `path` names what was limited (`header/authorization`, `path/sourceId`).
 */
export async function enforceRateLimit(limiter: RateLimit, key: string, path: string, what: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new ProblemError(429, "Too many requests", `${what} is over its rate limit; retry after ${RATE_LIMIT_PERIOD_S} seconds.`, [
      { path, message: "rate limit exceeded" },
    ]);
  }
}

/** A request we refuse with an RFC 9457 problem document; thrown from anywhere in a route. */
export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
  }
}

const TYPES: Record<number, string> = {
  400: "bad-request",
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  409: "conflict",
  413: "payload-too-large",
  415: "unsupported-media-type",
  422: "validation-failed",
  426: "upgrade-required",
  429: "too-many-requests",
  503: "unavailable",
};

export function problemResponse(p: ProblemError): Response {
  const body: Problem = {
    type: `https://floorboard.dev/problems/${TYPES[p.status] ?? "error"}`,
    title: p.title,
    status: p.status,
    ...(p.detail ? { detail: p.detail } : {}),
    ...(p.errors ? { errors: p.errors } : {}),
  };
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (p.status === 401) headers["www-authenticate"] = 'Bearer realm="floorboard"';
  if (p.status === 429) headers["retry-after"] = String(RATE_LIMIT_PERIOD_S);
  return new Response(JSON.stringify(body), { status: p.status, headers });
}

/** JSON Pointer (RFC 6901) for a zod issue path, prefixed by where the value came from. */
export function pointer(path: readonly PropertyKey[], root = ""): string {
  return root + path.map((p) => "/" + String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("");
}

export function invalid(issues: readonly z.core.$ZodIssue[], root = ""): ProblemError {
  const errors = issues.map((issue) => ({ path: pointer(issue.path, root), message: issue.message }));
  const fields = [...new Set(errors.map((e) => e.path || "/"))].slice(0, 5).join(", ");
  return new ProblemError(422, "Validation failed", `Invalid field(s): ${fields}`, errors);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, root = ""): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(result.error.issues, root);
  return result.data;
}

/** Reads a JSON body (size already bounded by the body-limit middleware) and validates it. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ProblemError(415, "Unsupported media type", "Send the body as application/json.", [
      { path: "header/content-type", message: `expected application/json, got ${type || "nothing"}` },
    ]);
  }
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProblemError(400, "Malformed JSON", error instanceof Error ? error.message : "The body is not valid JSON.", [
      { path: "", message: "not valid JSON" },
    ]);
  }
  return parseWith(schema, value);
}

export const notFound = (what: string, id: string) =>
  new ProblemError(404, "Not found", `No ${what} '${id}' in this org.`, [{ path: "", message: `unknown ${what}` }]);

/** Validates the query string; errors point at `query/<name>`. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return parseWith(schema, c.req.query(), "query");
}
