/** Boards: configuration (admin), snapshots and the live WebSocket (read). */
import { and, asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { type Board, BoardCreate, BoardPatch, contestProblems, effectiveVisibility, type ErrorFrame, scopeProblems, type VisibilityOverrides } from "../../protocol/index.ts";
import type { SocketRequest } from "../../durable-objects/fanout.ts";
import { type AppEnv, authenticate, type Caller, randomId, requireScope } from "../auth.ts";
import { viewerForBoard, visibleBoards } from "../board-access.ts";
import { deactivateInOrg, findInOrg, inOrg } from "../db/org-rows.ts";
import { boards, departments, metrics, teams } from "../db/schema.ts";
import { notFound, ProblemError, readJson } from "../problem.ts";
import { boardExplain, boardSnapshot, openBoardSocket, refreshBoardHosts } from "../board-hosts.ts";
import { orgVisibility } from "./visibility.ts";

export const boardRoutes = new Hono<AppEnv>();

type BoardRow = typeof boards.$inferSelect;
const boardJson = (r: BoardRow, org: VisibilityOverrides): Board => ({
  id: r.id,
  name: r.name,
  scope: r.scope,
  teamId: r.scope === "team" ? r.teamId : null,
  departmentId: r.departmentId,
  ranks: r.ranks,
  teamScore: r.teamScore,
  metric: r.metricKey,
  period: r.period,
  dayStartHour: r.dayStartHour,
  weekStartsOn: r.weekStartsOn,
  startsAt: r.contestStart === null ? null : new Date(r.contestStart).toISOString(),
  endsAt: r.contestEnd === null ? null : new Date(r.contestEnd).toISOString(),
  active: r.active,
  visibility: effectiveVisibility(org, r.visibility),
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

/** The boards this caller may see (a viewer token sees those of its teams, departments or wallboard). */
boardRoutes.get("/boards", requireScope("read"), async (c) => {
  const teamId = c.req.query("teamId");
  const { orgId } = c.var.caller;
  const [org, rows] = await Promise.all([
    orgVisibility(c.env.DB, orgId),
    drizzle(c.env.DB)
      .select()
      .from(boards)
      .where(and(eq(boards.orgId, orgId), teamId ? eq(boards.teamId, teamId) : undefined))
      .orderBy(asc(boards.teamId), asc(boards.id)),
  ]);
  const visible = await visibleBoards(c.env.DB, c.var.caller, rows);
  return c.json({ boards: visible.map((r) => boardJson(r, org)) });
});

/** A contest needs its window and other periods may not have one: 422 naming the field. */
function checkContest(board: Parameters<typeof contestProblems>[0]): void {
  const problems = contestProblems(board);
  if (problems.length > 0) throw new ProblemError(422, "Validation failed", "A contest board needs startsAt before endsAt; other boards take neither.", problems);
}

const instantOrNull = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

/** A total of averages (or of handle times) means nothing: totals are for sums and counts. */
function checkTeamScore(teamScore: string | null, metric: { key: string; aggregation: string }, path = "/metric"): void {
  if (teamScore !== "total" || metric.aggregation === "sum" || metric.aggregation === "count") return;
  throw new ProblemError(422, "Validation failed", "A total is only meaningful for sum and count metrics; use 'average'.", [
    { path, message: `'total' needs a sum or count metric; '${metric.key}' is ${metric.aggregation}` },
  ]);
}

/** A board's team or department must be an active row of the org. */
async function checkOwner(env: Env, orgId: string, body: { teamId?: string | undefined; departmentId?: string | undefined }): Promise<void> {
  const db = drizzle(env.DB);
  const [table, id, field] = body.teamId ? ([teams, body.teamId, "teamId"] as const) : body.departmentId ? ([departments, body.departmentId, "departmentId"] as const) : [null, "", ""];
  if (!table) return;
  const [row] = await db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.orgId, orgId), eq(table.id, id), eq(table.active, true)));
  const what = field === "teamId" ? "team" : "department";
  if (!row) throw new ProblemError(422, "Unknown reference", `No active ${what} '${id}' in this org.`, [{ path: `/${field}`, message: `unknown ${what} '${id}'` }]);
}

boardRoutes.post("/boards", requireScope("admin"), async (c) => {
  const body = await readJson(c, BoardCreate);
  checkContest(body);
  const scoped = scopeProblems(body);
  if (scoped.length > 0) throw new ProblemError(422, "Validation failed", "A team board names its team; a department roll-up its department; an org roll-up neither.", scoped);
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  await checkOwner(c.env, orgId, body);
  const metric = await activeMetric(c.env, orgId, body.metric);
  const ranksGroups = body.ranks !== "agents";
  checkTeamScore(body.teamScore ?? null, metric, "/teamScore");
  const now = Date.now();
  const id = body.id ?? randomId("brd");
  const [row] = await db
    .insert(boards)
    .values({
      orgId,
      id,
      name: body.name ?? `${metric.label} · ${body.period}`,
      scope: body.scope,
      teamId: body.teamId ?? "",
      departmentId: body.departmentId ?? null,
      ranks: body.ranks,
      teamScore: ranksGroups ? (body.teamScore ?? "average") : null,
      metricKey: body.metric,
      period: body.period,
      dayStartHour: body.dayStartHour,
      weekStartsOn: body.weekStartsOn,
      contestStart: instantOrNull(body.startsAt),
      contestEnd: instantOrNull(body.endsAt),
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ProblemError(409, "Conflict", `A board with id '${id}' already exists.`, [{ path: "/id", message: "already exists" }]);
  await refreshBoardHosts(c.env, orgId, row, { feeders: true });
  return c.json(boardJson(row, await orgVisibility(c.env.DB, orgId)), 201);
});

boardRoutes.patch("/boards/:id", requireScope("admin"), async (c) => {
  const body = await readJson(c, BoardPatch);
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  const current = boardJson(await findInOrg(db, boards, "board", orgId, c.req.param("id")), {});
  if (body.metric) checkTeamScore(current.teamScore, await activeMetric(c.env, orgId, body.metric));
  const period = body.period ?? current.period;
  // Leaving contests clears the window; otherwise the window is the patch's over the board's.
  const window = period === "contest" ? { startsAt: body.startsAt ?? current.startsAt, endsAt: body.endsAt ?? current.endsAt } : { startsAt: body.startsAt, endsAt: body.endsAt };
  checkContest({ period, ...window });
  const { metric, startsAt: _s, endsAt: _e, ...rest } = body;
  const [row] = await db
    .update(boards)
    .set({
      ...rest,
      ...(metric ? { metricKey: metric } : {}),
      contestStart: instantOrNull(period === "contest" ? window.startsAt : null),
      contestEnd: instantOrNull(period === "contest" ? window.endsAt : null),
      updatedAt: Date.now(),
    })
    .where(inOrg(boards, orgId, c.req.param("id")))
    .returning();
  if (!row) throw notFound("board", c.req.param("id"));
  await refreshBoardHosts(c.env, orgId, row, { feeders: true });
  return c.json(boardJson(row, await orgVisibility(c.env.DB, orgId)));
});

boardRoutes.delete("/boards/:id", requireScope("admin"), async (c) => {
  const orgId = c.var.caller.orgId;
  const row = await deactivateInOrg(drizzle(c.env.DB), boards, "board", orgId, c.req.param("id"));
  await refreshBoardHosts(c.env, orgId, row, { feeders: true });
  return c.json(boardJson(row, await orgVisibility(c.env.DB, orgId)));
});

/** The board's configuration and its current standings, as this caller may see them. */
boardRoutes.get("/boards/:id", requireScope("read"), async (c) => {
  const { orgId } = c.var.caller;
  const [org, row] = await Promise.all([orgVisibility(c.env.DB, orgId), findInOrg(drizzle(c.env.DB), boards, "board", orgId, c.req.param("id"))]);
  const viewer = await viewerForBoard(c.env.DB, c.var.caller, row);
  if (!row.active) return c.json({ board: boardJson(row, org), snapshot: null });
  const snapshot = await boardSnapshot(c.env, orgId, row, viewer);
  if (!snapshot) throw notFound("board", row.id);
  return c.json({ board: boardJson(row, org), snapshot });
});

/**
 * Why an agent has their score: a scorecard's components, targets, attainment and points. Leads,
 * managers and admins may ask about anyone on their boards; an agent about their own row only.
 */
boardRoutes.get("/boards/:id/explain/:agentId", requireScope("read"), async (c) => {
  const { orgId } = c.var.caller;
  const row = await findInOrg(drizzle(c.env.DB), boards, "board", orgId, c.req.param("id"));
  const viewer = await viewerForBoard(c.env.DB, c.var.caller, row);
  const agentId = c.req.param("agentId");
  if (viewer.kind === "display" || (viewer.kind === "agent" && viewer.agentId !== agentId)) {
    throw new ProblemError(403, "Forbidden", "Only the agent themselves, their leads, managers and admins may see how a score is made.", [
      { path: "agentId", message: "not yours to explain" },
    ]);
  }
  if (!row.active) throw notFound("active board", row.id);
  const explanation = await boardExplain(c.env, orgId, row, agentId);
  if (!explanation) throw notFound("agent on board", agentId);
  return c.json(explanation);
});

/**
 * The live board over a WebSocket. The credential is checked here, before the request reaches
 * the Durable Object; the object receives the viewer's identity in a header it alone trusts.
 */
boardRoutes.get("/boards/:id/live", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ProblemError(426, "Upgrade required", "Open this URL as a WebSocket.", [{ path: "header/upgrade", message: "expected 'websocket'" }]);
  }
  let connect: SocketRequest & { orgId: string; row: typeof boards.$inferSelect };
  try {
    const caller: Caller = await authenticate(c, "read", { allowQueryToken: true });
    const row = await findInOrg(drizzle(c.env.DB), boards, "board", caller.orgId, c.req.param("id"));
    const viewer = await viewerForBoard(c.env.DB, caller, row);
    if (!row.active) throw notFound("active board", row.id);
    connect = { orgId: caller.orgId, row, boardId: row.id, viewer, ...(caller.token ? { tokenId: caller.token.jti } : {}) };
  } catch (error) {
    if (error instanceof ProblemError) return refuseSocket(error);
    throw error;
  }
  const { orgId, row, ...socket } = connect;
  return openBoardSocket(c.env, orgId, row, socket);
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
