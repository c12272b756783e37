/**
 * Where boards live: a team's boards in that team's Durable Object, roll-ups in a department's or
 * the org's. Object names are stable, so every isolate reaches the same object.
 */
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { ScoreExplanation, SnapshotFrame } from "../protocol/index.ts";
import type { Viewer } from "../durable-objects/projection.ts";
import { rollupStub, type RollupNode } from "../durable-objects/rollup-board.ts";
import type { SocketRequest } from "../durable-objects/fanout.ts";
import type { TeamBoard } from "../durable-objects/team-board.ts";
import { boards, departments, teams } from "./db/schema.ts";

type BoardRow = typeof boards.$inferSelect;
type HostedBoard = Pick<BoardRow, "scope" | "teamId" | "departmentId">;

export function teamBoard(env: Env, orgId: string, teamId: string): DurableObjectStub<TeamBoard> {
  const namespace = env.TEAM_BOARD as DurableObjectNamespace<TeamBoard>;
  return namespace.get(namespace.idFromName(`${orgId}/${teamId}`));
}

/** The roll-up object of a board, or null for a team's board. */
export function rollupNodeOf(board: HostedBoard): RollupNode | null {
  if (board.scope === "team") return null;
  return board.scope === "org" ? { kind: "org" } : { kind: "department", departmentId: board.departmentId ?? "" };
}

export async function boardSnapshot(env: Env, orgId: string, board: BoardRow, viewer: Viewer): Promise<SnapshotFrame | null> {
  const node = rollupNodeOf(board);
  return node ? rollupStub(env, orgId, node).snapshot({ orgId, node }, board.id, viewer) : teamBoard(env, orgId, board.teamId).snapshot({ orgId, teamId: board.teamId }, board.id, viewer);
}

export async function boardExplain(env: Env, orgId: string, board: BoardRow, agentId: string): Promise<ScoreExplanation | null> {
  const node = rollupNodeOf(board);
  return node ? rollupStub(env, orgId, node).explain({ orgId, node }, board.id, agentId) : teamBoard(env, orgId, board.teamId).explain({ orgId, teamId: board.teamId }, board.id, agentId);
}

/** Hands an authenticated WebSocket request to the board's object; the object trusts the header alone. */
export function openBoardSocket(env: Env, orgId: string, board: BoardRow, socket: SocketRequest): Promise<Response> {
  const node = rollupNodeOf(board);
  const connect = node ? { orgId, node, ...socket } : { orgId, teamId: board.teamId, ...socket };
  const headers = new Headers({ upgrade: "websocket", "x-floorboard-connect": JSON.stringify(connect) });
  const stub = node ? rollupStub(env, orgId, node) : teamBoard(env, orgId, board.teamId);
  return stub.fetch("https://board/connect", { headers });
}

/**
 * Tells team objects that their configuration changed in D1. One that misses this (e.g. it was
 * unreachable) still picks the change up: it reloads when it finds an unknown board or agent, and
 * after its refresh interval.
 */
export async function refreshTeams(env: Env, orgId: string, teamIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(teamIds)].filter((id) => id !== "");
  const results = await Promise.allSettled(ids.map((teamId) => teamBoard(env, orgId, teamId).refreshConfig({ orgId, teamId })));
  for (const r of results) if (r.status === "rejected") console.error("team board refresh failed", r.reason);
}

async function refreshRollups(env: Env, orgId: string, nodes: readonly RollupNode[]): Promise<void> {
  const results = await Promise.allSettled(nodes.map((node) => rollupStub(env, orgId, node).refreshConfig({ orgId, node })));
  for (const r of results) if (r.status === "rejected") console.error("roll-up board refresh failed", r.reason);
}

/**
 * A board's definition or settings changed: its object reloads, and for a roll-up created,
 * redefined or removed (`feeders`), so do the objects that feed it — roll-ups first, so that the
 * teams' resent entries meet the new definition.
 */
export async function refreshBoardHosts(env: Env, orgId: string, board: HostedBoard, { feeders }: { feeders: boolean }): Promise<void> {
  const node = rollupNodeOf(board);
  if (!node) return refreshTeams(env, orgId, [board.teamId]);
  const db = drizzle(env.DB);
  const feedingTeams = !feeders
    ? []
    : await db
        .select({ id: teams.id })
        .from(teams)
        .where(and(eq(teams.orgId, orgId), eq(teams.active, true), node.kind === "department" ? eq(teams.departmentId, node.departmentId) : undefined));
  const feedingDepartments =
    !feeders || node.kind !== "org" ? [] : await db.select({ id: departments.id }).from(departments).where(and(eq(departments.orgId, orgId), eq(departments.active, true)));
  await refreshRollups(env, orgId, [node, ...feedingDepartments.map((d): RollupNode => ({ kind: "department", departmentId: d.id }))]);
  await refreshTeams(env, orgId, feedingTeams.map((t) => t.id));
}

/** A department was renamed: its teams report the new name, and its roll-up object shows it. */
export async function refreshDepartment(env: Env, orgId: string, departmentId: string, teamIds: readonly string[]): Promise<void> {
  await refreshRollups(env, orgId, [{ kind: "department", departmentId }]);
  await refreshTeams(env, orgId, teamIds);
}

/** A team moved to another department: the old department's roll-ups stop counting it from their current periods. */
export async function leaveDepartment(env: Env, orgId: string, departmentId: string, teamId: string): Promise<void> {
  const node: RollupNode = { kind: "department", departmentId };
  await rollupStub(env, orgId, node).dropTeam({ orgId, node }, teamId);
}

/** A metric these boards count changed: their objects reload it (and roll-ups' feeders). */
export async function refreshBoardsOf(env: Env, orgId: string, rows: readonly HostedBoard[]): Promise<void> {
  const seen = new Set<string>();
  const teamIds: string[] = [];
  for (const row of rows) {
    const node = rollupNodeOf(row);
    if (!node) teamIds.push(row.teamId);
    else if (!seen.has(JSON.stringify(node))) {
      seen.add(JSON.stringify(node));
      await refreshBoardHosts(env, orgId, row, { feeders: true });
    }
  }
  await refreshTeams(env, orgId, teamIds);
}

/** Every object of the org that serves an active board, i.e. may hold sockets. */
async function activeHosts(env: Env, orgId: string): Promise<{ teamIds: string[]; nodes: RollupNode[] }> {
  const rows = await drizzle(env.DB)
    .selectDistinct({ scope: boards.scope, teamId: boards.teamId, departmentId: boards.departmentId })
    .from(boards)
    .where(and(eq(boards.orgId, orgId), eq(boards.active, true)));
  return {
    teamIds: rows.filter((r) => r.scope === "team").map((r) => r.teamId),
    nodes: rows.flatMap((r) => rollupNodeOf(r) ?? []),
  };
}

/**
 * The org's settings changed (time zone, grace, default visibility): every object with a board
 * reloads, and when the org has roll-ups, every team and department that feeds them too.
 */
export async function refreshAllHosts(env: Env, orgId: string): Promise<void> {
  const { teamIds, nodes } = await activeHosts(env, orgId);
  if (nodes.length === 0) return refreshTeams(env, orgId, teamIds);
  const db = drizzle(env.DB);
  const [allTeams, allDepartments] = await Promise.all([
    db.select({ id: teams.id }).from(teams).where(and(eq(teams.orgId, orgId), eq(teams.active, true))),
    db.select({ id: departments.id }).from(departments).where(and(eq(departments.orgId, orgId), eq(departments.active, true))),
  ]);
  const departmentNodes = allDepartments.map((d): RollupNode => ({ kind: "department", departmentId: d.id }));
  await refreshRollups(env, orgId, [...nodes.filter((n) => n.kind === "org"), ...departmentNodes]);
  await refreshTeams(env, orgId, [...teamIds, ...allTeams.map((t) => t.id)]);
}

/** Recognition settings changed (badges, goals, point rules, working days): every team object with a board reloads. */
export async function refreshTeamHosts(env: Env, orgId: string): Promise<void> {
  const { teamIds } = await activeHosts(env, orgId);
  await refreshTeams(env, orgId, teamIds);
}

/**
 * A token was revoked. Any board object of the org may hold one of its sockets (an agent may have
 * moved, a manager's departments span teams), and revocations are rare: tell every one.
 */
export async function closeTokenSockets(env: Env, orgId: string, tokenId: string): Promise<void> {
  const { teamIds, nodes } = await activeHosts(env, orgId);
  const results = await Promise.allSettled([
    ...teamIds.map((teamId) => teamBoard(env, orgId, teamId).closeSocketsOf(tokenId)),
    ...nodes.map((node) => rollupStub(env, orgId, node).closeSocketsOf(tokenId)),
  ]);
  for (const r of results) if (r.status === "rejected") console.error("closing a revoked token's sockets failed", r.reason);
}
