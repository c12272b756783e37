/** Boards: configuration (admin), snapshots and the live WebSocket (read). */
import { and, asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { type Board, BoardCreate, BoardPatch, type ErrorFrame } from "../../protocol/index.ts";
import type { Viewer } from "../../durable-objects/projection.ts";
import { type AppEnv, authenticate, type Caller, randomId, requireScope } from "../auth.ts";
import { deactivateInOrg, findInOrg, inOrg } from "../db/org-rows.ts";
import { boards, metrics, teams } from "../db/schema.ts";
import { notFound, ProblemError, readJson } from "../problem.ts";
import { refreshTeams, teamBoard } from "../team-boards.ts";

export const boardRoutes = new Hono<AppEnv>();

type BoardRow = typeof boards.$inferSelect;
const boardJson = (r: BoardRow): Board => ({
  id: r.id,
  name: r.name,
  teamId: r.teamId,
  metric: r.metricKey,
  period: r.period,
  active: r.active,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
});


async function activeMetric(env: Env, orgId: string, key: string) {
  const [row] = await drizzle(env.DB)
    .select()
    .from(metrics)
    .where(and(eq(metrics.orgId, orgId), eq(metrics.key, key), eq(metrics.active, true)));
  if (!row) {
    throw new ProblemError(422, "Unknown reference", `No active metric '${key}' in this org.`, [{ path: "/metric", message: `unknown metric '${key}'` }]);
  }
  return row;
}

const viewerOf = (caller: Caller): Viewer => ({ kind: "key", keyId: caller.keyId });

boardRoutes.get("/boards", requireScope("read"), async (c) => {
  const teamId = c.req.query("teamId");
  const rows = await drizzle(c.env.DB)
    .select()
    .from(boards)
    .where(and(eq(boards.orgId, c.var.caller.orgId), teamId ? eq(boards.teamId, teamId) : undefined))
    .orderBy(asc(boards.teamId), asc(boards.id));
  return c.json({ boards: rows.map(boardJson) });
});

boardRoutes.post("/boards", requireScope("admin"), async (c) => {
  const body = await readJson(c, BoardCreate);
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  const [team] = await db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.orgId, orgId), eq(teams.id, body.teamId), eq(teams.active, true)));
  if (!team) {
    throw new ProblemError(422, "Unknown reference", `No active team '${body.teamId}' in this org.`, [{ path: "/teamId", message: `unknown team '${body.teamId}'` }]);
  }
  const metric = await activeMetric(c.env, orgId, body.metric);
  const now = Date.now();
  const id = body.id ?? randomId("brd");
  const [row] = await db
    .insert(boards)
    .values({
      orgId,
      id,
      name: body.name ?? `${metric.label} · ${body.period}`,
      teamId: body.teamId,
      metricKey: body.metric,
      period: body.period,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ProblemError(409, "Conflict", `A board with id '${id}' already exists.`, [{ path: "/id", message: "already exists" }]);
  await refreshTeams(c.env, orgId, [row.teamId]);
  return c.json(boardJson(row), 201);
});

boardRoutes.patch("/boards/:id", requireScope("admin"), async (c) => {
  const body = await readJson(c, BoardPatch);
  const orgId = c.var.caller.orgId;
  if (body.metric) await activeMetric(c.env, orgId, body.metric);
  const { metric, ...rest } = body;
  const [row] = await drizzle(c.env.DB)
    .update(boards)
    .set({ ...rest, ...(metric ? { metricKey: metric } : {}), updatedAt: Date.now() })
    .where(inOrg(boards, orgId, c.req.param("id")))
    .returning();
  if (!row) throw notFound("board", c.req.param("id"));
  await refreshTeams(c.env, orgId, [row.teamId]);
  return c.json(boardJson(row));
});

boardRoutes.delete("/boards/:id", requireScope("admin"), async (c) => {
  const orgId = c.var.caller.orgId;
  const row = await deactivateInOrg(drizzle(c.env.DB), boards, "board", orgId, c.req.param("id"));
  await refreshTeams(c.env, orgId, [row.teamId]);
  return c.json(boardJson(row));
});

/** The board's configuration and its current standings, as this caller may see them. */
boardRoutes.get("/boards/:id", requireScope("read"), async (c) => {
  const { orgId } = c.var.caller;
  const row = await findInOrg(drizzle(c.env.DB), boards, "board", orgId, c.req.param("id"));
  if (!row.active) return c.json({ board: boardJson(row), snapshot: null });
  const snapshot = await teamBoard(c.env, orgId, row.teamId).snapshot({ orgId, teamId: row.teamId }, row.id, viewerOf(c.var.caller));
  if (!snapshot) throw notFound("board", row.id);
  return c.json({ board: boardJson(row), snapshot });
});

/**
 * The live board over a WebSocket. The credential is checked here, before the request reaches
 * the Durable Object; the object receives the viewer's identity in a header it alone trusts.
 */
boardRoutes.get("/boards/:id/live", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ProblemError(426, "Upgrade required", "Open this URL as a WebSocket.", [{ path: "header/upgrade", message: "expected 'websocket'" }]);
  }
  let caller: Caller;
  let row: BoardRow;
  try {
    caller = await authenticate(c, "read", { allowQueryToken: true });
    row = await findInOrg(drizzle(c.env.DB), boards, "board", caller.orgId, c.req.param("id"));
    if (!row.active) throw notFound("active board", row.id);
  } catch (error) {
    if (error instanceof ProblemError) return refuseSocket(error);
    throw error;
  }
  const headers = new Headers({ upgrade: "websocket" });
  headers.set("x-floorboard-connect", JSON.stringify({ orgId: caller.orgId, teamId: row.teamId, boardId: row.id, viewer: viewerOf(caller) }));
  return teamBoard(c.env, caller.orgId, row.teamId).fetch("https://team-board/connect", { headers });
});

const REFUSAL_CODES: Partial<Record<number, ErrorFrame["code"]>> = { 401: "unauthorized", 403: "forbidden", 404: "not_found" };

/**
 * Browsers hide a failed handshake's status from scripts, so a refused socket is accepted, told
 * why in an `error` frame, and closed with 4000 + the HTTP status: clients stop retrying on 44xx.
 */
function refuseSocket(problem: ProblemError): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  const frame: ErrorFrame = { type: "error", code: REFUSAL_CODES[problem.status] ?? "refused", message: problem.detail ?? problem.title };
  server.send(JSON.stringify(frame));
  server.close(4000 + problem.status, problem.title);
  return new Response(null, { status: 101, webSocket: client });
}
