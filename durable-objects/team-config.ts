/**
 * Board objects' configuration, read from D1: the org's time zone, the boards an object serves or
 * feeds (with their metrics, scorecards and visibility), and a team's agents.
 */
import { and, eq, notExists, or, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alias } from "drizzle-orm/sqlite-core";
import { DEFAULT_SCORECARD_CAP, effectiveVisibility, type ScorecardComponentInput, type VisibilityOverrides } from "../protocol/index.ts";
import { agentMemberships, agents, badges, boards, departments, goals, metrics, orgs, pointRules, teams } from "../worker/db/schema.ts";
import type { BoardConfig, Member } from "./live-board.ts";
import type { Span } from "./memberships.ts";
import type { Scorecard } from "./scorecard.ts";
import type { RecognitionConfig } from "./recognition.ts";

/** A quarter is at most 92 days; a day more covers the shift-day start hour. */
export const LONGEST_PERIOD_MS = 93 * 86_400_000;

export interface TeamScope {
  orgId: string;
  teamId: string;
}

export interface TeamConfig extends TeamScope {
  teamName: string;
  /** Absent in configurations stored before roll-ups existed. */
  departmentId?: string;
  departmentName?: string;
  timeZone: string;
  /** Absent in configurations stored before it existed (= 72). */
  lateGraceHours?: number;
  boards: BoardConfig[];
  /** Roll-up boards this team's scores feed: its department's and the org's (absent before roll-ups existed). */
  feeders?: BoardConfig[];
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
  /** Badges, goals and point rules (absent in configurations stored before recognition existed). */
  recognition?: RecognitionConfig;
  loadedAt: number;
}

type Db = ReturnType<typeof drizzle>;

/** The active boards matching `where`, with their metrics (the batch's query; map rows with `boardConfigsOf`). */
export function boardsQuery(db: Db, orgId: string, where: SQL | undefined) {
  return db
    .select({
      id: boards.id,
      name: boards.name,
      scope: boards.scope,
      departmentId: boards.departmentId,
      ranks: boards.ranks,
      teamScore: boards.teamScore,
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
      components: metrics.components,
      cap: metrics.cap,
      visibility: boards.visibility,
    })
    .from(boards)
    .innerJoin(metrics, and(eq(metrics.orgId, boards.orgId), eq(metrics.key, boards.metricKey)))
    .where(and(eq(boards.orgId, orgId), eq(boards.active, true), where));
}

/** Every metric of the org, by key: what scorecards blend. */
export function metricsQuery(db: Db, orgId: string) {
  return db
    .select({ key: metrics.key, label: metrics.label, unit: metrics.unit, aggregation: metrics.aggregation, direction: metrics.direction, minVolume: metrics.minVolume })
    .from(metrics)
    .where(eq(metrics.orgId, orgId));
}

type BoardRow = Awaited<ReturnType<typeof boardsQuery>>[number];
type MetricRow = Awaited<ReturnType<typeof metricsQuery>>[number];

export function boardConfigsOf(rows: readonly BoardRow[], metricRows: readonly MetricRow[], orgVisibility: VisibilityOverrides): BoardConfig[] {
  const metricByKey = new Map(metricRows.map((m) => [m.key, m]));
  const scorecardOf = (components: ScorecardComponentInput[] | null, cap: number | null): Scorecard => ({
    cap: cap ?? DEFAULT_SCORECARD_CAP,
    components: (components ?? []).flatMap(({ metric, weight, target }) => {
      const m = metricByKey.get(metric);
      return m && m.aggregation !== "scorecard" ? [{ key: m.key, label: m.label, unit: m.unit, aggregation: m.aggregation, direction: m.direction, minVolume: m.minVolume, weight, target }] : [];
    }),
  });
  return rows.map((b) => ({
    id: b.id,
    name: b.name,
    period: b.period,
    dayStartHour: b.dayStartHour,
    weekStartsOn: b.weekStartsOn,
    ...(b.contestStart !== null && b.contestEnd !== null ? { contest: { start: b.contestStart, end: b.contestEnd } } : {}),
    metric: {
      key: b.key,
      label: b.label,
      unit: b.unit,
      aggregation: b.aggregation,
      direction: b.direction,
      minVolume: b.minVolume,
      ...(b.aggregation === "scorecard" ? { scorecard: scorecardOf(b.components, b.cap) } : {}),
    },
    visibility: effectiveVisibility(orgVisibility, b.visibility),
    ...(b.scope === "team" ? {} : { rollup: { scope: b.scope, departmentId: b.departmentId, ranks: b.ranks, teamScore: b.teamScore ?? "average" } }),
  }));
}

export async function loadTeamConfig(d1: D1Database, { orgId, teamId }: TeamScope): Promise<TeamConfig> {
  const db = drizzle(d1);
  const teamDepartment = sql`(SELECT ${teams.departmentId} FROM ${teams} WHERE ${teams.orgId} = ${orgId} AND ${teams.id} = ${teamId})`;
  const m = alias(agentMemberships, "m");
  const sameAgent = (other: string) => sql.raw(`${other}.org_id = "m"."org_id" AND ${other}.agent_id = "m"."agent_id"`);
  const [orgRows, teamRows, boardRows, feederRows, stintRows, unplacedRows, metricRows, badgeRows, goalRows, ruleRows] = await db.batch([
    db
      .select({ timeZone: orgs.timeZone, visibility: orgs.visibility, lateGraceHours: orgs.lateGraceHours, workingDays: orgs.workingDays, holidays: orgs.holidays })
      .from(orgs)
      .where(eq(orgs.id, orgId)),
    db
      .select({
        name: teams.name,
        departmentId: teams.departmentId,
        shiftStart: teams.shiftStart,
        shiftEnd: teams.shiftEnd,
        departmentName: sql<string | null>`(SELECT ${departments.name} FROM ${departments} WHERE ${departments.orgId} = ${orgId} AND ${departments.id} = ${teams.departmentId})`,
      })
      .from(teams)
      .where(and(eq(teams.orgId, orgId), eq(teams.id, teamId))),
    boardsQuery(db, orgId, and(eq(boards.scope, "team"), eq(boards.teamId, teamId))),
    // Roll-ups this team feeds: its department's boards and the org's.
    boardsQuery(db, orgId, or(and(eq(boards.scope, "department"), eq(boards.departmentId, teamDepartment)), eq(boards.scope, "org"))),
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
    metricsQuery(db, orgId),
    db.select().from(badges).where(and(eq(badges.orgId, orgId), eq(badges.active, true))),
    // The team's goals and agents' own (those of agents elsewhere are dropped below).
    db
      .select()
      .from(goals)
      .where(and(eq(goals.orgId, orgId), eq(goals.active, true), or(eq(goals.teamId, teamId), sql`${goals.agentId} IS NOT NULL`))),
    db.select().from(pointRules).where(and(eq(pointRules.orgId, orgId), eq(pointRules.active, true))),
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
  const team = teamRows[0];
  return {
    orgId,
    teamId,
    teamName: team?.name ?? teamId,
    departmentId: team?.departmentId ?? "",
    departmentName: team?.departmentName ?? team?.departmentId ?? "",
    timeZone: orgRows[0]?.timeZone ?? "UTC",
    lateGraceHours: orgRows[0]?.lateGraceHours ?? 72,
    boards: boardConfigsOf(boardRows, metricRows, orgVisibility),
    feeders: boardConfigsOf(feederRows, metricRows, orgVisibility),
    agents: Object.fromEntries([...members].map(([id, a]) => [id, a.name])),
    stints: Object.fromEntries([...members].map(([id, a]) => [id, a.spans.sort((x, y) => x[0] - y[0])])),
    optedOut: [...members].filter(([, a]) => a.optedOut).map(([id]) => id),
    recognition: {
      badges: badgeRows.map((b) => ({ id: b.id, name: b.name, icon: b.icon, points: b.points, rule: b.rule })),
      goals: goalRows
        .filter((g) => g.agentId === null || members.has(g.agentId))
        .map((g) => ({ id: g.id, metric: g.metricKey, period: g.period, target: g.target, agentId: g.agentId, teamId: g.teamId })),
      pointRules: ruleRows.map((r) => ({ id: r.id, metric: r.metricKey, points: r.points, per: r.per, min: r.min, max: r.max })),
      workingDays: orgRows[0]?.workingDays ?? [1, 2, 3, 4, 5],
      holidays: orgRows[0]?.holidays ?? [],
      shift: team?.shiftStart && team.shiftEnd ? { start: minutesOf(team.shiftStart), end: minutesOf(team.shiftEnd) } : null,
    },
    loadedAt: now,
  };
}

/** "HH:MM" as minutes after midnight. */
function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(":").map(Number);
  return hours! * 60 + minutes!;
}
