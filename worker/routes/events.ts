/** `POST /v1/events`: score events in, grouped by team, one RPC per team board. */
import { Hono } from "hono";
import { EventBatch, type IngestResult, MAX_CLOCK_SKEW_MS } from "../../protocol/index.ts";
import type { IngestEvent } from "../../durable-objects/team-board.ts";
import { type AppEnv, requireScope } from "../auth.ts";
import { activeMetricKeys, resolveAgents } from "../directory-cache.ts";
import { ProblemError, readJson } from "../problem.ts";
import { teamBoard } from "../team-boards.ts";

export const events = new Hono<AppEnv>();

events.post("/events", requireScope("ingest"), async (c) => {
  const { orgId } = c.var.caller;
  const batch = await readJson(c, EventBatch);
  const [placements, metricKeys] = await Promise.all([
    resolveAgents(c.env.DB, orgId, batch.events.map((e) => e.agent)),
    activeMetricKeys(c.env.DB, orgId),
  ]);

  const now = Date.now();
  const errors: { path: string; message: string }[] = [];
  const byTeam = new Map<string, IngestEvent[]>();
  batch.events.forEach((event, i) => {
    const placement = placements.get(event.agent);
    const occurredAt = Date.parse(event.occurredAt);
    if (!placement || !placement.active) errors.push({ path: `/events/${i}/agent`, message: `unknown agent '${event.agent}'` });
    if (!metricKeys.has(event.metric)) errors.push({ path: `/events/${i}/metric`, message: `unknown metric '${event.metric}'` });
    if (occurredAt > now + MAX_CLOCK_SKEW_MS) errors.push({ path: `/events/${i}/occurredAt`, message: "is in the future" });
    if (!placement?.active) return;
    const list = byTeam.get(placement.teamId) ?? [];
    list.push({ id: event.id, agent: event.agent, metric: event.metric, value: event.value, occurredAt });
    byTeam.set(placement.teamId, list);
  });
  if (errors.length > 0) {
    // All or nothing: one bad event rejects the batch, so a sender can fix and resend it whole.
    const fields = errors.slice(0, 5).map((e) => `${e.path} (${e.message})`).join(", ");
    throw new ProblemError(422, "Events refused", `Nothing was recorded. ${fields}`, errors.slice(0, 100));
  }

  const results = await Promise.all(
    [...byTeam].map(([teamId, list]) => teamBoard(c.env, orgId, teamId).ingest({ orgId, teamId }, list)),
  );
  const accepted = results.reduce((n, r) => n + r.accepted, 0);
  const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
  return c.json({ accepted, duplicates } satisfies IngestResult, 202);
});
