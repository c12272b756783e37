/** `POST /v1/events`: score events in, grouped by team, one RPC per team board. */
import { Hono } from "hono";
import { EventBatch } from "../../protocol/index.ts";
import { type AppEnv, requireScope } from "../auth.ts";
import { recordEvents } from "../ingest.ts";
import { readJson } from "../problem.ts";

export const events = new Hono<AppEnv>();

events.post("/events", requireScope("ingest"), async (c) => {
  const batch = await readJson(c, EventBatch);
  const pending = batch.events.map((event, i) => ({
    event: {
      id: event.id,
      agent: event.agent,
      metric: event.metric,
      kind: event.kind,
      value: event.value ?? 0,
      ref: event.ref ?? null,
      part: event.part ?? "numerator",
      occurredAt: Date.parse(event.occurredAt),
    },
    pathOf: (field: string) => `/events/${i}/${field}`,
    partGiven: event.part !== undefined,
  }));
  return c.json(await recordEvents(c.env, c.var.caller.orgId, pending), 202);
});
