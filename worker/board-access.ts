/**
 * Which boards a caller may see, and as whom. Decided in the Worker from the credential and D1,
 * before a request reaches a Durable Object; the object receives only the resulting viewer.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { teamAt } from "../durable-objects/memberships.ts";
import type { Viewer } from "../durable-objects/projection.ts";
import type { Caller } from "./auth.ts";
import { teams } from "./db/schema.ts";
import { resolveAgents } from "./directory-cache.ts";
import { ProblemError } from "./problem.ts";

export interface BoardRef {
  id: string;
  teamId: string;
}

/** The caller's view of a board, or a 403 naming why not. */
export async function viewerForBoard(db: D1Database, caller: Caller, board: BoardRef): Promise<Viewer> {
  const viewer = allowedBy(await coverageOf(db, caller), board);
  if (!viewer) {
    const role = caller.token?.role ?? "key";
    throw new ProblemError(403, "Forbidden", `A '${role}' token may not see board '${board.id}' of team '${board.teamId}'.`, [
      { path: "header/authorization", message: "not allowed to see this board" },
    ]);
  }
  return viewer;
}

/** The boards among `boards` that the caller may see. */
export async function visibleBoards<T extends BoardRef>(db: D1Database, caller: Caller, boards: readonly T[]): Promise<T[]> {
  const coverage = await coverageOf(db, caller);
  return boards.filter((b) => allowedBy(coverage, b) !== null);
}

/** What a credential covers, with the D1 facts its role depends on. */
type Coverage =
  | { kind: "org" }
  | { kind: "teams"; teamIds: ReadonlySet<string> }
  | { kind: "display"; teamIds: ReadonlySet<string>; boardIds: ReadonlySet<string> }
  | { kind: "agent"; agentId: string; teamId: string | null };

async function coverageOf(db: D1Database, caller: Caller): Promise<Coverage> {
  const token = caller.token;
  if (!token || token.role === "admin") return { kind: "org" };
  const d1 = drizzle(db);
  switch (token.role) {
    case "lead":
      return { kind: "teams", teamIds: new Set(token.teams) };
    case "manager": {
      // Departments are resolved now, so a team moved into a department is covered at once.
      const rows = await d1.select({ id: teams.id, departmentId: teams.departmentId }).from(teams).where(eq(teams.orgId, caller.orgId));
      const departments = new Set(token.depts);
      return { kind: "teams", teamIds: new Set(rows.filter((t) => departments.has(t.departmentId)).map((t) => t.id)) };
    }
    case "display":
      return { kind: "display", teamIds: new Set(token.teams), boardIds: new Set(token.boards) };
    case "agent": {
      // The agent's team now, not when the token was issued: a moved agent sees their new team
      // (from a scheduled move's date on).
      const agentId = token.agent ?? "";
      const placement = (await resolveAgents(db, caller.orgId, [agentId])).get(agentId);
      return { kind: "agent", agentId, teamId: placement?.active ? (teamAt(placement.stints, Date.now()) ?? null) : null };
    }
  }
}

function allowedBy(coverage: Coverage, board: BoardRef): Viewer | null {
  switch (coverage.kind) {
    case "org":
      return { kind: "full" };
    case "teams":
      return coverage.teamIds.has(board.teamId) ? { kind: "full" } : null;
    case "display":
      return coverage.boardIds.has(board.id) || coverage.teamIds.has(board.teamId) ? { kind: "display" } : null;
    case "agent":
      return coverage.teamId === board.teamId ? { kind: "agent", agentId: coverage.agentId } : null;
  }
}
