/**
 * Points, kudos, the rewards catalog and redemptions.
 *
 * - `GET /v1/agents/:id/points`: balance (the sum of the ledger), what is held, and the movements.
 * - `POST /v1/agents/:id/points`: a lead's spot award, an admin's adjustment.
 * - `POST /v1/kudos`, `GET /v1/kudos`: an agent thanks a colleague (a daily cap per giver).
 * - `GET|POST /v1/rewards`, `GET|PATCH /v1/rewards/:id`: the catalog (changes are admin-only and audited).
 * - `POST /v1/redemptions` holds the points (and a unit of stock) at once; a lead approves
 *   (fulfilled) or rejects (released), the agent may cancel while it is pending.
 *
 * Who may do what: an agent acts for themselves; a lead or manager for the agents now in the teams
 * they cover; admins (tokens and admin keys) for everyone; `read` keys only read. Every write that
 * depends on a balance, a stock or a limit is a single conditional statement in a D1 batch (one
 * transaction), so concurrent requests can neither overspend nor oversell.
 */
import { and, asc, desc, eq, inArray, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import {
  KudosCreate,
  type LimitWindow,
  type PointsAccount,
  PointsGrant,
  type Redemption,
  RedemptionCreate,
  RedemptionDecision,
  RedemptionStatus,
  type Reward,
  RewardCreate,
  RewardPatch,
} from "../../protocol/index.ts";
import { periodContaining } from "../../durable-objects/periods.ts";
import { type AppEnv, randomId, requireScope, sha256Hex } from "../auth.ts";
import { coveredAgents, peopleAccess } from "../board-access.ts";
import { BALANCE_SQL, balanceOf, enterMovement } from "../db/ledger.ts";
import { agents, kudos, pointsLedger, redemptions, rewardItems, settingsAudit } from "../db/schema.ts";
import { notFound, ProblemError, readJson, readQuery } from "../problem.ts";
import { teamNow } from "../db/memberships.ts";
import { agentRow, celebrateOnTeam, conflict, type Ctx, forbidden, isAdmin, isLead, iso, isoOrNull, orgSettings, requireCovers, teamOfAgentNow } from "../people.ts";

export const rewards = new Hono<AppEnv>();
type RewardRow = typeof rewardItems.$inferSelect;
type RedemptionRow = typeof redemptions.$inferSelect;

/** The start of the window a per-agent limit counts in, in the org's zone (0 for `ever`). */
function windowStart(per: LimitWindow | null, timeZone: string, now: number): number {
  if (per === null || per === "ever") return 0;
  return periodContaining({ kind: per, timeZone }, now).start;
}

// ---------------------------------------------------------------------------------------------
// Points

const Cursor = z.strictObject({
  cursor: z.string().regex(/^\d{1,15}$/, "must be the nextCursor of a previous page").optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

rewards.get("/agents/:id/points", requireScope("read"), async (c) => {
  const agentId = c.req.param("id");
  const query = readQuery(c, Cursor);
  await requireCovers(c, agentId);
  const { orgId } = c.var.caller;
  const rows = await drizzle(c.env.DB)
    .select()
    .from(pointsLedger)
    .where(and(eq(pointsLedger.orgId, orgId), eq(pointsLedger.agentId, agentId), query.cursor ? lt(pointsLedger.seq, Number(query.cursor)) : undefined))
    .orderBy(desc(pointsLedger.seq))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const account: PointsAccount = {
    agentId,
    ...(await balanceOf(c.env.DB, orgId, agentId)),
    movements: page.map((r) => ({ seq: r.seq, points: r.points, kind: r.kind, reason: r.reason, actor: r.actor, ref: r.ref, at: iso(r.at) })),
    nextCursor: rows.length > query.limit ? String(page.at(-1)!.seq) : null,
  };
  return c.json(account);
});

/** The request's `Idempotency-Key` (1-100 letters, digits or _.:-), if it has one. */
function idempotencyKey(c: Ctx): string | undefined {
  const parsed = z.string().regex(/^[\w.:-]{1,100}$/).optional().safeParse(c.req.header("idempotency-key"));
  if (!parsed.success) throw new ProblemError(422, "Validation failed", "Idempotency-Key: 1-100 letters, digits or _.:-", [{ path: "header/idempotency-key", message: "invalid" }]);
  return parsed.data;
}

/** A spot award (leads for their agents, admins) or an adjustment (admins). `Idempotency-Key` makes a retry safe. */
rewards.post("/agents/:id/points", requireScope("read"), async (c) => {
  const agentId = c.req.param("id");
  const body = await readJson(c, PointsGrant);
  if (body.kind === "adjustment" && !isAdmin(c)) throw forbidden("only admins adjust points");
  if (body.kind === "spot_award" && !isAdmin(c) && !isLead(c)) throw forbidden("only leads, managers and admins give spot awards");
  const { orgId, actor } = c.var.caller;
  await requireCovers(c, agentId);
  const key = `${body.kind}:${idempotencyKey(c) ?? randomId("grant")}`;
  await enterMovement(c.env.DB, { orgId, key, agentId, points: body.points, kind: body.kind, reason: body.reason, actor, ref: null, at: Date.now() }).run();
  const [row] = await drizzle(c.env.DB).select().from(pointsLedger).where(and(eq(pointsLedger.orgId, orgId), eq(pointsLedger.key, key)));
  if (row!.agentId !== agentId || row!.points !== body.points || row!.kind !== body.kind) {
    throw conflict("Idempotency key reused", "This Idempotency-Key was used for another grant.", "header/idempotency-key", "used for another grant");
  }
  return c.json({ movement: { seq: row!.seq, points: row!.points, kind: row!.kind, reason: row!.reason, actor: row!.actor, ref: row!.ref, at: iso(row!.at) }, ...(await balanceOf(c.env.DB, orgId, agentId)) }, 201);
});

// ---------------------------------------------------------------------------------------------
// Kudos

type KudosRow = { id: string; to_agent: string; message: string; points: number; at: number };

rewards.post("/kudos", requireScope("read"), async (c) => {
  const token = c.var.caller.token;
  if (token?.role !== "agent" || !token.agent) throw forbidden("kudos are given by agents, with their own token");
  const body = await readJson(c, KudosCreate);
  const from = token.agent;
  if (body.to === from) throw new ProblemError(422, "Validation failed", "Kudos go to a colleague, not to oneself.", [{ path: "/to", message: "must be a colleague" }]);
  const { orgId, actor } = c.var.caller;
  const [settings, giver, recipient] = await Promise.all([
    orgSettings(c.env.DB, orgId),
    agentRow(c.env.DB, orgId, from, "header/authorization"),
    agentRow(c.env.DB, orgId, body.to, "/to"),
  ]);
  if (!recipient.active) throw new ProblemError(422, "Validation failed", `Agent '${body.to}' is deactivated.`, [{ path: "/to", message: "deactivated agent" }]);
  if (!giver.active) throw forbidden("a deactivated agent gives no kudos");
  const now = Date.now();
  const day = periodContaining({ kind: "day", timeZone: settings.timeZone }, now);
  // A retry with the same Idempotency-Key names the same kudos: it is given (and counted) once.
  const retryKey = idempotencyKey(c);
  const id = retryKey === undefined ? randomId("kud") : `kud_${(await sha256Hex(`${orgId}\n${from}\n${retryKey}`)).slice(0, 32)}`;
  const db = c.env.DB;
  const [inserted] = await db.batch([
    db
      .prepare(
        `INSERT INTO kudos (id, org_id, from_agent, to_agent, message, points, day_start, at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
         WHERE (SELECT COUNT(*) FROM kudos WHERE org_id = ?2 AND from_agent = ?3 AND day_start = ?7) < ?9
         ON CONFLICT (id) DO NOTHING`,
      )
      .bind(id, orgId, from, body.to, body.message, settings.kudosPoints, day.start, now, settings.kudosDailyCap),
    db
      .prepare(
        `INSERT INTO points_ledger (org_id, key, agent_id, points, kind, reason, actor, ref, at)
         SELECT org_id, 'kudos:' || id, to_agent, points, 'kudos', ?2, ?3, id, at FROM kudos WHERE id = ?1 AND points > 0
         ON CONFLICT (org_id, key) DO NOTHING`,
      )
      .bind(id, `Kudos from ${giver.name}: ${body.message}`, actor),
  ]);
  if (inserted!.meta.changes === 0) {
    const given = retryKey === undefined ? null : await db.prepare("SELECT * FROM kudos WHERE id = ?").bind(id).first<KudosRow>();
    if (given) {
      if (given.to_agent !== body.to || given.message !== body.message) {
        throw conflict("Idempotency key reused", "This Idempotency-Key was used for other kudos.", "header/idempotency-key", "used for other kudos");
      }
      return c.json({ id, from, to: given.to_agent, message: given.message, points: given.points, at: iso(given.at) }, 200);
    }
    throw new ProblemError(
      429,
      "Kudos limit reached",
      `An agent gives at most ${settings.kudosDailyCap} kudos a day; the next can be given from ${iso(day.end)}.`,
      [{ path: "header/authorization", message: `daily kudos cap (${settings.kudosDailyCap}) reached` }],
    );
  }
  await celebrateOnTeam(c.env, orgId, body.to, { kind: "kudos", agent: body.to, message: body.message });
  return c.json({ id, from, to: body.to, message: body.message, points: settings.kudosPoints, at: iso(now) }, 201);
});

/**
 * The people the caller may thank or award: an agent their teammates now (not themselves), a lead
 * or manager the agents of the teams they cover, admins every agent; active agents only, by name.
 */
rewards.get("/people", requireScope("read"), async (c) => {
  const { orgId } = c.var.caller;
  const access = await peopleAccess(c.env.DB, c.var.caller);
  if (access.kind === "none") throw forbidden("a wallboard addresses no one");
  const now = Date.now();
  const team = teamNow(now);
  let teamIds: ReadonlySet<string> | null = null;
  if (access.kind === "self") {
    const own = await teamOfAgentNow(c.env.DB, orgId, access.agentId);
    teamIds = new Set(own === null ? [] : [own]);
  } else if (access.kind === "teams") teamIds = access.teamIds;
  if (teamIds !== null && teamIds.size === 0) return c.json({ people: [] });
  const rows = await drizzle(c.env.DB)
    .select({ id: agents.id, name: agents.name, teamId: team })
    .from(agents)
    .where(and(eq(agents.orgId, orgId), eq(agents.active, true), teamIds === null ? undefined : inArray(team, [...teamIds])))
    .orderBy(asc(agents.name))
    .limit(5000);
  const people = rows.filter((r) => access.kind !== "self" || r.id !== access.agentId);
  return c.json({ people });
});

const KudosQuery = z.strictObject({ agentId: z.string().min(1).max(100), direction: z.enum(["received", "given"]).default("received"), limit: z.coerce.number().int().min(1).max(200).default(50) });

rewards.get("/kudos", requireScope("read"), async (c) => {
  const query = readQuery(c, KudosQuery);
  await requireCovers(c, query.agentId);
  const column = query.direction === "received" ? kudos.toAgent : kudos.fromAgent;
  const rows = await drizzle(c.env.DB)
    .select()
    .from(kudos)
    .where(and(eq(kudos.orgId, c.var.caller.orgId), eq(column, query.agentId)))
    .orderBy(desc(kudos.at))
    .limit(query.limit);
  return c.json({ kudos: rows.map((k) => ({ id: k.id, from: k.fromAgent, to: k.toAgent, message: k.message, points: k.points, at: iso(k.at) })) });
});

// ---------------------------------------------------------------------------------------------
// The catalog

function rewardJson(r: RewardRow, now = Date.now()): Reward {
  const inWindow = (r.availableFrom === null || r.availableFrom <= now) && (r.availableUntil === null || r.availableUntil > now);
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    cost: r.cost,
    category: r.category,
    stock: r.stock,
    perAgentLimit: r.limitCount === null ? null : { count: r.limitCount, per: r.limitWindow ?? "ever" },
    availableFrom: isoOrNull(r.availableFrom),
    availableUntil: isoOrNull(r.availableUntil),
    requiresApproval: r.requiresApproval,
    active: r.active,
    available: r.active && inWindow && (r.stock === null || r.stock > 0),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}
const audited = (r: RewardRow) => {
  const { createdAt: _c, updatedAt: _u, orgId: _o, ...rest } = r;
  return rest;
};
const msOrNull = (t: string | null | undefined) => (t === null || t === undefined ? null : Date.parse(t));

async function findReward(db: D1Database, orgId: string, id: string, path = ""): Promise<RewardRow> {
  const [row] = await drizzle(db).select().from(rewardItems).where(and(eq(rewardItems.orgId, orgId), eq(rewardItems.id, id)));
  if (!row) throw new ProblemError(404, "Not found", `No reward '${id}' in this org.`, [{ path, message: "unknown reward" }]);
  return row;
}

const CatalogQuery = z.strictObject({ include: z.enum(["available", "all"]).default("available") });

/** The catalog: what can be requested now, or (admins) everything including withdrawn rewards. */
rewards.get("/rewards", requireScope("read"), async (c) => {
  const query = readQuery(c, CatalogQuery);
  if ((await peopleAccess(c.env.DB, c.var.caller)).kind === "none") throw forbidden("a wallboard has no store");
  const rows = await drizzle(c.env.DB).select().from(rewardItems).where(eq(rewardItems.orgId, c.var.caller.orgId)).orderBy(asc(rewardItems.cost), asc(rewardItems.id));
  const now = Date.now();
  const listed = rows.map((r) => rewardJson(r, now)).filter((r) => (query.include === "all" && isAdmin(c)) || r.available);
  return c.json({ rewards: listed });
});

rewards.get("/rewards/:id", requireScope("read"), async (c) => {
  return c.json(rewardJson(await findReward(c.env.DB, c.var.caller.orgId, c.req.param("id"))));
});

rewards.post("/rewards", requireScope("admin"), async (c) => {
  const body = await readJson(c, RewardCreate);
  const { orgId, actor } = c.var.caller;
  const now = Date.now();
  const row: RewardRow = {
    orgId,
    id: body.id ?? randomId("rwd"),
    name: body.name,
    description: body.description,
    cost: body.cost,
    category: body.category,
    stock: body.stock,
    limitCount: body.perAgentLimit?.count ?? null,
    limitWindow: body.perAgentLimit?.per ?? null,
    availableFrom: msOrNull(body.availableFrom),
    availableUntil: msOrNull(body.availableUntil),
    requiresApproval: body.requiresApproval,
    active: true,
    createdAt: now,
    updatedAt: now,
  };
  const db = drizzle(c.env.DB);
  const exists = () => conflict("Reward exists", `A reward '${row.id}' exists already.`, "/id", "already used");
  try {
    // One transaction: an id taken meanwhile fails the insert and the audit row with it.
    await db.batch([
      db.insert(rewardItems).values(row),
      db.insert(settingsAudit).values({ orgId, at: now, actor, target: `reward:${row.id}`, before: {}, after: audited(row) }),
    ]);
  } catch (error) {
    if (String(error).includes("UNIQUE constraint failed")) throw exists();
    throw error;
  }
  return c.json(rewardJson(row, now), 201);
});

rewards.patch("/rewards/:id", requireScope("admin"), async (c) => {
  const body = await readJson(c, RewardPatch);
  const { orgId, actor } = c.var.caller;
  const before = await findReward(c.env.DB, orgId, c.req.param("id"));
  const after: RewardRow = {
    ...before,
    ...(body.name !== undefined && { name: body.name }),
    ...(body.description !== undefined && { description: body.description }),
    ...(body.cost !== undefined && { cost: body.cost }),
    ...(body.category !== undefined && { category: body.category }),
    ...(body.stock !== undefined && { stock: body.stock }),
    ...(body.perAgentLimit !== undefined && { limitCount: body.perAgentLimit?.count ?? null, limitWindow: body.perAgentLimit?.per ?? null }),
    ...(body.availableFrom !== undefined && { availableFrom: msOrNull(body.availableFrom) }),
    ...(body.availableUntil !== undefined && { availableUntil: msOrNull(body.availableUntil) }),
    ...(body.requiresApproval !== undefined && { requiresApproval: body.requiresApproval }),
    ...(body.active !== undefined && { active: body.active }),
    updatedAt: Date.now(),
  };
  if (after.availableFrom !== null && after.availableUntil !== null && after.availableFrom >= after.availableUntil) {
    throw new ProblemError(422, "Validation failed", "availableUntil must be after availableFrom.", [{ path: "/availableUntil", message: "must be after availableFrom" }]);
  }
  const db = drizzle(c.env.DB);
  const { orgId: _o, id: _i, createdAt: _c, ...changes } = after;
  await db.batch([
    db.update(rewardItems).set(changes).where(and(eq(rewardItems.orgId, orgId), eq(rewardItems.id, before.id))),
    db.insert(settingsAudit).values({ orgId, at: after.updatedAt, actor, target: `reward:${before.id}`, before: audited(before), after: audited(after) }),
  ]);
  return c.json(rewardJson(after));
});

// ---------------------------------------------------------------------------------------------
// Redemptions

function redemptionJson(r: RedemptionRow): Redemption {
  return {
    id: r.id,
    agentId: r.agentId,
    rewardId: r.rewardId,
    rewardName: r.rewardName,
    cost: r.cost,
    status: r.status,
    note: r.note,
    requestedAt: iso(r.requestedAt),
    requestedBy: r.requestedBy,
    decidedAt: isoOrNull(r.decidedAt),
    decidedBy: r.decidedBy,
    decisionNote: r.decisionNote,
  };
}

async function findRedemption(db: D1Database, orgId: string, id: string): Promise<RedemptionRow> {
  const [row] = await drizzle(db).select().from(redemptions).where(and(eq(redemptions.orgId, orgId), eq(redemptions.id, id)));
  if (!row) throw notFound("redemption", id);
  return row;
}

/**
 * Requests a reward: in one transaction, the request is recorded only if the reward is available,
 * in stock, within the agent's limit and affordable; then its points are held and a unit of stock
 * taken. A reward without approval is fulfilled at once.
 */
rewards.post("/redemptions", requireScope("read"), async (c) => {
  const body = await readJson(c, RedemptionCreate);
  const { orgId, actor } = c.var.caller;
  const token = c.var.caller.token;
  let agentId: string;
  if (token?.role === "agent" && token.agent) {
    if (body.agentId !== undefined && body.agentId !== token.agent) throw forbidden("an agent redeems only for themselves");
    agentId = token.agent;
  } else if (isAdmin(c)) {
    if (body.agentId === undefined) throw new ProblemError(422, "Validation failed", "Name the agent who redeems.", [{ path: "/agentId", message: "required for an admin" }]);
    agentId = body.agentId;
  } else {
    throw forbidden("rewards are redeemed by agents (or for them by an admin)");
  }
  const [agent, reward, settings] = await Promise.all([
    agentRow(c.env.DB, orgId, agentId, token ? "header/authorization" : "/agentId"),
    findReward(c.env.DB, orgId, body.rewardId, "/rewardId"),
    orgSettings(c.env.DB, orgId),
  ]);
  if (!agent.active) throw new ProblemError(422, "Validation failed", `Agent '${agentId}' is deactivated.`, [{ path: "/agentId", message: "deactivated agent" }]);
  const now = Date.now();
  const window = windowStart(reward.limitWindow, settings.timeZone, now);
  const id = randomId("red");
  const db = c.env.DB;
  const results = await db.batch([
    db
      .prepare(
        `INSERT INTO redemptions (id, org_id, agent_id, reward_id, reward_name, cost, status, window_start, note, requested_at, requested_by)
         SELECT ?1, ?2, ?3, r.id, r.name, r.cost, 'pending', ?4, ?5, ?6, ?7 FROM reward_items r
         WHERE r.org_id = ?2 AND r.id = ?8 AND r.active = 1 AND r.cost = ?9
           AND (r.available_from IS NULL OR r.available_from <= ?6) AND (r.available_until IS NULL OR r.available_until > ?6)
           AND (r.stock IS NULL OR r.stock > 0)
           AND (r.limit_count IS NULL OR (SELECT COUNT(*) FROM redemptions x WHERE x.org_id = ?2 AND x.agent_id = ?3 AND x.reward_id = r.id
                 AND x.window_start = ?4 AND x.status IN ('pending', 'fulfilled')) < r.limit_count)
           AND ${BALANCE_SQL.replace("org_id = ? AND agent_id = ?", "org_id = ?2 AND agent_id = ?3")} >= r.cost`,
      )
      .bind(id, orgId, agentId, window, body.note ?? null, now, actor, reward.id, reward.cost),
    db
      .prepare(
        `INSERT INTO points_ledger (org_id, key, agent_id, points, kind, reason, actor, ref, at)
         SELECT org_id, 'redemption:' || id, agent_id, -cost, 'redemption', 'Redeemed: ' || reward_name, requested_by, id, requested_at FROM redemptions WHERE id = ?1`,
      )
      .bind(id),
    db.prepare(`UPDATE reward_items SET stock = stock - 1 WHERE org_id = ?2 AND id = ?3 AND stock IS NOT NULL AND EXISTS (SELECT 1 FROM redemptions WHERE id = ?1)`).bind(id, orgId, reward.id),
    ...(reward.requiresApproval
      ? []
      : [db.prepare(`UPDATE redemptions SET status = 'fulfilled', decided_at = requested_at, decided_by = 'system' WHERE id = ?1`).bind(id)]),
  ]);
  if (results[0]!.meta.changes === 0) throw await whyNot(c.env.DB, orgId, agentId, reward.id, window, now);
  return c.json(redemptionJson(await findRedemption(c.env.DB, orgId, id)), 201);
});

/** Why a request was not recorded, read after the fact (the first condition that fails now). */
async function whyNot(db: D1Database, orgId: string, agentId: string, rewardId: string, window: number, now: number): Promise<ProblemError> {
  const reward = await findReward(db, orgId, rewardId, "/rewardId");
  const unavailable = (message: string) => conflict("Reward unavailable", `'${reward.name}' ${message}.`, "/rewardId", message);
  if (!reward.active) return unavailable("has been withdrawn");
  if ((reward.availableFrom !== null && reward.availableFrom > now) || (reward.availableUntil !== null && reward.availableUntil <= now)) return unavailable("is not available now");
  if (reward.stock !== null && reward.stock <= 0) return unavailable("is out of stock");
  if (reward.limitCount !== null) {
    const taken = await db
      .prepare(`SELECT COUNT(*) AS n FROM redemptions WHERE org_id = ? AND agent_id = ? AND reward_id = ? AND window_start = ? AND status IN ('pending', 'fulfilled')`)
      .bind(orgId, agentId, rewardId, window)
      .first<number>("n");
    const per = reward.limitWindow === "ever" || reward.limitWindow === null ? "" : ` per ${reward.limitWindow}`;
    if ((taken ?? 0) >= reward.limitCount) return unavailable(`is limited to ${reward.limitCount}${per} per agent`);
  }
  const { balance } = await balanceOf(db, orgId, agentId);
  if (balance < reward.cost) {
    return conflict("Not enough points", `'${reward.name}' costs ${reward.cost} points; the balance is ${balance}.`, "/rewardId", `costs ${reward.cost}, balance ${balance}`);
  }
  // The price changed between reading and requesting.
  return conflict("Reward changed", `'${reward.name}' changed meanwhile; request it again.`, "/rewardId", "changed meanwhile");
}

const RedemptionQuery = z.strictObject({
  status: RedemptionStatus.optional(),
  agentId: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Requests the caller may see, newest first: an agent's own, a lead's teams' (the approval queue: `?status=pending`), all for admins. */
rewards.get("/redemptions", requireScope("read"), async (c) => {
  const query = readQuery(c, RedemptionQuery);
  const { orgId } = c.var.caller;
  const access = await peopleAccess(c.env.DB, c.var.caller);
  if (access.kind === "none") throw forbidden("a wallboard has no store");
  const agentId = access.kind === "self" ? access.agentId : query.agentId;
  if (access.kind === "self" && query.agentId !== undefined && query.agentId !== access.agentId) throw forbidden("an agent sees only their own requests");
  const rows = await drizzle(c.env.DB)
    .select()
    .from(redemptions)
    .where(and(eq(redemptions.orgId, orgId), query.status ? eq(redemptions.status, query.status) : undefined, agentId ? eq(redemptions.agentId, agentId) : undefined))
    .orderBy(desc(redemptions.requestedAt), desc(redemptions.id))
    .limit(access.kind === "teams" ? 5000 : query.limit);
  const covered = await coveredAgents(c.env.DB, orgId, access, rows.map((r) => r.agentId));
  const shown = rows.filter((r) => covered.has(r.agentId)).slice(0, query.limit);
  const names = new Map<string, string>();
  const ids = [...new Set(shown.map((r) => r.agentId))];
  for (let i = 0; i < ids.length; i += 90) {
    const found = await drizzle(c.env.DB).select({ id: agents.id, name: agents.name }).from(agents).where(and(eq(agents.orgId, orgId), inArray(agents.id, ids.slice(i, i + 90))));
    for (const a of found) names.set(a.id, a.name);
  }
  return c.json({ redemptions: shown.map((r) => ({ ...redemptionJson(r), agentName: names.get(r.agentId) ?? r.agentId })) });
});

rewards.get("/redemptions/:id", requireScope("read"), async (c) => {
  const row = await findRedemption(c.env.DB, c.var.caller.orgId, c.req.param("id"));
  await requireCovers(c, row.agentId);
  return c.json(redemptionJson(row));
});

type Decision = "approve" | "reject" | "cancel";
const OUTCOME = { approve: "fulfilled", reject: "rejected", cancel: "cancelled" } as const;

for (const decision of ["approve", "reject", "cancel"] as const) {
  rewards.post(`/redemptions/:id/${decision}`, requireScope("read"), (c) => decide(c, decision));
}

/**
 * Settles a pending request. Approving fulfils it (the held points are spent); rejecting or
 * cancelling releases the points and returns the stock, once, however often it is retried.
 */
async function decide(c: Ctx, decision: Decision): Promise<Response> {
  // The note is optional, and so is the body.
  const hasBody = Boolean(c.req.header("content-type")) || Number(c.req.header("content-length") ?? 0) > 0;
  const body = hasBody ? await readJson(c, RedemptionDecision) : {};
  const { orgId, actor } = c.var.caller;
  const before = await findRedemption(c.env.DB, orgId, c.req.param("id") ?? "");
  const access = await requireCovers(c, before.agentId);
  if (decision === "cancel" ? access.kind !== "self" && !isAdmin(c) : access.kind === "self" || !(isLead(c) || isAdmin(c))) {
    throw forbidden(decision === "cancel" ? "only the agent who asked (or an admin) cancels a request" : "requests are approved or rejected by a lead, manager or admin");
  }
  const status = OUTCOME[decision];
  const now = Date.now();
  const db = c.env.DB;
  const release = status !== "fulfilled";
  const [settled] = await db.batch([
    db
      .prepare(`UPDATE redemptions SET status = ?3, decided_at = ?4, decided_by = ?5, decision_note = ?6 WHERE org_id = ?1 AND id = ?2 AND status = 'pending'`)
      .bind(orgId, before.id, status, now, actor, body.note ?? null),
    ...(release
      ? [
          db
            .prepare(
              `INSERT INTO points_ledger (org_id, key, agent_id, points, kind, reason, actor, ref, at)
               SELECT org_id, 'redemption:' || id || ':release', agent_id, cost, 'redemption_release', ?3 || reward_name, decided_by, id, decided_at
               FROM redemptions WHERE org_id = ?1 AND id = ?2 AND status IN ('rejected', 'cancelled')
               ON CONFLICT (org_id, key) DO NOTHING`,
            )
            .bind(orgId, before.id, status === "rejected" ? "Request rejected: " : "Request cancelled: "),
          db
            .prepare(
              `UPDATE reward_items SET stock = stock + 1 WHERE org_id = ?1 AND stock IS NOT NULL
                 AND id = (SELECT reward_id FROM redemptions WHERE org_id = ?1 AND id = ?2 AND status IN ('rejected', 'cancelled') AND stock_returned = 0)`,
            )
            .bind(orgId, before.id),
          db.prepare(`UPDATE redemptions SET stock_returned = 1 WHERE org_id = ?1 AND id = ?2 AND status IN ('rejected', 'cancelled')`).bind(orgId, before.id),
        ]
      : []),
  ]);
  const after = await findRedemption(c.env.DB, orgId, before.id);
  if (settled!.meta.changes === 0) {
    throw conflict("Request already settled", `Request '${before.id}' is ${after.status}; only a pending request can be settled.`, "path/id", `already ${after.status}`);
  }
  return c.json(redemptionJson(after));
}
