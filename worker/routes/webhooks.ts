/**
 * `POST /v1/webhooks/:sourceId`: a platform's own webhook, verified the platform's way by its
 * adapter, mapped onto the org's agents (through their external ids) and metrics, and recorded like
 * `POST /v1/events`. The platform gets its expected answer only once the events are durable; a
 * delivery with nothing countable is acknowledged and ignored.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Part } from "../../durable-objects/aggregation.ts";
import type { WebhookResult } from "../../protocol/index.ts";
import { adapters } from "../adapters/index.ts";
import type { PlatformEvent, WebhookDelivery } from "../adapters/types.ts";
import type { AppEnv } from "../auth.ts";
import { refreshTeams } from "../board-hosts.ts";
import { provisionAgents } from "../db/provision.ts";
import { activeMetrics, forgetDirectory, resolveExternalIds } from "../directory-cache.ts";
import { occurredAtProblem, type PendingEvent, recordEvents, refuseIfAny } from "../ingest.ts";
import { enforceRateLimit, ProblemError } from "../problem.ts";
import { type LoadedSource, loadSource } from "../webhook-sources.ts";

/** Platforms' deliveries are a few kilobytes; this leaves room for batches from generic senders. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;
const SOURCE_ID = /^src_[A-Za-z0-9_-]{16}$/;
/** New agents one delivery may provision: a platform's deliveries name one or two; a flood of new ids is refused. */
export const MAX_PROVISIONED_PER_DELIVERY = 50;

export const webhooks = new Hono<AppEnv>();

webhooks.post(
  "/webhooks/:sourceId",
  bodyLimit({
    maxSize: MAX_WEBHOOK_BODY_BYTES,
    onError: () => {
      throw new ProblemError(413, "Payload too large", `Webhook bodies are limited to ${MAX_WEBHOOK_BODY_BYTES} bytes.`, [
        { path: "", message: `larger than ${MAX_WEBHOOK_BODY_BYTES} bytes` },
      ]);
    },
  }),
  async (c) => {
    const id = c.req.param("sourceId");
    const source = SOURCE_ID.test(id) ? await loadSource(c.env, id) : null;
    if (!source) throw new ProblemError(404, "Not found", `No webhook source '${id}'.`, [{ path: "path/sourceId", message: "unknown or deactivated source" }]);
    // Limited before verification, so that a flood of forged deliveries is limited too.
    await enforceRateLimit(c.env.SOURCE_RATE_LIMITER, `source:${source.id}`, "path/sourceId", "This source");

    const adapter = adapters[source.platform];
    const delivery: WebhookDelivery = { url: c.req.url, headers: Object.fromEntries(c.req.raw.headers), body: new TextDecoder().decode(await c.req.arrayBuffer()) };
    const context = { secrets: source.secrets, options: source.options, now: Date.now() };
    await adapter.verify(delivery, context);
    const result = await recordDelivery(c.env, source, adapter.toEvents(delivery, context));
    return adapter.ack === 204 ? c.body(null, 204) : c.json(result, 200);
  },
);

async function recordDelivery(env: Env, source: LoadedSource, found: readonly PlatformEvent[]): Promise<WebhookResult> {
  const metrics = await activeMetrics(env.DB, source.orgId);
  let ignored = 0;
  const kept: { found: PlatformEvent; metric: string; part: Part }[] = [];
  for (const e of found) {
    const metric = source.metrics[e.metric] === null ? null : (source.metrics[e.metric] ?? e.metric);
    const aggregation = metric === null ? undefined : metrics.get(metric);
    if (metric === null || !aggregation || aggregation === "scorecard") {
      ignored++;
      continue;
    }
    // A metric that is not a ratio counts the resolved contacts (numerators) only.
    if (aggregation !== "ratio" && e.part === "denominator") {
      ignored++;
      continue;
    }
    kept.push({ found: e, metric, part: aggregation === "ratio" ? (e.part ?? "numerator") : "numerator" });
  }
  if (kept.length === 0) return { accepted: 0, duplicates: 0, late: 0, ignored };
  // Checked before any agent is provisioned, so that a refused delivery leaves nothing behind.
  const now = Date.now();
  refuseIfAny(kept.flatMap(({ found: e }) => {
    const message = occurredAtProblem(e.occurredAt, now);
    return message === null ? [] : [{ path: e.occurredAtField, message }];
  }));

  const agents = await agentsFor(env, source, kept.map((k) => k.found));
  const pending: PendingEvent[] = kept.map(({ found: e, metric, part }) => ({
    event: { id: `${source.id}:${e.id}`, agent: agents.get(e.agent)!, metric, kind: "add", value: e.value, ref: null, part, occurredAt: e.occurredAt },
    // Metric and part come from the source's mapping, not the delivery: errors about them name no field of it.
    pathOf: (field) => (field === "agent" ? e.agentField : field === "occurredAt" ? e.occurredAtField : ""),
  }));
  return { ...(await recordEvents(env, source.orgId, pending)), ignored };
}

/** Platform agent id -> agent id for every event: refuses unknown ids, or provisions agents for them. */
async function agentsFor(env: Env, source: LoadedSource, events: readonly PlatformEvent[]): Promise<Map<string, string>> {
  const system = source.externalIdSystem;
  const known = await resolveExternalIds(env.DB, source.orgId, system, events.map((e) => e.agent));
  const unknown = new Map<string, PlatformEvent>();
  for (const e of events) if (!known.has(e.agent) && !unknown.has(e.agent)) unknown.set(e.agent, e);
  if (unknown.size === 0) return known;
  if (source.unknownAgents === "refuse") {
    refuseIfAny(
      [...unknown.values()].map((e) => ({
        path: e.agentField,
        message: `no agent has ${system} id '${e.agent}'; add it to the agent's externalIds.${system}`,
      })),
    );
  }
  if (unknown.size > MAX_PROVISIONED_PER_DELIVERY) {
    refuseIfAny(
      [...unknown.values()].slice(MAX_PROVISIONED_PER_DELIVERY).map((e) => ({
        path: e.agentField,
        message: `one delivery may introduce at most ${MAX_PROVISIONED_PER_DELIVERY} new agents; add '${e.agent}' to an agent's externalIds.${system} or send it later`,
      })),
    );
  }
  const provisioned = await provisionAgents(
    env.DB,
    source.orgId,
    source.unassignedTeamId,
    system,
    [...unknown.values()].map((e) => ({ externalId: e.agent, name: e.agentName })),
  );
  forgetDirectory(source.orgId);
  await refreshTeams(env, source.orgId, [source.unassignedTeamId]);
  for (const [externalId, agentId] of provisioned) known.set(externalId, agentId);
  return known;
}
