/**
 * Closed periods: each board's final standings, and an agent's trend over recent periods. D1 keeps
 * the standings whole; what a caller receives passes through the same projection as live frames,
 * under the board's visibility settings of today.
 */
import { and, desc, eq, gte, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import type { AgentTrend, BoardHistory, Visibility } from "../../protocol/index.ts";
import { type BoardView, type ProjectableBoard, projectViewFor, type Viewer } from "../../durable-objects/projection.ts";
import { RankedBoard } from "../../durable-objects/ranking.ts";
import { type AppEnv, requireScope } from "../auth.ts";
import { viewerForBoard } from "../board-access.ts";
import { agents, departments, periodClosures, periodStandings, teams } from "../db/schema.ts";
import { ProblemError, readQuery } from "../problem.ts";
import { boardSettings } from "./visibility.ts";

export const history = new Hono<AppEnv>();

type Closure = typeof periodClosures.$inferSelect;
type Standing = typeof periodStandings.$inferSelect;

const HistoryQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(10) });
const TrendQuery = z.strictObject({ board: z.string().min(1), periods: z.coerce.number().int().min(1).max(100).default(10) });

/** The board, the caller's view of it, and its visibility in force, or a 403/404. */
async function boardFor(d1: D1Database, c: { var: AppEnv["Variables"] }, boardId: string) {
  const { board, settings } = await boardSettings(d1, c.var.caller.orgId, boardId);
  const viewer = await viewerForBoard(d1, c.var.caller, board);
  return { board, viewer, visibility: settings.effective };
}

/** The last `limit` closed periods of the board and their standings, newest first, with today's names of who stood in them. */
async function closedPeriods(d1: D1Database, orgId: string, boardId: string, limit: number, ranks: "agents" | "teams" | "departments" = "agents") {
  const db = drizzle(d1);
  const closures = await db
    .select()
    .from(periodClosures)
    .where(and(eq(periodClosures.orgId, orgId), eq(periodClosures.boardId, boardId)))
    .orderBy(desc(periodClosures.periodStart))
    .limit(limit);
  const standings =
    closures.length === 0
      ? []
      : await db
          .select()
          .from(periodStandings)
          // A range, not a list: D1 binds at most 100 parameters per statement.
          .where(and(eq(periodStandings.orgId, orgId), eq(periodStandings.boardId, boardId), gte(periodStandings.periodStart, closures.at(-1)!.periodStart)));
  const ids = [...new Set(standings.map((s) => s.agentId))];
  const people = new Map<string, { name: string; optedOut: boolean }>();
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    // A board of teams or departments stood them, not agents.
    const rows =
      ranks === "agents"
        ? await db.select({ id: agents.id, name: agents.name, optedOut: agents.optedOut }).from(agents).where(and(eq(agents.orgId, orgId), inArray(agents.id, chunk)))
        : ranks === "teams"
          ? await db.select({ id: teams.id, name: teams.name }).from(teams).where(and(eq(teams.orgId, orgId), inArray(teams.id, chunk)))
          : await db.select({ id: departments.id, name: departments.name }).from(departments).where(and(eq(departments.orgId, orgId), inArray(departments.id, chunk)));
    for (const r of rows) people.set(r.id, { name: r.name, optedOut: "optedOut" in r && r.optedOut === true });
  }
  return closures.map((closure) => ({ closure, standings: standings.filter((s) => s.periodStart === closure.periodStart), people }));
}

/** A closed period as the projection reads a live board: the stored order, today's names and opt-outs. */
function pastBoard(closure: Closure, standings: readonly Standing[], people: ReadonlyMap<string, { name: string; optedOut: boolean }>, visibility: Visibility): ProjectableBoard {
  const ranking = new RankedBoard(closure.direction);
  // The stored place keeps the period's tie order.
  for (const s of standings) ranking.set(s.agentId, s.score, s.place);
  return {
    ranking,
    visibility,
    nameOf: (id) => people.get(id)?.name ?? id,
    isOptedOut: (id) => people.get(id)?.optedOut ?? false,
    qualifying: new Map(),
    minVolume: 0,
  };
}

function periodJson(closure: Closure) {
  return { kind: closure.kind, start: new Date(closure.periodStart).toISOString(), end: new Date(closure.periodEnd).toISOString() };
}

history.get("/boards/:id/history", requireScope("read"), async (c) => {
  const { limit } = readQuery(c, HistoryQuery);
  const { board, viewer, visibility } = await boardFor(c.env.DB, c, c.req.param("id"));
  const periods = await closedPeriods(c.env.DB, c.var.caller.orgId, board.id, limit, board.ranks);
  return c.json({
    board: board.id,
    periods: periods.map(({ closure, standings, people }) => {
      const { qualifying: _none, ...view } = projectViewFor(viewer, pastBoard(closure, standings, people, visibility));
      return { period: periodJson(closure), closedAt: new Date(closure.closedAt).toISOString(), revision: closure.revision, ...view };
    }),
  } satisfies BoardHistory);
});

/**
 * An agent's rank and score in each of the board's last closed periods, as far as the caller may
 * see them: leads, managers and admins any agent's, an agent their own own row where the
 * board's visibility shows it to them.
 */
history.get("/agents/:id/trend", requireScope("read"), async (c) => {
  const query = readQuery(c, TrendQuery);
  const agentId = c.req.param("id");
  const { board, viewer, visibility } = await boardFor(c.env.DB, c, query.board);
  if (!mayFollow(viewer, agentId)) {
    throw new ProblemError(403, "Forbidden", "An agent may follow only their own trend.", [{ path: "header/authorization", message: "not this agent's token" }]);
  }
  const periods = await closedPeriods(c.env.DB, c.var.caller.orgId, board.id, query.periods);
  return c.json({
    agent: agentId,
    board: board.id,
    points: periods.map(({ closure, standings, people }) => {
      const view: BoardView = projectViewFor(viewer, pastBoard(closure, standings, people, visibility));
      const row = view.rows.find((r) => r.agent?.id === agentId);
      return { period: periodJson(closure), rank: row?.rank ?? null, place: row?.place ?? null, score: row?.score ?? null, ranked: view.total };
    }),
  } satisfies AgentTrend);
});

function mayFollow(viewer: Viewer, agentId: string): boolean {
  return viewer.kind === "full" || (viewer.kind === "agent" && viewer.agentId === agentId);
}
