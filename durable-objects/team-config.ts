/** A team board's configuration, read from D1: the org's time zone, the team's boards and agents. */
import { and, eq, notExists, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alias } from "drizzle-orm/sqlite-core";
import { effectiveVisibility } from "../protocol/index.ts";
import { agentMemberships, agents, boards, metrics, orgs, teams } from "../worker/db/schema.ts";
import type { BoardConfig, Member } from "./live-board.ts";
import type { Span } from "./memberships.ts";

/** A quarter is at most 92 days; a day more covers the shift-day start hour. */
export const LONGEST_PERIOD_MS = 93 * 86_400_000;

export interface TeamScope {
  orgId: string;
  teamId: string;
}

export interface TeamConfig extends TeamScope {
  teamName: string;
  timeZone: string;
  /** Absent in configurations stored before it existed (= 72). */
  lateGraceHours?: number;
  boards: BoardConfig[];
  /**
   * Active agents in the team at some time that can still count (stints that end within the
   * longest period plus the grace window, the current ones and scheduled ones): id -> display name.
   */
  agents: Record<string, string>;
  /**
   * When each of them is in the team. Absent in configurations stored before moves existed: every
   * agent is in the team at all times.
   */
  stints?: Record<string, Span[]>;
  /** Members who opted out of being named to colleagues (absent in configurations stored before opt-out existed). */
  optedOut?: string[];
  loadedAt: number;
}

export async function loadTeamConfig(d1: D1Database, { orgId, teamId }: TeamScope): Promise<TeamConfig> {
  const db = drizzle(d1);
  const m = alias(agentMemberships, "m");
  const sameAgent = (other: string) => sql.raw(`${other}.org_id = "m"."org_id" AND ${other}.agent_id = "m"."agent_id"`);
  const [orgRows, teamRows, boardRows, stintRows, unplacedRows] = await db.batch([
    db.select({ timeZone: orgs.timeZone, visibility: orgs.visibility, lateGraceHours: orgs.lateGraceHours }).from(orgs).where(eq(orgs.id, orgId)),
    db.select({ name: teams.name }).from(teams).where(and(eq(teams.orgId, orgId), eq(teams.id, teamId))),
    db
      .select({
        id: boards.id,
        name: boards.name,
        period: boards.period,
        dayStartHour: boards.dayStartHour,
        weekStartsOn: boards.weekStartsOn,
        contestStart: boards.contestStart,
        contestEnd: boards.contestEnd,
        key: metrics.key,
        label: metrics.label,
        unit: metrics.unit,
        aggregation: metrics.aggregation,
        direction: metrics.direction,
        minVolume: metrics.minVolume,
        visibility: boards.visibility,
      })
      .from(boards)
      .innerJoin(metrics, and(eq(metrics.orgId, boards.orgId), eq(metrics.key, boards.metricKey)))
      .where(and(eq(boards.orgId, orgId), eq(boards.teamId, teamId), eq(boards.active, true))),
    // The team's stints, each with its end (the agent's next stint) and whether it is their first.
    db
      .select({
        id: agents.id,
        name: agents.name,
        optedOut: agents.optedOut,
        from: m.fromAt,
        until: sql<number | null>`(SELECT min(n.from_at) FROM agent_memberships n WHERE ${sameAgent("n")} AND n.from_at > "m"."from_at")`,
        first: sql<number>`NOT EXISTS (SELECT 1 FROM agent_memberships p WHERE ${sameAgent("p")} AND p.from_at < "m"."from_at")`,
      })
      .from(m)
      .innerJoin(agents, and(eq(agents.orgId, m.orgId), eq(agents.id, m.agentId)))
      .where(and(eq(m.orgId, orgId), eq(m.teamId, teamId), eq(agents.active, true))),
    // Agents without any stint (written by code that does not record them) are in their team always.
    db
      .select({ id: agents.id, name: agents.name, optedOut: agents.optedOut })
      .from(agents)
      .where(
        and(
          eq(agents.orgId, orgId),
          eq(agents.teamId, teamId),
          eq(agents.active, true),
          notExists(db.select({ one: sql`1` }).from(agentMemberships).where(and(eq(agentMemberships.orgId, agents.orgId), eq(agentMemberships.agentId, agents.id)))),
        ),
      ),
  ]);
  const now = Date.now();
  // Stints that ended before anything they hold can still count are left out.
  const horizon = now - LONGEST_PERIOD_MS - (orgRows[0]?.lateGraceHours ?? 72) * 3_600_000;
  const members = new Map<string, Member & { optedOut: boolean; spans: Span[] }>();
  for (const r of unplacedRows) members.set(r.id, { name: r.name, optedOut: r.optedOut, spans: [[0, null]] });
  for (const r of stintRows) {
    if (r.until !== null && r.until <= horizon) continue;
    const member = members.get(r.id) ?? { name: r.name, optedOut: r.optedOut, spans: [] };
    // Before their first stint, an agent counts in their first team.
    member.spans.push([r.first ? 0 : r.from, r.until]);
    members.set(r.id, member);
  }
  const orgVisibility = orgRows[0]?.visibility ?? {};
  return {
    orgId,
    teamId,
    teamName: teamRows[0]?.name ?? teamId,
    timeZone: orgRows[0]?.timeZone ?? "UTC",
    lateGraceHours: orgRows[0]?.lateGraceHours ?? 72,
    boards: boardRows.map((b) => ({
      id: b.id,
      name: b.name,
      period: b.period,
      dayStartHour: b.dayStartHour,
      weekStartsOn: b.weekStartsOn,
      ...(b.contestStart !== null && b.contestEnd !== null ? { contest: { start: b.contestStart, end: b.contestEnd } } : {}),
      metric: { key: b.key, label: b.label, unit: b.unit, aggregation: b.aggregation, direction: b.direction, minVolume: b.minVolume },
      visibility: effectiveVisibility(orgVisibility, b.visibility),
    })),
    agents: Object.fromEntries([...members].map(([id, a]) => [id, a.name])),
    stints: Object.fromEntries([...members].map(([id, a]) => [id, a.spans.sort((x, y) => x[0] - y[0])])),
    optedOut: [...members].filter(([, a]) => a.optedOut).map(([id]) => id),
    loadedAt: now,
  };
}

