import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { TeamBoard } from "../durable-objects/team-board.ts";
import { boards } from "./db/schema.ts";

/** One Durable Object per team; its name is stable so every isolate reaches the same object. */
export function teamBoard(env: Env, orgId: string, teamId: string): DurableObjectStub<TeamBoard> {
  const namespace = env.TEAM_BOARD as DurableObjectNamespace<TeamBoard>;
  return namespace.get(namespace.idFromName(`${orgId}/${teamId}`));
}

/**
 * Tells team boards that their configuration changed in D1. A board that misses this (e.g. the
 * object was unreachable) still picks the change up: it reloads its configuration when it finds
 * an unknown board or agent, and after its refresh interval.
 */
export async function refreshTeams(env: Env, orgId: string, teamIds: Iterable<string>): Promise<void> {
  const results = await Promise.allSettled(
    [...new Set(teamIds)].map((teamId) => teamBoard(env, orgId, teamId).refreshConfig({ orgId, teamId })),
  );
  for (const r of results) if (r.status === "rejected") console.error("team board refresh failed", r.reason);
}

/** The teams of an org that have an active board, i.e. whose board objects may hold sockets. */
export async function teamsWithActiveBoards(env: Env, orgId: string): Promise<string[]> {
  const rows = await drizzle(env.DB)
    .selectDistinct({ teamId: boards.teamId })
    .from(boards)
    .where(and(eq(boards.orgId, orgId), eq(boards.active, true)));
  return rows.map((r) => r.teamId);
}
