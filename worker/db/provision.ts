/**
 * Agents a webhook source meets for the first time, when the source is set to provision them: each
 * gets an agent in the source's "unassigned" team (created, with a department of the same id, when
 * missing), carrying the platform id, so an admin can later name and move them. Concurrent
 * deliveries for the same new agent converge: the agent's id is derived from the platform id, and
 * every insert leaves an existing row alone.
 */
import { and, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Id } from "../../protocol/index.ts";
import { ProblemError } from "../problem.ts";
import { chunk } from "./memberships.ts";
import { agentExternalIds, agentMemberships, agents, departments, teams } from "./schema.ts";

export interface NewAgent {
  externalId: string;
  name?: string;
}

/** Provisions the agents and returns platform id -> agent id for every one of them. */
export async function provisionAgents(db: D1Database, orgId: string, teamId: string, system: string, wanted: readonly NewAgent[]): Promise<Map<string, string>> {
  const d1 = drizzle(db);
  const now = Date.now();
  const [team] = await d1.select({ active: teams.active }).from(teams).where(and(eq(teams.orgId, orgId), eq(teams.id, teamId))).limit(1);
  if (team && !team.active) {
    throw new ProblemError(422, "Unassigned team deactivated", `The source provisions new agents into team '${teamId}', which is deactivated.`, [
      { path: "", message: `team '${teamId}' is deactivated; reactivate it or change the source's unassignedTeamId` },
    ]);
  }
  const ids = await Promise.all(wanted.map((a) => agentIdFor(system, a.externalId)));
  // An id already used by an agent that does not carry this platform id gets the hashed form instead.
  const taken = new Set<string>();
  for (const part of chunk(ids, 90)) {
    const rows = await d1.select({ id: agents.id }).from(agents).where(and(eq(agents.orgId, orgId), inArray(agents.id, part)));
    for (const r of rows) taken.add(r.id);
  }
  const claimed = new Map<string, string>();
  for (const part of chunk([...taken], 90)) {
    const rows = await d1
      .select({ agentId: agentExternalIds.agentId, externalId: agentExternalIds.externalId })
      .from(agentExternalIds)
      .where(and(eq(agentExternalIds.orgId, orgId), eq(agentExternalIds.platform, system), inArray(agentExternalIds.agentId, part)));
    for (const r of rows) claimed.set(r.agentId, r.externalId);
  }
  const candidates = await Promise.all(
    wanted.map(async (a, i) => {
      let id = ids[i]!;
      // Already provisioned (another isolate did it a moment ago): nothing to write.
      if (taken.has(id) && claimed.get(id) === a.externalId) return null;
      if (taken.has(id)) id = await hashedIdFor(system, a.externalId);
      return { id, externalId: a.externalId, name: (a.name?.trim() || `${system} ${a.externalId}`).slice(0, 120) };
    }),
  );
  const rows = candidates.filter((r) => r !== null);

  const statements = [
    ...(team
      ? []
      : [
          d1.insert(departments).values({ orgId, id: teamId, name: "Unassigned", createdAt: now, updatedAt: now }).onConflictDoNothing(),
          d1.insert(teams).values({ orgId, id: teamId, name: "Unassigned", departmentId: teamId, createdAt: now, updatedAt: now }).onConflictDoNothing(),
        ]),
    ...chunk(rows, 12).map((part) =>
      d1
        .insert(agents)
        .values(part.map((r) => ({ orgId, id: r.id, name: r.name, teamId, createdAt: now, updatedAt: now })))
        .onConflictDoNothing(),
    ),
    ...chunk(rows, 25).map((part) =>
      d1
        .insert(agentExternalIds)
        .values(part.map((r) => ({ orgId, platform: system, externalId: r.externalId, agentId: r.id })))
        .onConflictDoNothing(),
    ),
    ...chunk(rows, 25).map((part) =>
      d1
        .insert(agentMemberships)
        .values(part.map((r) => ({ orgId, agentId: r.id, teamId, fromAt: now })))
        .onConflictDoNothing(),
    ),
  ];
  if (rows.length > 0) await d1.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);

  // Whoever won a race, the platform ids now point at agents: read back which.
  const mapped = new Map<string, string>();
  for (const part of chunk(wanted.map((a) => a.externalId), 90)) {
    const found = await d1
      .select({ externalId: agentExternalIds.externalId, agentId: agentExternalIds.agentId })
      .from(agentExternalIds)
      .where(and(eq(agentExternalIds.orgId, orgId), eq(agentExternalIds.platform, system), inArray(agentExternalIds.externalId, part)));
    for (const f of found) mapped.set(f.externalId, f.agentId);
  }
  return mapped;
}

/** `<system>-<platform id>` when that is a valid id, else the hashed form. */
async function agentIdFor(system: string, externalId: string): Promise<string> {
  const readable = `${system}-${externalId}`;
  return Id.safeParse(readable).success ? readable : hashedIdFor(system, externalId);
}

async function hashedIdFor(system: string, externalId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${system}\u0000${externalId}`)));
  return `${system}-${[...digest.slice(0, 10)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
