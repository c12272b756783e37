/** `POST /v1/events`: score events in, grouped by team, one RPC per team board. */
import { Hono } from "hono";
import { EventBatch, type IngestResult, MAX_CLOCK_SKEW_MS } from "../../protocol/index.ts";
import { type Stint, teamAt, teamsBetween } from "../../durable-objects/memberships.ts";
import type { IngestEvent, RefusedEvent } from "../../durable-objects/team-board.ts";
import { type AppEnv, requireScope } from "../auth.ts";
import { activeMetrics, MOVE_SETTLE_MS, resolveAgents } from "../directory-cache.ts";
import { ProblemError, readJson } from "../problem.ts";
import { teamBoard } from "../board-hosts.ts";

export const events = new Hono<AppEnv>();

events.post("/events", requireScope("ingest"), async (c) => {
  const { orgId } = c.var.caller;
  const batch = await readJson(c, EventBatch);
  const [placements, metrics] = await Promise.all([
    resolveAgents(c.env.DB, orgId, batch.events.map((e) => e.agent)),
    activeMetrics(c.env.DB, orgId),
  ]);

  const now = Date.now();
  const errors: { path: string; message: string }[] = [];
  /** The events to record, each with its index in the batch and the agent's stints. */
  const valid: { event: IngestEvent; index: number; stints: Stint[] }[] = [];
  batch.events.forEach((event, i) => {
    const placement = placements.get(event.agent);
    const occurredAt = Date.parse(event.occurredAt);
    const aggregation = metrics.get(event.metric);
    if (!placement || !placement.active) errors.push({ path: `/events/${i}/agent`, message: `unknown agent '${event.agent}'` });
    if (!aggregation) errors.push({ path: `/events/${i}/metric`, message: `unknown metric '${event.metric}'` });
    if (aggregation === "scorecard") errors.push({ path: `/events/${i}/metric`, message: `'${event.metric}' is a scorecard; send events for the metrics it blends` });
    if (aggregation && aggregation !== "ratio" && event.part !== undefined) {
      errors.push({ path: `/events/${i}/part`, message: `only for ratio metrics; '${event.metric}' is ${aggregation}` });
    }
    if (occurredAt > now + MAX_CLOCK_SKEW_MS) errors.push({ path: `/events/${i}/occurredAt`, message: "is in the future" });
    if (!placement?.active) return;
    const ingestEvent: IngestEvent = {
      id: event.id,
      agent: event.agent,
      metric: event.metric,
      kind: event.kind,
      value: event.value ?? 0,
      ref: event.ref ?? null,
      part: event.part ?? "numerator",
      occurredAt,
    };
    valid.push({ event: ingestEvent, index: i, stints: placement.stints });
  });
  refuseIfAny(errors);

  /** Per team: its events, and each one's index in the batch. */
  const byTeam = new Map<string, { events: IngestEvent[]; indexes: number[] }>();
  const routes = await routeEvents(c.env, orgId, valid);
  valid.forEach(({ event, index }, i) => {
    const team = byTeam.get(routes[i]!) ?? { events: [], indexes: [] };
    team.events.push(event);
    team.indexes.push(index);
    byTeam.set(routes[i]!, team);
  });

  const teams = [...byTeam];
  // Corrections are checked on every team before any team records anything, so a batch is refused whole.
  const withCorrections = teams.filter(([, team]) => team.events.some((e) => e.ref !== null));
  const checks = await Promise.all(withCorrections.map(([teamId, team]) => teamBoard(c.env, orgId, teamId).checkCorrections({ orgId, teamId }, team.events)));
  refuseIfAny(checks.flatMap((refused, t) => pathsOf(refused, withCorrections[t]![1].indexes)));

  const results = await Promise.all(teams.map(([teamId, team]) => teamBoard(c.env, orgId, teamId).ingest({ orgId, teamId }, team.events)));
  const total: IngestResult = { accepted: 0, duplicates: 0, late: 0 };
  results.forEach((r, t) => {
    // Refs never disappear, so what passed the check passes here; this only guards that promise.
    if ("refused" in r) refuseIfAny(pathsOf(r.refused, teams[t]![1].indexes));
    else (total.accepted += r.accepted), (total.duplicates += r.duplicates), (total.late += r.late);
  });
  return c.json(total, 202);
});

/**
 * The team each event goes to: the one the agent was in when it occurred, so that late events count
 * for the team the work was done in and a retry dedupes where the event was first recorded. Two
 * cases ask the teams of a moved agent which event ids they hold: a correction goes to the team that
 * holds the event it corrects, and an event dated just after a move (within MOVE_SETTLE_MS) to the
 * earlier team if that team recorded it already (it was dated ahead, or routed before the move was
 * known). An agent who never moved costs no lookups.
 */
async function routeEvents(env: Env, orgId: string, events: readonly { event: IngestEvent; stints: Stint[] }[]): Promise<string[]> {
  const asks = new Map<string, Set<string>>();
  const plans = events.map(({ event, stints }) => {
    const home = teamAt(stints, event.occurredAt)!;
    const probe = event.ref ?? event.id;
    // A correction's original may be in any team the agent was in; the home team is asked too.
    const candidates =
      event.ref !== null ? [...new Set([home, ...stints.map((s) => s.teamId)])] : teamsBetween(stints, event.occurredAt - MOVE_SETTLE_MS, event.occurredAt);
    const asked = candidates.length > 1 ? (event.ref !== null ? candidates : candidates.filter((t) => t !== home)) : [];
    for (const teamId of asked) asks.set(teamId, (asks.get(teamId) ?? new Set()).add(probe));
    return { home, probe, asked };
  });
  const known = new Map(
    await Promise.all(
      [...asks].map(async ([teamId, ids]) => [teamId, new Set(await teamBoard(env, orgId, teamId).knownEvents([...ids]))] as const),
    ),
  );
  /** Where each id of the batch went: a later copy, or a correction of it, goes there too. */
  const routed = new Map<string, string>();
  return plans.map(({ home, probe, asked }, i) => {
    const { event } = events[i]!;
    const team =
      routed.get(event.id) ??
      (event.ref !== null ? routed.get(event.ref) : undefined) ??
      asked.find((teamId) => known.get(teamId)?.has(probe)) ??
      home;
    routed.set(event.id, team);
    return team;
  });
}

function pathsOf(refused: readonly RefusedEvent[], indexes: readonly number[]) {
  return refused.map((r) => ({ path: `/events/${indexes[r.index]}/${r.field}`, message: r.message }));
}

/** All or nothing: one bad event rejects the batch, so a sender can fix and resend it whole. */
function refuseIfAny(errors: readonly { path: string; message: string }[]): void {
  if (errors.length === 0) return;
  const fields = errors.slice(0, 5).map((e) => `${e.path} (${e.message})`).join(", ");
  throw new ProblemError(422, "Events refused", `Nothing was recorded. ${fields}`, errors.slice(0, 100));
}
