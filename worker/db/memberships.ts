/**
 * Agents' stints in D1 (`agent_memberships`): reading them, the team in effect now, and the
 * statements that record a move. The rules of stints are in durable-objects/memberships.ts.
 */
import { and, asc, eq, gte, inArray, type SQL, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Stint } from "../../durable-objects/memberships.ts";
import { agentMemberships, agents } from "./schema.ts";

const D1_MAX_PARAMS = 90;

/**
 * The agent's team at `now`, for a select or a filter on `agents`: the latest stint at or before
 * it (else the first), or `agents.team_id` for an agent without stints. Computed at read time, so a
 * scheduled move takes effect at its date without anyone writing.
 */
export function teamNow(now: number): SQL<string> {
  const m = agentMemberships;
  const ofAgent = sql`${m.orgId} = ${agents.orgId} AND ${m.agentId} = ${agents.id}`;
  return sql<string>`coalesce(
    (SELECT ${m.teamId} FROM ${m} WHERE ${ofAgent} AND ${m.fromAt} <= ${now} ORDER BY ${m.fromAt} DESC LIMIT 1),
    (SELECT ${m.teamId} FROM ${m} WHERE ${ofAgent} ORDER BY ${m.fromAt} LIMIT 1),
    ${agents.teamId})`;
}

/** The select of these agents' stints, in order (at most D1_MAX_PARAMS ids), e.g. for a batch. */
export function selectStints(db: DrizzleD1Database, orgId: string, agentIds: readonly string[]) {
  return db
    .select({ agentId: agentMemberships.agentId, teamId: agentMemberships.teamId, from: agentMemberships.fromAt })
    .from(agentMemberships)
    .where(and(eq(agentMemberships.orgId, orgId), inArray(agentMemberships.agentId, [...agentIds])))
    .orderBy(asc(agentMemberships.agentId), asc(agentMemberships.fromAt));
}

/** Groups stint rows (in order) by agent. */
export function stintsByAgent(rows: readonly { agentId: string; teamId: string; from: number }[]): Map<string, Stint[]> {
  const byAgent = new Map<string, Stint[]>();
  for (const r of rows) {
    const list = byAgent.get(r.agentId) ?? [];
    list.push({ teamId: r.teamId, from: r.from });
    byAgent.set(r.agentId, list);
  }
  return byAgent;
}

/** Each agent's stints, in order; an agent without stints (written before they existed) is in `agents.team_id` from the start. */
export async function stintsOf(db: DrizzleD1Database, orgId: string, placed: readonly { id: string; teamId: string }[]): Promise<Map<string, Stint[]>> {
  const found = new Map<string, Stint[]>();
  for (let i = 0; i < placed.length; i += D1_MAX_PARAMS) {
    const part = placed.slice(i, i + D1_MAX_PARAMS);
    const byAgent = stintsByAgent(await selectStints(db, orgId, part.map((a) => a.id)));
    for (const a of part) found.set(a.id, byAgent.get(a.id) ?? [{ teamId: a.teamId, from: 0 }]);
  }
  return found;
}

/**
 * The statements that replace these agents' stints from `since` on with `stints` (each starting at
 * or after it): a move replaces the scheduled moves it overtakes. One D1 batch with the caller's
 * other writes, so a move is all or nothing.
 */
export function replaceStints(
  db: DrizzleD1Database,
  orgId: string,
  agentIds: readonly string[],
  since: number,
  stints: readonly { agentId: string; teamId: string; from: number }[],
) {
  const rows = stints.map((s) => ({ orgId, agentId: s.agentId, teamId: s.teamId, fromAt: s.from }));
  return [
    ...chunk(agentIds, D1_MAX_PARAMS).map((part) =>
      db.delete(agentMemberships).where(and(eq(agentMemberships.orgId, orgId), inArray(agentMemberships.agentId, part), gte(agentMemberships.fromAt, since))),
    ),
    // 4 columns -> 25 rows per statement (D1 binds at most 100 parameters).
    ...chunk(rows, 25).map((part) => db.insert(agentMemberships).values(part)),
  ];
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
