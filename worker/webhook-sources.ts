/**
 * Webhook sources as the webhook route uses them: read by id (the URL carries only the id), with
 * their secrets opened, cached in the isolate for a short while so a delivery costs no D1 read.
 * Changes clear this isolate's entry at once; other isolates see them within the TTL (30 s). So for
 * up to 30 s after a rotation another isolate may still refuse a delivery signed with the new secret
 * (platforms retry refused deliveries), and a revoked secret may still be taken there.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Platform, Source, StandardMetric } from "../protocol/index.ts";
import { adapters } from "./adapters/index.ts";
import { webhookSources } from "./db/schema.ts";
import { ProblemError } from "./problem.ts";
import { openSecret } from "./source-secrets.ts";

const TTL_MS = 30_000;
export type SourceRow = typeof webhookSources.$inferSelect;

export interface LoadedSource {
  id: string;
  orgId: string;
  platform: Platform;
  /** The current secret first, then the previous one while its grace lasts. */
  secrets: string[];
  /** Until when the previous secret is listed (it drops out of `secrets` after). */
  previousSecretUntil: number | null;
  externalIdSystem: string;
  unknownAgents: "refuse" | "provision";
  unassignedTeamId: string;
  metrics: Partial<Record<StandardMetric, string | null>>;
  options: unknown;
}

const cache = new Map<string, { source: LoadedSource | null; expires: number }>();

/** The active source with this id, or null. */
export async function loadSource(env: Env, id: string): Promise<LoadedSource | null> {
  const now = Date.now();
  const hit = cache.get(id);
  if (hit && hit.expires > now) return withLiveSecrets(hit.source, now);
  let row: SourceRow | undefined;
  try {
    [row] = await drizzle(env.DB).select().from(webhookSources).where(eq(webhookSources.id, id)).limit(1);
  } catch (error) {
    // D1 is unreachable: a source this isolate knew keeps taking deliveries.
    if (hit) return withLiveSecrets(hit.source, now);
    throw error;
  }
  const source = row?.active ? await open(env, row) : null;
  if (cache.size > 10_000) cache.clear();
  cache.set(id, { source, expires: now + TTL_MS });
  return withLiveSecrets(source, now);
}

export function forgetSource(id: string): void {
  cache.delete(id);
}

function withLiveSecrets(source: LoadedSource | null, now: number): LoadedSource | null {
  if (!source || source.secrets.length < 2 || (source.previousSecretUntil ?? 0) > now) return source;
  return { ...source, secrets: source.secrets.slice(0, 1) };
}

async function open(env: Env, row: SourceRow): Promise<LoadedSource> {
  const current = await openSecret(env, row.orgId, row.id, row.secret);
  if (current === null) {
    throw new ProblemError(503, "Source secret unreadable", "SOURCE_SECRETS_KEY changed since this source was saved: rotate the source's secret.");
  }
  const previous = row.previousSecret && (row.previousSecretUntil ?? 0) > Date.now() ? await openSecret(env, row.orgId, row.id, row.previousSecret) : null;
  const options = adapters[row.platform].options.safeParse(row.options);
  if (!options.success) {
    // Options are validated when saved; this is a source saved before its adapter's options changed.
    throw new ProblemError(503, "Source options outdated", "This source's options no longer suit its platform: an admin must PATCH them.");
  }
  return {
    id: row.id,
    orgId: row.orgId,
    platform: row.platform,
    secrets: previous === null ? [current] : [current, previous],
    previousSecretUntil: previous === null ? null : row.previousSecretUntil,
    externalIdSystem: row.externalIdSystem,
    unknownAgents: row.unknownAgents,
    unassignedTeamId: row.unassignedTeamId,
    metrics: row.metrics,
    options: options.data,
  };
}

export function sourceJson(row: SourceRow, origin: string): Source {
  const iso = (ms: number) => new Date(ms).toISOString();
  const graceLeft = row.previousSecret !== null && (row.previousSecretUntil ?? 0) > Date.now();
  return {
    id: row.id,
    name: row.name,
    platform: row.platform,
    url: `${origin}/v1/webhooks/${row.id}`,
    externalIdSystem: row.externalIdSystem,
    unknownAgents: row.unknownAgents,
    unassignedTeamId: row.unassignedTeamId,
    metrics: row.metrics,
    options: row.options,
    active: row.active,
    previousSecretUntil: graceLeft ? iso(row.previousSecretUntil!) : null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
