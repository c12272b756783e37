/**
 * Viewer tokens: HS256-signed JWTs for people's browsers and wallboards. The Worker verifies the
 * signature, expiry and revocation before a request reaches a Durable Object; the object only ever
 * sees the resulting viewer. Every token issued has a row in D1, so any can be revoked.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { sign, verify } from "hono/jwt";
import { z } from "zod";
import { Role } from "../protocol/index.ts";
import { viewerTokens } from "./db/schema.ts";
import { ProblemError } from "./problem.ts";

const ISSUER = "floorboard";
const MIN_SECRET_LENGTH = 32;

/** What a token says about its holder. Ids are the org's own. */
export const ViewerClaims = z.object({
  iss: z.literal(ISSUER),
  jti: z.string(),
  org: z.string(),
  role: Role,
  agent: z.string().optional(),
  teams: z.array(z.string()).default([]),
  depts: z.array(z.string()).default([]),
  boards: z.array(z.string()).default([]),
  iat: z.number(),
  exp: z.number(),
});
export type ViewerClaims = z.infer<typeof ViewerClaims>;

export function tokenSecret(env: Env): string {
  const secret = env.VIEWER_TOKEN_SECRET;
  if (!secret || secret.length < MIN_SECRET_LENGTH) {
    throw new ProblemError(503, "Viewer tokens are not configured", `Set the VIEWER_TOKEN_SECRET secret (at least ${MIN_SECRET_LENGTH} characters).`);
  }
  return secret;
}

export function signViewerToken(env: Env, claims: ViewerClaims): Promise<string> {
  return sign(claims, tokenSecret(env), "HS256");
}

/** A JWT has three dot-separated base64url parts; API keys start with `fb_` and have none. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/**
 * Revocation is looked up in D1 and remembered per isolate for a short while: a revoked token is
 * refused everywhere within this long, and its open sockets are closed at once by the revocation.
 */
const REVOCATION_CACHE_MS = 10_000;
const revocationCache = new Map<string, { revoked: boolean; expires: number }>();

/** The token's claims, or null if it is forged, malformed, expired or revoked. */
export async function verifyViewerToken(env: Env, token: string): Promise<ViewerClaims | null> {
  let payload: unknown;
  try {
    // The algorithm is fixed: a token whose header says `none` or anything else is refused.
    payload = await verify(token, tokenSecret(env), { alg: "HS256", iss: ISSUER });
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    return null;
  }
  const claims = ViewerClaims.safeParse(payload);
  if (!claims.success) return null;
  return (await isRevoked(env.DB, claims.data.jti)) ? null : claims.data;
}

async function isRevoked(db: D1Database, id: string): Promise<boolean> {
  const now = Date.now();
  const cached = revocationCache.get(id);
  if (cached && cached.expires > now) return cached.revoked;
  let row: { revokedAt: number | null } | undefined;
  try {
    [row] = await drizzle(db).select({ revokedAt: viewerTokens.revokedAt }).from(viewerTokens).where(eq(viewerTokens.id, id)).limit(1);
  } catch (error) {
    // D1 is unreachable: what this isolate knew still holds; a token never seen is not let in.
    if (cached) return cached.revoked;
    throw error;
  }
  // A signed token without a row was issued by a database that no longer has it: refuse it.
  const revoked = !row || row.revokedAt !== null;
  if (revocationCache.size > 10_000) revocationCache.clear();
  revocationCache.set(id, { revoked, expires: now + REVOCATION_CACHE_MS });
  return revoked;
}

export function forgetRevocation(id: string): void {
  revocationCache.delete(id);
}
