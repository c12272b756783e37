/** An org set up to take webhooks: one team, agents with platform ids, a day board per standard metric. */
import { SELF } from "cloudflare:test";
import type { Platform, StandardMetric } from "../protocol/index.ts";
import { api, BASE, createKey, createOrg, json, snapshot } from "./helpers.ts";
import type { Delivery, PlatformSample } from "./platforms/types.ts";

/** How the test org counts each standard metric (a `count` counts events; `avg` of one sample is the sample). */
export const STANDARD_METRICS: Record<StandardMetric, { aggregation: string; direction: "higher" | "lower" }> = {
  contacts_handled: { aggregation: "count", direction: "higher" },
  handle_time_s: { aggregation: "avg", direction: "lower" },
  talk_time_s: { aggregation: "avg", direction: "lower" },
  hold_time_s: { aggregation: "avg", direction: "lower" },
  acw_time_s: { aggregation: "avg", direction: "lower" },
  missed_contacts: { aggregation: "count", direction: "lower" },
  resolved_first_contact: { aggregation: "ratio", direction: "higher" },
  csat: { aggregation: "avg", direction: "higher" },
  sales: { aggregation: "sum", direction: "higher" },
};

export interface WebhookOrg {
  orgId: string;
  adminKey: string;
  readKey: string;
}

/**
 * Agents a1..a3 (or as many as `externalIds` names) in team t1; `externalIds` gives each agent's
 * platform ids (`{ a1: { twilio: "WK…" } }`).
 */
export async function webhookOrg(externalIds: Record<string, Record<string, string>> = {}): Promise<WebhookOrg> {
  const { orgId, adminKey } = await createOrg();
  await json(await api(adminKey, "POST", "/v1/departments", { id: "d1", name: "Support" }), 201);
  await json(await api(adminKey, "POST", "/v1/teams", { id: "t1", name: "Team One", departmentId: "d1" }), 201);
  const ids = [...new Set(["a1", "a2", "a3", ...Object.keys(externalIds)])];
  const agents = ids.map((id, i) => ({ id, name: `Agent ${i + 1}`, teamId: "t1", externalIds: externalIds[id] ?? {} }));
  await json(await api(adminKey, "PUT", "/v1/agents", { agents }), 200);
  await Promise.all(
    Object.entries(STANDARD_METRICS).map(async ([key, m]) => {
      await json(await api(adminKey, "POST", "/v1/metrics", { key, label: key, ...m }), 201);
      await json(await api(adminKey, "POST", "/v1/boards", { id: `b-${key}`, teamId: "t1", metric: key, period: "day" }), 201);
    }),
  );
  return { orgId, adminKey, readKey: await createKey(adminKey, ["read"]) };
}

export async function createSource(adminKey: string, body: Record<string, unknown>): Promise<{ id: string; url: string; secret: string }> {
  return json(await api(adminKey, "POST", "/v1/sources", body), 201);
}

export async function deliver(url: string, delivery: Delivery): Promise<Response> {
  return SELF.fetch(url, { method: "POST", headers: delivery.headers, body: delivery.body });
}

/** Every standard metric's board: agent -> score, for "nothing changed" checks. */
export async function allStandings(readKey: string): Promise<Record<string, [string | undefined, number | undefined][]>> {
  const keys = Object.keys(STANDARD_METRICS);
  const snapshots = await Promise.all(keys.map((key) => snapshot(readKey, `b-${key}`)));
  return Object.fromEntries(keys.map((key, i) => [key, snapshots[i]!.snapshot.rows.map((r) => [r.agent?.id, r.score ?? undefined])]));
}

/** The scores a sample's countable delivery should leave on each board, for an agent with nothing else. */
export function expectedScores(sample: PlatformSample): Partial<Record<StandardMetric, number>> {
  const scores: Partial<Record<StandardMetric, number>> = {};
  const ratio: Partial<Record<StandardMetric, { n: number; d: number }>> = {};
  for (const [key, value] of Object.entries(sample.expected)) {
    const [metric, part] = key.split(":") as [StandardMetric, "numerator" | "denominator" | undefined];
    const { aggregation } = STANDARD_METRICS[metric];
    if (aggregation === "ratio") {
      const r = (ratio[metric] ??= { n: 0, d: 0 });
      if (part === "denominator") r.d += value!;
      else r.n += value!;
    } else scores[metric] = aggregation === "count" ? 1 : value!;
  }
  for (const [metric, r] of Object.entries(ratio)) if (r.d > 0) scores[metric as StandardMetric] = Math.round((10_000 * r.n) / r.d) / 100;
  return scores;
}

export const webhookUrl = (sourceId: string) => `${BASE}/v1/webhooks/${sourceId}`;
export type { Platform };
