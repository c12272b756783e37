/**
 * Recording score events, whoever sent them (`POST /v1/events` or a platform's webhook): each
 * event is checked against the directory and the org's metrics, routed to the team the agent was in
 * when it occurred, and recorded by that team's Durable Object, which answers only once the events
 * are durable. All or nothing: one bad event refuses the whole request and nothing is recorded.
 */
import { EARLIEST_EVENT_MS, type IngestResult, MAX_CLOCK_SKEW_MS } from "../protocol/index.ts";
import { type Stint, teamAt, teamsBetween } from "../durable-objects/memberships.ts";
import type { IngestEvent, RefusedEvent } from "../durable-objects/team-board.ts";
import { activeMetrics, MOVE_SETTLE_MS, resolveAgents } from "./directory-cache.ts";
import { ProblemError } from "./problem.ts";
import { teamBoard } from "./board-hosts.ts";

/** The fields of an event an error can be about. */
export type EventField = "agent" | "metric" | "part" | "occurredAt" | "ref";

/** An event to record, with where each of its fields came from in the request (for errors). */
export interface PendingEvent {
  event: IngestEvent;
  /** A JSON pointer to the field in the request, e.g. `/events/3/agent`. */
  pathOf: (field: EventField) => string;
  /** Whether the sender named the ratio part (only ratio metrics take one). */
  partGiven?: boolean;
}

export interface FieldError {
  path: string;
  message: string;
}

export async function recordEvents(env: Env, orgId: string, pending: readonly PendingEvent[]): Promise<IngestResult> {
  const [placements, metrics] = await Promise.all([
    resolveAgents(env.DB, orgId, pending.map((p) => p.event.agent)),
    activeMetrics(env.DB, orgId),
  ]);

  const now = Date.now();
  const errors: FieldError[] = [];
  /** The events to record, each with its index in `pending` and the agent's stints. */
  const valid: { event: IngestEvent; index: number; stints: Stint[] }[] = [];
  pending.forEach(({ event, pathOf, partGiven }, i) => {
    const placement = placements.get(event.agent);
    const aggregation = metrics.get(event.metric);
    if (!placement || !placement.active) errors.push({ path: pathOf("agent"), message: `unknown agent '${event.agent}'` });
    if (!aggregation) errors.push({ path: pathOf("metric"), message: `unknown metric '${event.metric}'` });
    if (aggregation === "scorecard") errors.push({ path: pathOf("metric"), message: `'${event.metric}' is a scorecard; send events for the metrics it blends` });
    if (aggregation && aggregation !== "ratio" && partGiven) {
      errors.push({ path: pathOf("part"), message: `only for ratio metrics; '${event.metric}' is ${aggregation}` });
    }
    const badTime = occurredAtProblem(event.occurredAt, now);
    if (badTime) errors.push({ path: pathOf("occurredAt"), message: badTime });
    if (placement?.active) valid.push({ event, index: i, stints: placement.stints });
  });
  refuseIfAny(errors);

  /** Per team: its events, and each one's index in `pending`. */
  const byTeam = new Map<string, { events: IngestEvent[]; indexes: number[] }>();
  const routes = await routeEvents(env, orgId, valid);
  valid.forEach(({ event, index }, i) => {
    const team = byTeam.get(routes[i]!) ?? { events: [], indexes: [] };
    team.events.push(event);
    team.indexes.push(index);
    byTeam.set(routes[i]!, team);
  });

  const teams = [...byTeam];
  const pathsOf = (refused: readonly RefusedEvent[], indexes: readonly number[]) =>
    refused.map((r) => ({ path: pending[indexes[r.index]!]!.pathOf(r.field), message: r.message }));
  // Corrections are checked on every team before any team records anything, so a batch is refused whole.
  const withCorrections = teams.filter(([, team]) => team.events.some((e) => e.ref !== null));
  const checks = await Promise.all(withCorrections.map(([teamId, team]) => teamBoard(env, orgId, teamId).checkCorrections({ orgId, teamId }, team.events)));
  refuseIfAny(checks.flatMap((refused, t) => pathsOf(refused, withCorrections[t]![1].indexes)));

  const results = await Promise.all(teams.map(([teamId, team]) => teamBoard(env, orgId, teamId).ingest({ orgId, teamId }, team.events)));
  const total: IngestResult = { accepted: 0, duplicates: 0, late: 0 };
  results.forEach((r, t) => {
    // Refs never disappear, so what passed the check passes here; this only guards that promise.
    if ("refused" in r) refuseIfAny(pathsOf(r.refused, teams[t]![1].indexes));
    else (total.accepted += r.accepted), (total.duplicates += r.duplicates), (total.late += r.late);
  });
  return total;
}

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

/** Why an event's time cannot be recorded (in the future beyond clock skew, or implausibly old), or null. */
export function occurredAtProblem(occurredAt: number, now: number): string | null {
  if (!Number.isFinite(occurredAt)) return "is not a time";
  if (occurredAt > now + MAX_CLOCK_SKEW_MS) return "is in the future";
  if (occurredAt < EARLIEST_EVENT_MS) return `is before ${new Date(EARLIEST_EVENT_MS).toISOString()}`;
  return null;
}

/** All or nothing: one bad event rejects the batch, so a sender can fix and resend it whole. */
export function refuseIfAny(errors: readonly FieldError[]): void {
  if (errors.length === 0) return;
  const fields = errors.slice(0, 5).map((e) => `${e.path} (${e.message})`).join(", ");
  throw new ProblemError(422, "Events refused", `Nothing was recorded. ${fields}`, errors.slice(0, 100));
}
