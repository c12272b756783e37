/** A team board's configuration, read from D1: the org's time zone, the team's boards and agents. */
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { DEFAULT_SCORECARD_CAP, effectiveVisibility, type ScorecardComponentInput } from "../protocol/index.ts";
import { agents, boards, metrics, orgs, teams } from "../worker/db/schema.ts";
import type { BoardConfig } from "./live-board.ts";
import type { Scorecard } from "./scorecard.ts";

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
  /** Active members: agent id -> display name. */
  agents: Record<string, string>;
  /** Members who opted out of being named to colleagues (absent in configurations stored before opt-out existed). */
  optedOut?: string[];
  loadedAt: number;
}

export async function loadTeamConfig(d1: D1Database, { orgId, teamId }: TeamScope): Promise<TeamConfig> {
  const db = drizzle(d1);
  const [orgRows, teamRows, boardRows, agentRows, metricRows] = await db.batch([
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
        components: metrics.components,
        cap: metrics.cap,
        visibility: boards.visibility,
      })
      .from(boards)
      .innerJoin(metrics, and(eq(metrics.orgId, boards.orgId), eq(metrics.key, boards.metricKey)))
      .where(and(eq(boards.orgId, orgId), eq(boards.teamId, teamId), eq(boards.active, true))),
    db
      .select({ id: agents.id, name: agents.name, optedOut: agents.optedOut })
      .from(agents)
      .where(and(eq(agents.orgId, orgId), eq(agents.teamId, teamId), eq(agents.active, true))),
    // Scorecards blend other metrics: their definitions, by key.
    db
      .select({ key: metrics.key, label: metrics.label, unit: metrics.unit, aggregation: metrics.aggregation, direction: metrics.direction, minVolume: metrics.minVolume })
      .from(metrics)
      .where(eq(metrics.orgId, orgId)),
  ]);
  const metricByKey = new Map(metricRows.map((m) => [m.key, m]));
  const scorecardOf = (components: ScorecardComponentInput[] | null, cap: number | null): Scorecard => ({
    cap: cap ?? DEFAULT_SCORECARD_CAP,
    components: (components ?? []).flatMap(({ metric, weight, target }) => {
      const m = metricByKey.get(metric);
      return m && m.aggregation !== "scorecard" ? [{ key: m.key, label: m.label, unit: m.unit, aggregation: m.aggregation, direction: m.direction, minVolume: m.minVolume, weight, target }] : [];
    }),
  });
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
    })),
    agents: Object.fromEntries(agentRows.map((a) => [a.id, a.name])),
    optedOut: agentRows.filter((a) => a.optedOut).map((a) => a.id),
    loadedAt: Date.now(),
  };
}

