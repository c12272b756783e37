/**
 * Which boards a caller may see, and as whom. Decided in the Worker from the credential and D1,
 * before a request reaches a Durable Object; the object receives only the resulting viewer.
 *
 * Team boards: an agent sees their team's through its visibility settings, a lead or manager the
 * whole board of the teams they cover, a wallboard the public part of the boards it was given.
 * Roll-ups (department and org boards): an agent sees those of their department and the org's
 * through the visibility settings (on a board of teams, their own team is their row); a manager
 * sees their departments' roll-ups whole and the org's publicly; a lead sees their departments'
 * and the org's publicly; a wallboard those of its teams' departments, or those it was given.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { teamAt } from "../durable-objects/memberships.ts";
import type { Viewer } from "../durable-objects/projection.ts";
import type { Caller } from "./auth.ts";
import { type boards, teams } from "./db/schema.ts";
import { resolveAgents } from "./directory-cache.ts";
import { ProblemError } from "./problem.ts";

export type BoardRef = Pick<typeof boards.$inferSelect, "id" | "teamId" | "scope" | "departmentId" | "ranks">;

/** The caller's view of a board, or a 403 naming why not. */
export async function viewerForBoard(db: D1Database, caller: Caller, board: BoardRef): Promise<Viewer> {
  const viewer = allowedBy(await coverageOf(db, caller), board);
  if (!viewer) {
    const role = caller.token?.role ?? "key";
    const whose = board.scope === "team" ? `team '${board.teamId}'` : board.scope === "org" ? "the org" : `department '${board.departmentId}'`;
    throw new ProblemError(403, "Forbidden", `A '${role}' token may not see board '${board.id}' of ${whose}.`, [
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

/** What a credential covers, with the D1 facts its role depends on (resolved now, not when the token was issued). */
type Coverage =
  | { kind: "org" }
  /** Leads (`full` false on roll-ups) and managers (`full` on their departments' roll-ups). */
  | { kind: "teams"; teamIds: ReadonlySet<string>; departmentIds: ReadonlySet<string>; wholeRollups: boolean }
  | { kind: "display"; teamIds: ReadonlySet<string>; departmentIds: ReadonlySet<string>; boardIds: ReadonlySet<string> }
  | { kind: "agent"; agentId: string; teamId: string | null; departmentId: string | null };

async function coverageOf(db: D1Database, caller: Caller): Promise<Coverage> {
  const token = caller.token;
  if (!token || token.role === "admin") return { kind: "org" };
  const departmentOf = async () => {
    const rows = await drizzle(db).select({ id: teams.id, departmentId: teams.departmentId }).from(teams).where(eq(teams.orgId, caller.orgId));
    return new Map(rows.map((t) => [t.id, t.departmentId]));
  };
  const departmentsOf = (map: Map<string, string>, teamIds: readonly string[]) => new Set(teamIds.flatMap((t) => map.get(t) ?? []));
  switch (token.role) {
    case "lead": {
      const map = await departmentOf();
      return { kind: "teams", teamIds: new Set(token.teams), departmentIds: departmentsOf(map, token.teams), wholeRollups: false };
    }
    case "manager": {
      // Departments are resolved now, so a team moved into a department is covered at once.
      const map = await departmentOf();
      const departmentIds = new Set(token.depts);
      return { kind: "teams", teamIds: new Set([...map].filter(([, d]) => departmentIds.has(d)).map(([t]) => t)), departmentIds, wholeRollups: true };
    }
    case "display": {
      const map = await departmentOf();
      return { kind: "display", teamIds: new Set(token.teams), departmentIds: departmentsOf(map, token.teams), boardIds: new Set(token.boards) };
    }
    case "agent": {
      // The agent's team now, not when the token was issued: a moved agent sees their new team
      // (from a scheduled move's date on).
      const agentId = token.agent ?? "";
      const placement = (await resolveAgents(db, caller.orgId, [agentId])).get(agentId);
      const teamId = placement?.active ? (teamAt(placement.stints, Date.now()) ?? null) : null;
      const departmentId = teamId === null ? null : ((await departmentOf()).get(teamId) ?? null);
      return { kind: "agent", agentId, teamId, departmentId };
    }
  }
}

function allowedBy(coverage: Coverage, board: BoardRef): Viewer | null {
  const inDepartment = (departmentIds: ReadonlySet<string>) => board.scope === "org" || (board.scope === "department" && departmentIds.has(board.departmentId ?? ""));
  switch (coverage.kind) {
    case "org":
      return { kind: "full" };
    case "teams":
      if (board.scope === "team") return coverage.teamIds.has(board.teamId) ? { kind: "full" } : null;
      if (!inDepartment(coverage.departmentIds)) return null;
      return coverage.wholeRollups && board.scope === "department" ? { kind: "full" } : { kind: "display" };
    case "display":
      if (coverage.boardIds.has(board.id)) return { kind: "display" };
      if (board.scope === "team") return coverage.teamIds.has(board.teamId) ? { kind: "display" } : null;
      return board.scope === "department" && coverage.departmentIds.has(board.departmentId ?? "") ? { kind: "display" } : null;
    case "agent": {
      if (coverage.teamId === null) return null;
      if (board.scope === "team") return coverage.teamId === board.teamId ? { kind: "agent", agentId: coverage.agentId } : null;
      if (!inDepartment(new Set(coverage.departmentId ? [coverage.departmentId] : []))) return null;
      // On a board of teams or departments, the agent's row is their team's or department's.
      const member = board.ranks === "teams" ? coverage.teamId : board.ranks === "departments" ? (coverage.departmentId ?? "") : coverage.agentId;
      return { kind: "agent", agentId: member };
    }
  }
}

/**
 * Whom a caller may see and act for in recognition (points, redemptions): API keys and admins the
 * whole org, leads and managers the agents now in the teams they cover, an agent themselves only,
 * a wallboard nobody.
 */
export type PeopleAccess = { kind: "org" } | { kind: "teams"; teamIds: ReadonlySet<string> } | { kind: "self"; agentId: string } | { kind: "none" };

export async function peopleAccess(db: D1Database, caller: Caller): Promise<PeopleAccess> {
  const coverage = await coverageOf(db, caller);
  switch (coverage.kind) {
    case "org":
      return { kind: "org" };
    case "teams":
      return { kind: "teams", teamIds: coverage.teamIds };
    case "agent":
      return { kind: "self", agentId: coverage.agentId };
    case "display":
      return { kind: "none" };
  }
}

/** The agents among `agentIds` the access covers (for leads: those now in a covered team). */
export async function coveredAgents(db: D1Database, orgId: string, access: PeopleAccess, agentIds: readonly string[]): Promise<Set<string>> {
  if (access.kind === "org") return new Set(agentIds);
  if (access.kind === "self") return new Set(agentIds.filter((id) => id === access.agentId));
  if (access.kind === "none" || agentIds.length === 0) return new Set();
  const placements = await resolveAgents(db, orgId, [...new Set(agentIds)]);
  const now = Date.now();
  return new Set(
    agentIds.filter((id) => {
      const placement = placements.get(id);
      const teamId = placement?.active ? teamAt(placement.stints, now) : undefined;
      return teamId !== undefined && access.teamIds.has(teamId);
    }),
  );
}
