import { and, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Stint } from "../durable-objects/memberships.ts";
import { MAX_CLOCK_SKEW_MS, type Aggregation } from "../protocol/index.ts";
import { selectStints, stintsByAgent } from "./db/memberships.ts";
import { agentExternalIds, agents, metrics } from "./db/schema.ts";

/**
 * The ingest path resolves agent -> stints (their teams over time) and checks metric keys for
 * every event. Both are cached in the isolate for a short while; directory writes clear this
 * isolate's entries at once, other isolates see a change within the TTL. When D1 is unreachable,
 * expired entries are served so that ingest keeps working through an outage.
 */
const TTL_MS = 30_000;
const D1_MAX_PARAMS = 90;

/**
 * How long after a move takes effect events for the agent may still have gone to the earlier team:
 * they may be dated up to MAX_CLOCK_SKEW_MS ahead, and other isolates learn of a move within the TTL.
 */
export const MOVE_SETTLE_MS = MAX_CLOCK_SKEW_MS + TTL_MS;

/** An agent's stints in order (scheduled ones included), and whether the agent is active. */
export type AgentPlacement = { stints: Stint[]; active: boolean };
const agentCache = new Map<string, { value: AgentPlacement | null; expires: number }>();
const metricCache = new Map<string, { value: Map<string, Aggregation>; expires: number }>();

export async function resolveAgents(db: D1Database, orgId: string, ids: readonly string[]): Promise<Map<string, AgentPlacement>> {
  const now = Date.now();
  const found = new Map<string, AgentPlacement>();
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const hit = agentCache.get(`${orgId}\u0000${id}`);
    if (hit && hit.expires > now) {
      if (hit.value) found.set(id, hit.value);
    } else missing.push(id);
  }
  for (let i = 0; i < missing.length; i += D1_MAX_PARAMS) {
    const chunk = missing.slice(i, i + D1_MAX_PARAMS);
    let rows: { id: string; teamId: string; active: boolean }[];
    let stints: Map<string, Stint[]>;
    try {
      const d1 = drizzle(db);
      const [agentRows, stintRows] = await d1.batch([
        d1.select({ id: agents.id, teamId: agents.teamId, active: agents.active }).from(agents).where(and(eq(agents.orgId, orgId), inArray(agents.id, chunk))),
        selectStints(d1, orgId, chunk),
      ]);
      rows = agentRows;
      stints = stintsByAgent(stintRows);
    } catch (error) {
      // D1 is unreachable: serve what this isolate knew, however old, if it knew every agent.
      const stale = chunk.map((id) => agentCache.get(`${orgId}\u0000${id}`));
      if (stale.some((hit) => hit === undefined)) throw error;
      stale.forEach((hit, j) => hit?.value && found.set(chunk[j]!, hit.value));
      continue;
    }
    // An agent without stints (written by code that does not record them) is in their team from the start.
    const byId = new Map(rows.map((r) => [r.id, { stints: stints.get(r.id) ?? [{ teamId: r.teamId, from: 0 }], active: r.active }]));
    for (const id of chunk) {
      const value = byId.get(id) ?? null;
      agentCache.set(`${orgId}\u0000${id}`, { value, expires: now + TTL_MS });
      if (value) found.set(id, value);
    }
  }
  if (agentCache.size > 100_000) agentCache.clear();
  return found;
}

/** The org's active metrics: key -> aggregation. */
export async function activeMetrics(db: D1Database, orgId: string): Promise<Map<string, Aggregation>> {
  const now = Date.now();
  const hit = metricCache.get(orgId);
  if (hit && hit.expires > now) return hit.value;
  let rows: { key: string; aggregation: Aggregation }[];
  try {
    rows = await drizzle(db)
      .select({ key: metrics.key, aggregation: metrics.aggregation })
      .from(metrics)
      .where(and(eq(metrics.orgId, orgId), eq(metrics.active, true)));
  } catch (error) {
    if (hit) return hit.value;
    throw error;
  }
  const value = new Map(rows.map((r) => [r.key, r.aggregation]));
  metricCache.set(orgId, { value, expires: now + TTL_MS });
  return value;
}

const externalCache = new Map<string, { agentId: string; expires: number }>();

/**
 * Platform agent id -> agent id, through the directory's external ids (`system` is the key of
 * agents' `externalIds`). Ids no agent carries are left out, and looked up again next time.
 */
export async function resolveExternalIds(db: D1Database, orgId: string, system: string, externalIds: readonly string[]): Promise<Map<string, string>> {
  const now = Date.now();
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const id of new Set(externalIds)) {
    const hit = externalCache.get(`${orgId}\u0000${system}\u0000${id}`);
    if (hit && hit.expires > now) found.set(id, hit.agentId);
    else missing.push(id);
  }
  for (let i = 0; i < missing.length; i += D1_MAX_PARAMS) {
    const chunk = missing.slice(i, i + D1_MAX_PARAMS);
    let rows: { externalId: string; agentId: string }[];
    try {
      rows = await drizzle(db)
        .select({ externalId: agentExternalIds.externalId, agentId: agentExternalIds.agentId })
        .from(agentExternalIds)
        .where(and(eq(agentExternalIds.orgId, orgId), eq(agentExternalIds.platform, system), inArray(agentExternalIds.externalId, chunk)));
    } catch (error) {
      // D1 is unreachable: serve what this isolate knew, however old, if it knew every id.
      const stale = chunk.map((id) => externalCache.get(`${orgId}\u0000${system}\u0000${id}`));
      if (stale.some((hit) => hit === undefined)) throw error;
      stale.forEach((hit, j) => found.set(chunk[j]!, hit!.agentId));
      continue;
    }
    for (const r of rows) {
      externalCache.set(`${orgId}\u0000${system}\u0000${r.externalId}`, { agentId: r.agentId, expires: now + TTL_MS });
      found.set(r.externalId, r.agentId);
    }
  }
  if (externalCache.size > 100_000) externalCache.clear();
  return found;
}

export function forgetDirectory(orgId: string): void {
  metricCache.delete(orgId);
  for (const key of agentCache.keys()) if (key.startsWith(`${orgId}\u0000`)) agentCache.delete(key);
  for (const key of externalCache.keys()) if (key.startsWith(`${orgId}\u0000`)) externalCache.delete(key);
}
