/** Viewer tokens (issued and revoked by admins) and `/v1/me`, where a token holder sees and sets their own things. */
import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import {
  DISPLAY_TOKEN_TTL_DEFAULT_S,
  type Me,
  MePatch,
  TOKEN_TTL_DEFAULT_S,
  TokenCreate,
  type TokenInfo,
} from "../../protocol/index.ts";
import { type AppEnv, type Caller, randomId, requireScope } from "../auth.ts";
import { stintsOf, teamNow } from "../db/memberships.ts";
import { setOptOut } from "../db/settings-audit.ts";
import { agents, boards, departments, teams, viewerTokens } from "../db/schema.ts";
import { notFound, ProblemError, readJson } from "../problem.ts";
import { closeTokenSockets, refreshTeams } from "../board-hosts.ts";
import { forgetRevocation, signViewerToken, tokenSecret } from "../viewer-tokens.ts";

export const tokens = new Hono<AppEnv>();

const tokenJson = (r: typeof viewerTokens.$inferSelect): TokenInfo => ({
  id: r.id,
  role: r.role,
  name: r.name,
  agentId: r.agentId,
  teamIds: r.teamIds,
  departmentIds: r.departmentIds,
  boardIds: r.boardIds,
  createdAt: new Date(r.createdAt).toISOString(),
  expiresAt: new Date(r.expiresAt).toISOString(),
  revokedAt: r.revokedAt ? new Date(r.revokedAt).toISOString() : null,
});

tokens.post("/tokens", requireScope("admin"), async (c) => {
  tokenSecret(c.env); // Refuse before anything is written if tokens cannot be signed.
  const body = await readJson(c, TokenCreate);
  const { orgId, actor } = c.var.caller;
  await checkReferences(c.env.DB, orgId, body);

  const now = Date.now();
  const ttlSeconds = body.ttlSeconds ?? (body.role === "display" ? DISPLAY_TOKEN_TTL_DEFAULT_S : TOKEN_TTL_DEFAULT_S);
  const iat = Math.floor(now / 1000);
  const exp = iat + ttlSeconds;
  const [row] = await drizzle(c.env.DB)
    .insert(viewerTokens)
    .values({
      id: randomId("tok"),
      orgId,
      role: body.role,
      name: body.name ?? null,
      agentId: body.agentId ?? null,
      teamIds: body.teamIds ?? [],
      departmentIds: body.departmentIds ?? [],
      boardIds: body.boardIds ?? [],
      issuedBy: actor,
      createdAt: now,
      expiresAt: exp * 1000,
    })
    .returning();
  const info = tokenJson(row!);
  const token = await signViewerToken(c.env, {
    iss: "floorboard",
    jti: info.id,
    org: orgId,
    role: body.role,
    ...(body.agentId ? { agent: body.agentId } : {}),
    teams: info.teamIds,
    depts: info.departmentIds,
    boards: info.boardIds,
    iat,
    exp,
  });
  return c.json({ ...info, token }, 201);
});

/** Every id a token names must be an active row of the org: a typo would otherwise grant nothing silently. */
async function checkReferences(d1: D1Database, orgId: string, body: TokenCreate): Promise<void> {
  const db = drizzle(d1);
  const errors: { path: string; message: string }[] = [];
  const check = async (ids: readonly string[] | undefined, field: string, what: string, table: typeof agents | typeof teams | typeof departments | typeof boards) => {
    if (!ids) return;
    const rows = await db
      .select({ id: table.id })
      .from(table)
      .where(and(eq(table.orgId, orgId), inArray(table.id, [...ids]), eq(table.active, true)));
    const found = new Set(rows.map((r) => r.id));
    ids.forEach((id, i) => {
      if (!found.has(id)) errors.push({ path: field === "agentId" ? "/agentId" : `/${field}/${i}`, message: `unknown ${what} '${id}'` });
    });
  };
  await check(body.agentId === undefined ? undefined : [body.agentId], "agentId", "agent", agents);
  await check(body.teamIds, "teamIds", "team", teams);
  await check(body.departmentIds, "departmentIds", "department", departments);
  await check(body.boardIds, "boardIds", "board", boards);
  if (errors.length > 0) throw new ProblemError(422, "Unknown reference", "The token names something that is not in this org.", errors);
}

tokens.get("/tokens", requireScope("admin"), async (c) => {
  const rows = await drizzle(c.env.DB)
    .select()
    .from(viewerTokens)
    .where(eq(viewerTokens.orgId, c.var.caller.orgId))
    .orderBy(desc(viewerTokens.createdAt))
    .limit(1000);
  return c.json({ tokens: rows.map(tokenJson) });
});

/** Revokes a token: refused from now on, and every socket it opened is closed within seconds. */
tokens.delete("/tokens/:id", requireScope("admin"), async (c) => {
  const { orgId } = c.var.caller;
  const id = c.req.param("id");
  const [row] = await drizzle(c.env.DB)
    .update(viewerTokens)
    .set({ revokedAt: Date.now() })
    .where(and(eq(viewerTokens.orgId, orgId), eq(viewerTokens.id, id), isNull(viewerTokens.revokedAt)))
    .returning();
  if (!row) throw notFound("unrevoked token", id);
  forgetRevocation(id);
  await closeTokenSockets(c.env, orgId, id);
  return c.json(tokenJson(row));
});

async function meOf(d1: D1Database, caller: Caller): Promise<Me> {
  const agentId = caller.token?.agent;
  if (!caller.token || !agentId) return { role: caller.token?.role ?? "key", agent: null };
  const [row] = await drizzle(d1)
    .select({ id: agents.id, name: agents.name, teamId: teamNow(Date.now()), optedOut: agents.optedOut })
    .from(agents)
    .where(and(eq(agents.orgId, caller.orgId), eq(agents.id, agentId)))
    .limit(1);
  return { role: caller.token.role, agent: row ? { id: row.id, name: row.name, teamId: row.teamId, optedOut: row.optedOut } : null };
}

tokens.get("/me", requireScope("read"), async (c) => c.json(await meOf(c.env.DB, c.var.caller)));

/** An agent opts out of being named to colleagues and wallboards, or back in. Only with their own token. */
tokens.patch("/me", requireScope("read"), async (c) => {
  const caller = c.var.caller;
  const agentId = caller.token?.role === "agent" ? caller.token.agent : undefined;
  if (!agentId) {
    throw new ProblemError(403, "Forbidden", "Only an agent's own token can change their opt-out.", [
      { path: "header/authorization", message: "needs an agent token" },
    ]);
  }
  const body = await readJson(c, MePatch);
  if (!(await setOptOut(c.env.DB, caller.orgId, agentId, caller.actor, body.optedOut))) throw notFound("active agent", agentId);
  const me = await meOf(c.env.DB, caller);
  // Every team the agent is (or was, or will be) in names them on its boards.
  if (me.agent) await refreshTeams(c.env, caller.orgId, (await stintsOf(drizzle(c.env.DB), caller.orgId, [me.agent])).get(me.agent.id)!.map((s) => s.teamId));
  return c.json(me);
});
