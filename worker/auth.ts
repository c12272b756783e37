import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Scope } from "../protocol/index.ts";
import { apiKeys } from "./db/schema.ts";
import { enforceRateLimit, ProblemError } from "./problem.ts";
import { looksLikeJwt, type ViewerClaims, verifyViewerToken } from "./viewer-tokens.ts";

/** Who is calling: an API key, or a person or wallboard with a viewer token. */
export interface Caller {
  orgId: string;
  /** `key:<id>` or `token:<id>`; recorded in audit rows. */
  actor: string;
  scopes: readonly Scope[];
  /** Set for viewer tokens: the role and what it covers. Absent for API keys. */
  token?: ViewerClaims;
}

export type AppEnv = { Bindings: Env; Variables: { caller: Caller } };

const KEY_PREFIX = "fb_";

/** A new API key: `fb_` + 256 random bits, base64url. Only its hash is stored. */
export async function newApiKey(): Promise<{ key: string; prefix: string; hash: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const key = KEY_PREFIX + base64url(bytes);
  return { key, prefix: key.slice(0, 10), hash: await sha256Hex(key) };
}

export function randomId(prefix: string): string {
  return `${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(12)))}`;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Verified keys are cached in the isolate so ingest does not pay a D1 read per request.
 * A revoked key therefore keeps working in an isolate for up to this long.
 */
const KEY_CACHE_TTL_MS = 30_000;
const keyCache = new Map<string, { caller: Caller | null; expires: number }>();

export async function callerForKey(db: D1Database, key: string): Promise<Caller | null> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 100) return null;
  const hash = await sha256Hex(key);
  const cached = keyCache.get(hash);
  const now = Date.now();
  if (cached && cached.expires > now) return cached.caller;
  let row: { id: string; orgId: string; scopes: string[] } | undefined;
  try {
    [row] = await drizzle(db)
      .select({ id: apiKeys.id, orgId: apiKeys.orgId, scopes: apiKeys.scopes })
      .from(apiKeys)
      .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
      .limit(1);
  } catch (error) {
    // D1 is unreachable: a key this isolate verified before keeps working, so ingest goes on.
    if (cached) return cached.caller;
    throw error;
  }
  const caller = row ? { orgId: row.orgId, actor: `key:${row.id}`, scopes: row.scopes as Scope[] } : null;
  if (keyCache.size > 10_000) keyCache.clear();
  keyCache.set(hash, { caller, expires: now + KEY_CACHE_TTL_MS });
  return caller;
}

export function forgetKeyHash(hash: string): void {
  keyCache.delete(hash);
}

/** `admin` implies every other scope. */
export function hasScope(caller: Caller, scope: Scope): boolean {
  return caller.scopes.includes(scope) || caller.scopes.includes("admin");
}

/**
 * Viewer tokens act in their org with the `read` scope, narrowed by role to the boards the role
 * covers (see board-access.ts); an `admin` token may also configure the org.
 */
function callerForClaims(claims: ViewerClaims): Caller {
  return { orgId: claims.org, actor: `token:${claims.jti}`, scopes: claims.role === "admin" ? ["admin"] : ["read"], token: claims };
}

/**
 * Authenticates `Authorization: Bearer <API key or viewer token>`, or `?token=` where a header
 * cannot be set (browsers cannot add headers to a WebSocket handshake).
 */
export async function authenticate(c: Context<AppEnv>, scope: Scope, options: { allowQueryToken?: boolean } = {}): Promise<Caller> {
  const header = c.req.header("authorization");
  const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? (options.allowQueryToken ? c.req.query("token") : undefined);
  const where = header ? "header/authorization" : "query/token";
  if (!token) {
    throw new ProblemError(401, "Unauthorized", "Send an API key or viewer token as `Authorization: Bearer …`.", [
      { path: "header/authorization", message: "missing" },
    ]);
  }
  const isJwt = looksLikeJwt(token);
  const claims = isJwt ? await verifyViewerToken(c.env, token) : null;
  const caller = claims ? callerForClaims(claims) : isJwt ? null : await callerForKey(c.env.DB, token);
  if (!caller) {
    const what = isJwt ? "viewer token is forged, expired or revoked" : "API key is not valid or has been revoked";
    throw new ProblemError(401, "Unauthorized", `The ${what}.`, [{ path: where, message: isJwt ? "invalid token" : "invalid key" }]);
  }
  // Every API key has its own budget of requests. Opening a live socket is not counted: sockets are
  // long-lived, and a board's object refuses clients that flood it.
  if (!caller.token && !options.allowQueryToken) await enforceRateLimit(c.env.CALLER_RATE_LIMITER, caller.actor, where, "This key");
  if (!hasScope(caller, scope)) {
    const who = caller.token ? `A '${caller.token.role}' token` : "This key";
    throw new ProblemError(403, "Forbidden", `${who} lacks the '${scope}' scope.`, [{ path: where, message: `needs scope '${scope}'` }]);
  }
  return caller;
}

export function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("caller", await authenticate(c, scope));
    await next();
  });
}
