/**
 * What recognition is made of, as admins define it, and what agents earned:
 *
 * - `GET|POST /v1/badges`, `GET|PATCH /v1/badges/:id`: badges and their rules (validated JSON).
 * - `POST /v1/badges/:id/awards`: a lead awards a manual badge; `GET /v1/agents/:id/badges`.
 * - `GET|POST /v1/goals`, `PATCH /v1/goals/:id`: targets per metric and period, per agent or team.
 * - `GET|POST /v1/point-rules`, `DELETE /v1/point-rules/:id`: points earned from events.
 *
 * Definitions are admin-only and audited (`badge:<id>`, `goal:<id>`, `point-rule:<id>`); reading
 * them needs any credential but a wallboard's.
 */
import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import {
  type Badge,
  type BadgeAward,
  BadgeAwardCreate,
  BadgeCreate,
  BadgePatch,
  type BadgeRule,
  type Goal,
  GoalCreate,
  GoalPatch,
  type PointRule,
  PointRuleCreate,
} from "../../protocol/index.ts";
import { periodContaining } from "../../durable-objects/periods.ts";
import { type AppEnv, randomId, requireScope } from "../auth.ts";
import { coveredAgents, peopleAccess } from "../board-access.ts";
import { awardStatements } from "../db/ledger.ts";
import { badgeAwards, badges, boards, goals, metrics, pointRules, settingsAudit, teams } from "../db/schema.ts";
import { notFound, ProblemError, readJson, readQuery } from "../problem.ts";
import { agentRow, celebrateOnTeam, conflict, type Ctx, forbidden, isAdmin, isLead, iso, orgSettings, requireCovers, teamOfAgentNow } from "../people.ts";
import { refreshTeamHosts, teamBoard } from "../board-hosts.ts";

export const recognition = new Hono<AppEnv>();

type BadgeRow = typeof badges.$inferSelect;
type GoalRow = typeof goals.$inferSelect;
type RuleRow = typeof pointRules.$inferSelect;

const invalid = (path: string, message: string) => new ProblemError(422, "Validation failed", `Invalid field(s): ${path}`, [{ path, message }]);
const audit = (c: Ctx, target: string, before: unknown, after: unknown) =>
  drizzle(c.env.DB).insert(settingsAudit).values({ orgId: c.var.caller.orgId, at: Date.now(), actor: c.var.caller.actor, target, before, after });

/** Definitions are readable by people and systems, not wallboards. */
async function requireReader(c: Ctx): Promise<void> {
  if ((await peopleAccess(c.env.DB, c.var.caller)).kind === "none") throw forbidden("a wallboard reads no recognition settings");
}

/** Inserts a definition and its audit row in one transaction; a taken id is a 409 at `/id`. */
async function insertAudited(c: Ctx, insert: Parameters<ReturnType<typeof drizzle>["batch"]>[0][number], target: string, after: unknown, id: string): Promise<void> {
  const db = drizzle(c.env.DB);
  try {
    await db.batch([insert, audit(c, target, {}, after)]);
  } catch (error) {
    if (String(error).includes("goals_one_active")) throw conflict("Goal exists", "An active goal already sets this target: change it instead.", "/metric", "an active goal exists");
    if (String(error).includes("UNIQUE constraint failed")) throw conflict("Id taken", `'${id}' is taken.`, "/id", "already used");
    throw error;
  }
}

async function requireMetric(c: Ctx, key: string, path: string): Promise<void> {
  const [row] = await drizzle(c.env.DB).select({ active: metrics.active }).from(metrics).where(and(eq(metrics.orgId, c.var.caller.orgId), eq(metrics.key, key)));
  if (!row?.active) throw invalid(path, `unknown metric '${key}'`);
}

// ---------------------------------------------------------------------------------------------
// Badges

const badgeJson = (r: BadgeRow): Badge => ({
  id: r.id,
  name: r.name,
  description: r.description,
  icon: r.icon,
  points: r.points,
  rule: r.rule,
  active: r.active,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

async function checkRule(c: Ctx, rule: BadgeRule): Promise<void> {
  if ("metric" in rule) await requireMetric(c, rule.metric, "/rule/metric");
  if ("board" in rule) {
    const [row] = await drizzle(c.env.DB).select({ active: boards.active }).from(boards).where(and(eq(boards.orgId, c.var.caller.orgId), eq(boards.id, rule.board)));
    if (!row?.active) throw invalid("/rule/board", `unknown board '${rule.board}'`);
  }
}

async function findBadge(c: Ctx, id: string): Promise<BadgeRow> {
  const [row] = await drizzle(c.env.DB).select().from(badges).where(and(eq(badges.orgId, c.var.caller.orgId), eq(badges.id, id)));
  if (!row) throw notFound("badge", id);
  return row;
}

recognition.get("/badges", requireScope("read"), async (c) => {
  await requireReader(c);
  const rows = await drizzle(c.env.DB).select().from(badges).where(eq(badges.orgId, c.var.caller.orgId)).orderBy(badges.name);
  return c.json({ badges: rows.map(badgeJson) });
});

recognition.get("/badges/:id", requireScope("read"), async (c) => {
  await requireReader(c);
  return c.json(badgeJson(await findBadge(c, c.req.param("id"))));
});

recognition.post("/badges", requireScope("admin"), async (c) => {
  const body = await readJson(c, BadgeCreate);
  await checkRule(c, body.rule);
  const now = Date.now();
  const row: BadgeRow = { orgId: c.var.caller.orgId, id: body.id ?? randomId("bdg"), name: body.name, description: body.description, icon: body.icon, points: body.points, rule: body.rule, active: true, createdAt: now, updatedAt: now };
  await insertAudited(c, drizzle(c.env.DB).insert(badges).values(row), `badge:${row.id}`, badgeJson(row), row.id);
  await refreshTeamHosts(c.env, row.orgId);
  return c.json(badgeJson(row), 201);
});

recognition.patch("/badges/:id", requireScope("admin"), async (c) => {
  const body = await readJson(c, BadgePatch);
  const before = await findBadge(c, c.req.param("id"));
  const after: BadgeRow = { ...before, ...body, updatedAt: Date.now() };
  const db = drizzle(c.env.DB);
  await db.batch([
    db.update(badges).set({ name: after.name, description: after.description, icon: after.icon, points: after.points, active: after.active, updatedAt: after.updatedAt }).where(and(eq(badges.orgId, before.orgId), eq(badges.id, before.id))),
    audit(c, `badge:${before.id}`, badgeJson(before), badgeJson(after)),
  ]);
  await refreshTeamHosts(c.env, before.orgId);
  return c.json(badgeJson(after));
});

/** A lead (for their teams' agents) or an admin awards a manual badge: once per agent and day. */
recognition.post("/badges/:id/awards", requireScope("read"), async (c) => {
  const body = await readJson(c, BadgeAwardCreate);
  if (!isLead(c) && !isAdmin(c)) throw forbidden("badges are awarded by leads, managers and admins");
  const badge = await findBadge(c, c.req.param("id"));
  if (badge.rule.kind !== "manual") throw invalid("path/id", `'${badge.name}' is earned by its rule (${badge.rule.kind}), not awarded by hand`);
  if (!badge.active) throw invalid("path/id", `'${badge.name}' has been withdrawn`);
  const { orgId, actor } = c.var.caller;
  const agent = await agentRow(c.env.DB, orgId, body.agentId, "/agentId");
  await requireCovers(c, agent.id);
  const now = Date.now();
  const day = periodContaining({ kind: "day", timeZone: (await orgSettings(c.env.DB, orgId)).timeZone }, now);
  const award = { id: randomId("awd"), orgId, badgeId: badge.id, agentId: agent.id, periodStart: day.start, points: badge.points, reason: body.reason, awardedBy: actor, at: now };
  const [entered] = await c.env.DB.batch(awardStatements(c.env.DB, award, badge.name));
  if (entered!.meta.changes === 0) throw conflict("Already awarded", `${agent.name} was awarded '${badge.name}' today already.`, "/agentId", "already awarded today");
  await celebrateOnTeam(c.env, orgId, agent.id, { kind: "badge", agent: agent.id, badge: { id: badge.id, name: badge.name, icon: badge.icon } });
  return c.json(awardJson(award, badge), 201);
});

const awardJson = (a: typeof badgeAwards.$inferSelect, badge: Pick<BadgeRow, "name" | "icon">): BadgeAward => ({
  id: a.id,
  badgeId: a.badgeId,
  badgeName: badge.name,
  icon: badge.icon,
  agentId: a.agentId,
  periodStart: iso(a.periodStart),
  points: a.points,
  reason: a.reason,
  awardedBy: a.awardedBy,
  at: iso(a.at),
});

const AwardsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/** The badges an agent earned, newest first. */
recognition.get("/agents/:id/badges", requireScope("read"), async (c) => {
  const query = readQuery(c, AwardsQuery);
  const agentId = c.req.param("id");
  await requireCovers(c, agentId);
  const rows = await drizzle(c.env.DB)
    .select({ award: badgeAwards, name: badges.name, icon: badges.icon })
    .from(badgeAwards)
    .innerJoin(badges, and(eq(badges.orgId, badgeAwards.orgId), eq(badges.id, badgeAwards.badgeId)))
    .where(and(eq(badgeAwards.orgId, c.var.caller.orgId), eq(badgeAwards.agentId, agentId)))
    .orderBy(desc(badgeAwards.at))
    .limit(query.limit);
  return c.json({ awards: rows.map((r) => awardJson(r.award, r)) });
});

// ---------------------------------------------------------------------------------------------
// Goals

const goalJson = (r: GoalRow): Goal => ({
  id: r.id,
  metric: r.metricKey,
  period: r.period,
  target: r.target,
  agentId: r.agentId,
  teamId: r.teamId,
  active: r.active,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

const GoalsQuery = z.strictObject({ agentId: z.string().min(1).max(100).optional(), teamId: z.string().min(1).max(100).optional() });

/** Goals: all of them for admins and keys; an agent's own and their team's; a lead's teams' and their agents'. */
recognition.get("/goals", requireScope("read"), async (c) => {
  const query = readQuery(c, GoalsQuery);
  const { orgId } = c.var.caller;
  const access = await peopleAccess(c.env.DB, c.var.caller);
  if (access.kind === "none") throw forbidden("a wallboard reads no goals");
  if (query.agentId !== undefined) await requireCovers(c, query.agentId);
  const rows = await drizzle(c.env.DB)
    .select()
    .from(goals)
    .where(and(eq(goals.orgId, orgId), eq(goals.active, true), query.teamId ? eq(goals.teamId, query.teamId) : undefined))
    .orderBy(goals.metricKey, goals.period);
  const agentId = access.kind === "self" ? access.agentId : query.agentId;
  const agentTeam = agentId === undefined ? null : await teamOfAgentNow(c.env.DB, orgId, agentId);
  const coveredPeople = access.kind === "teams" ? await coveredAgents(c.env.DB, orgId, access, rows.flatMap((g) => (g.agentId ? [g.agentId] : []))) : null;
  const visible = rows.filter((g) => {
    if (agentId !== undefined) return g.agentId === agentId || (g.teamId !== null && g.teamId === agentTeam);
    if (access.kind === "teams") return g.teamId !== null ? access.teamIds.has(g.teamId) : coveredPeople!.has(g.agentId!);
    return true;
  });
  return c.json({ goals: visible.map(goalJson) });
});

const ProgressQuery = z.strictObject({ agentId: z.string().min(1).max(100).optional(), teamId: z.string().min(1).max(100).optional() });

/**
 * Where agents stand against their goals now, and who is behind pace: an agent their own; a lead
 * every team they cover (or `?teamId=` one of them, `?agentId=` one agent); managers and admins
 * every active team of the org.
 */
recognition.get("/goals/progress", requireScope("read"), async (c) => {
  const query = readQuery(c, ProgressQuery);
  const { orgId } = c.var.caller;
  const access = await peopleAccess(c.env.DB, c.var.caller);
  if (access.kind === "none") throw forbidden("a wallboard reads no goals");
  if (access.kind === "self" && query.agentId !== undefined && query.agentId !== access.agentId) throw forbidden("an agent sees only their own goals");
  if (access.kind === "self" && query.teamId !== undefined) throw forbidden("an agent sees only their own goals");
  const agentId = access.kind === "self" ? access.agentId : query.agentId;
  const db = drizzle(c.env.DB);
  let teamIds: string[];
  if (agentId !== undefined) {
    await requireCovers(c, agentId);
    const team = await teamOfAgentNow(c.env.DB, orgId, agentId);
    teamIds = team === null ? [] : [team];
  } else if (query.teamId !== undefined) {
    if (access.kind === "teams" && !access.teamIds.has(query.teamId)) throw forbidden(`team '${query.teamId}' is not one this token covers`);
    const [team] = await db.select({ id: teams.id }).from(teams).where(and(eq(teams.orgId, orgId), eq(teams.id, query.teamId)));
    if (!team) throw notFound("team", query.teamId);
    teamIds = [team.id];
  } else {
    const active = await db.select({ id: teams.id }).from(teams).where(and(eq(teams.orgId, orgId), eq(teams.active, true))).orderBy(teams.id);
    teamIds = active.map((t) => t.id).filter((id) => access.kind === "org" || (access.kind === "teams" && access.teamIds.has(id)));
  }
  const progress = await Promise.all(teamIds.map((teamId) => teamBoard(c.env, orgId, teamId).goalProgress({ orgId, teamId }, agentId === undefined ? null : [agentId])));
  return c.json({ progress: progress.flat() });
});

recognition.post("/goals", requireScope("admin"), async (c) => {
  const body = await readJson(c, GoalCreate);
  const { orgId } = c.var.caller;
  await requireMetric(c, body.metric, "/metric");
  if (body.agentId !== undefined) await agentRow(c.env.DB, orgId, body.agentId, "/agentId");
  if (body.teamId !== undefined) {
    const [team] = await drizzle(c.env.DB).select({ id: teams.id }).from(teams).where(and(eq(teams.orgId, orgId), eq(teams.id, body.teamId)));
    if (!team) throw invalid("/teamId", `unknown team '${body.teamId}'`);
  }
  const now = Date.now();
  const row: GoalRow = { orgId, id: body.id ?? randomId("goal"), metricKey: body.metric, period: body.period, target: body.target, agentId: body.agentId ?? null, teamId: body.teamId ?? null, active: true, createdAt: now, updatedAt: now };
  const [same] = await drizzle(c.env.DB)
    .select({ id: goals.id })
    .from(goals)
    .where(
      and(
        eq(goals.orgId, orgId),
        eq(goals.active, true),
        eq(goals.metricKey, row.metricKey),
        eq(goals.period, row.period),
        row.agentId ? eq(goals.agentId, row.agentId) : eq(goals.teamId, row.teamId!),
      ),
    );
  if (same) throw conflict("Goal exists", `Goal '${same.id}' already sets this target: change it instead.`, row.agentId ? "/agentId" : "/teamId", `goal '${same.id}' exists`);
  await insertAudited(c, drizzle(c.env.DB).insert(goals).values(row), `goal:${row.id}`, goalJson(row), row.id);
  await refreshTeamHosts(c.env, orgId);
  return c.json(goalJson(row), 201);
});

recognition.patch("/goals/:id", requireScope("admin"), async (c) => {
  const body = await readJson(c, GoalPatch);
  const { orgId } = c.var.caller;
  const [before] = await drizzle(c.env.DB).select().from(goals).where(and(eq(goals.orgId, orgId), eq(goals.id, c.req.param("id"))));
  if (!before) throw notFound("goal", c.req.param("id"));
  const after: GoalRow = { ...before, ...body, updatedAt: Date.now() };
  const db = drizzle(c.env.DB);
  try {
    await db.batch([
      db.update(goals).set({ target: after.target, active: after.active, updatedAt: after.updatedAt }).where(and(eq(goals.orgId, orgId), eq(goals.id, before.id))),
      audit(c, `goal:${before.id}`, goalJson(before), goalJson(after)),
    ]);
  } catch (error) {
    // Reopened while another goal sets the same target.
    if (String(error).includes("goals_one_active")) throw conflict("Goal exists", "An active goal already sets this target: withdraw it first.", "/active", "an active goal exists");
    throw error;
  }
  await refreshTeamHosts(c.env, orgId);
  return c.json(goalJson(after));
});

// ---------------------------------------------------------------------------------------------
// Point rules

const ruleJson = (r: RuleRow): PointRule => ({ id: r.id, metric: r.metricKey, points: r.points, per: r.per, min: r.min, max: r.max, active: r.active, createdAt: iso(r.createdAt) });

recognition.get("/point-rules", requireScope("read"), async (c) => {
  await requireReader(c);
  const rows = await drizzle(c.env.DB)
    .select()
    .from(pointRules)
    .where(and(eq(pointRules.orgId, c.var.caller.orgId), eq(pointRules.active, true)))
    .orderBy(pointRules.metricKey);
  return c.json({ pointRules: rows.map(ruleJson) });
});

recognition.post("/point-rules", requireScope("admin"), async (c) => {
  const body = await readJson(c, PointRuleCreate);
  await requireMetric(c, body.metric, "/metric");
  const row: RuleRow = { orgId: c.var.caller.orgId, id: body.id ?? randomId("rule"), metricKey: body.metric, points: body.points, per: body.per, min: body.min ?? null, max: body.max ?? null, active: true, createdAt: Date.now() };
  await insertAudited(c, drizzle(c.env.DB).insert(pointRules).values(row), `point-rule:${row.id}`, ruleJson(row), row.id);
  await refreshTeamHosts(c.env, row.orgId);
  return c.json(ruleJson(row), 201);
});

/** Withdraws a rule: events from now on earn nothing by it; points earned stay in the ledger. */
recognition.delete("/point-rules/:id", requireScope("admin"), async (c) => {
  const { orgId } = c.var.caller;
  const [before] = await drizzle(c.env.DB).select().from(pointRules).where(and(eq(pointRules.orgId, orgId), eq(pointRules.id, c.req.param("id"))));
  if (!before) throw notFound("point rule", c.req.param("id"));
  const db = drizzle(c.env.DB);
  await db.batch([
    db.update(pointRules).set({ active: false }).where(and(eq(pointRules.orgId, orgId), eq(pointRules.id, before.id))),
    audit(c, `point-rule:${before.id}`, ruleJson(before), { ...ruleJson(before), active: false }),
  ]);
  await refreshTeamHosts(c.env, orgId);
  return c.json({ ...ruleJson(before), active: false });
});
