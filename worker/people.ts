/**
 * The people side of recognition: who a caller may see and act for (an agent themselves, a lead
 * their teams' agents, admins everyone), and the org and agent facts the recognition routes share.
 */
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { type AppEnv, hasScope } from "./auth.ts";
import { coveredAgents, type PeopleAccess, peopleAccess } from "./board-access.ts";
import { teamBoard } from "./board-hosts.ts";
import { teamAt } from "../durable-objects/memberships.ts";
import { agents, orgs } from "./db/schema.ts";
import { resolveAgents } from "./directory-cache.ts";
import { notFound, ProblemError } from "./problem.ts";

export type Ctx = Context<AppEnv>;

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
export const forbidden = (message: string) => new ProblemError(403, "Forbidden", `${message}.`, [{ path: "header/authorization", message }]);
export const conflict = (title: string, detail: string, path: string, message: string) => new ProblemError(409, title, detail, [{ path, message }]);

export async function orgSettings(db: D1Database, orgId: string) {
  const [row] = await drizzle(db)
    .select({ timeZone: orgs.timeZone, kudosPoints: orgs.kudosPoints, kudosDailyCap: orgs.kudosDailyCap, workingDays: orgs.workingDays, holidays: orgs.holidays })
    .from(orgs)
    .where(eq(orgs.id, orgId));
  if (!row) throw notFound("org", orgId);
  return row;
}

export async function agentRow(db: D1Database, orgId: string, id: string, path = "") {
  const [row] = await drizzle(db).select({ id: agents.id, name: agents.name, active: agents.active }).from(agents).where(and(eq(agents.orgId, orgId), eq(agents.id, id)));
  if (!row) throw new ProblemError(404, "Not found", `No agent '${id}' in this org.`, [{ path, message: "unknown agent" }]);
  return row;
}

/** The caller may see (and, for leads, act for) this agent, or a 403/404. */
export async function requireCovers(c: Ctx, agentId: string): Promise<PeopleAccess> {
  const { orgId } = c.var.caller;
  const access = await peopleAccess(c.env.DB, c.var.caller);
  if (access.kind === "none") throw forbidden("a wallboard sees no one's recognition");
  if (access.kind === "self" && access.agentId !== agentId) throw forbidden("an agent sees only their own recognition");
  await agentRow(c.env.DB, orgId, agentId);
  if (!(await coveredAgents(c.env.DB, orgId, access, [agentId])).has(agentId)) throw forbidden(`agent '${agentId}' is not in a team this token covers`);
  return access;
}

export const isAdmin = (c: Ctx) => hasScope(c.var.caller, "admin");
export const isLead = (c: Ctx) => c.var.caller.token?.role === "lead" || c.var.caller.token?.role === "manager";

/** The team an agent is in now (null: deactivated or unknown). */
export async function teamOfAgentNow(db: D1Database, orgId: string, agentId: string): Promise<string | null> {
  const placement = (await resolveAgents(db, orgId, [agentId])).get(agentId);
  return placement?.active ? (teamAt(placement.stints, Date.now()) ?? null) : null;
}

/**
 * Tells the team object of the agent's team now to celebrate (kudos, a badge given by hand). Best
 * effort: what was recorded stands whether or not a socket heard of it.
 */
export async function celebrateOnTeam(
  env: Env,
  orgId: string,
  agentId: string,
  notice: { kind: "kudos" | "badge"; agent: string; badge?: { id: string; name: string; icon: string }; message?: string },
): Promise<void> {
  try {
    const teamId = await teamOfAgentNow(env.DB, orgId, agentId);
    if (teamId !== null) await teamBoard(env, orgId, teamId).celebrate({ orgId, teamId }, notice);
  } catch (error) {
    console.error("celebration failed", error);
  }
}
