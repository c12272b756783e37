/** `POST /v1/events`: score events in, grouped by team, one RPC per team board. */
import { Hono } from "hono";
import { EventBatch, type IngestResult, MAX_CLOCK_SKEW_MS } from "../../protocol/index.ts";
import type { IngestEvent, RefusedEvent } from "../../durable-objects/team-board.ts";
import { type AppEnv, requireScope } from "../auth.ts";
import { activeMetrics, resolveAgents } from "../directory-cache.ts";
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
  /** Per team: its events, and each one's index in the batch. */
  const byTeam = new Map<string, { events: IngestEvent[]; indexes: number[] }>();
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
    const team = byTeam.get(placement.teamId) ?? { events: [], indexes: [] };
    team.events.push({
      id: event.id,
      agent: event.agent,
      metric: event.metric,
      kind: event.kind,
      value: event.value ?? 0,
      ref: event.ref ?? null,
      part: event.part ?? "numerator",
      occurredAt,
    });
    team.indexes.push(i);
    byTeam.set(placement.teamId, team);
  });
  refuseIfAny(errors);

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

function pathsOf(refused: readonly RefusedEvent[], indexes: readonly number[]) {
  return refused.map((r) => ({ path: `/events/${indexes[r.index]}/${r.field}`, message: r.message }));
}

/** All or nothing: one bad event rejects the batch, so a sender can fix and resend it whole. */
function refuseIfAny(errors: readonly { path: string; message: string }[]): void {
  if (errors.length === 0) return;
  const fields = errors.slice(0, 5).map((e) => `${e.path} (${e.message})`).join(", ");
  throw new ProblemError(422, "Events refused", `Nothing was recorded. ${fields}`, errors.slice(0, 100));
}
