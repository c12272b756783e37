/**
 * Privacy settings change together with their audit row: both statements run in one D1 batch
 * (a transaction), so there is never a change without its record or a record without its change.
 */
import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { AuditEntry, VisibilityPatch } from "../../protocol/index.ts";
import { settingsAudit } from "./schema.ts";

export type VisibilityTarget = { kind: "board"; orgId: string; boardId: string } | { kind: "org"; orgId: string };

/**
 * Applies a JSON merge patch (RFC 7386: null removes a field, so it is inherited again) to the
 * target's stored visibility. Records an audit row when the settings actually changed.
 * Returns false if the target does not exist.
 */
export async function patchVisibility(d1: D1Database, target: VisibilityTarget, actor: string, patch: VisibilityPatch): Promise<boolean> {
  const json = JSON.stringify(patch);
  const now = Date.now();
  const [table, where, label, params] =
    target.kind === "board"
      ? (["boards", "org_id = ?4 AND id = ?5", "'board:' || id", [target.orgId, target.boardId]] as const)
      : (["orgs", "id = ?4", "'org'", [target.orgId]] as const);
  const [, update] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO settings_audit (org_id, at, actor, target, before, after)
         SELECT ?4, ?1, ?2, ${label}, visibility, json_patch(visibility, ?3) FROM ${table}
         WHERE ${where} AND visibility IS NOT json_patch(visibility, ?3)`,
      )
      .bind(now, actor, json, ...params),
    d1.prepare(`UPDATE ${table} SET visibility = json_patch(visibility, ?3), updated_at = ?1 WHERE ${where}`).bind(now, actor, json, ...params),
  ]);
  return (update?.meta.changes ?? 0) > 0;
}

/** Sets an agent's opt-out and records the change when it is one. Returns false if there is no such active agent. */
export async function setOptOut(d1: D1Database, orgId: string, agentId: string, actor: string, optedOut: boolean): Promise<boolean> {
  const now = Date.now();
  const where = "org_id = ?1 AND id = ?2 AND active = 1";
  const [, update] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO settings_audit (org_id, at, actor, target, before, after)
         SELECT ?1, ?3, ?4, 'agent:' || id, json_object('optedOut', json(iif(opted_out, 'true', 'false'))),
                json_object('optedOut', json(iif(?5, 'true', 'false')))
         FROM agents WHERE ${where} AND opted_out IS NOT ?5`,
      )
      .bind(orgId, agentId, now, actor, optedOut ? 1 : 0),
    d1.prepare(`UPDATE agents SET opted_out = ?5, updated_at = ?3 WHERE ${where}`).bind(orgId, agentId, now, actor, optedOut ? 1 : 0),
  ]);
  return (update?.meta.changes ?? 0) > 0;
}

export async function auditEntries(d1: D1Database, orgId: string, target: string | undefined, limit: number): Promise<AuditEntry[]> {
  const rows = await drizzle(d1)
    .select()
    .from(settingsAudit)
    .where(and(eq(settingsAudit.orgId, orgId), target ? eq(settingsAudit.target, target) : undefined))
    .orderBy(desc(settingsAudit.id))
    .limit(limit);
  return rows.map((r) => ({ id: r.id, at: new Date(r.at).toISOString(), actor: r.actor, target: r.target, before: r.before, after: r.after }));
}
