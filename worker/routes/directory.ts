/**
 * The org's directory and configuration: departments, teams, agents, metrics. Admin scope.
 * Deleting deactivates: rows stay so that history keeps its names.
 */
import { and, asc, eq, getTableColumns, gt, inArray, sql } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import type { z } from "zod";
import { type Stint, teamAt, withEnds, withMove, withoutMove } from "../../durable-objects/memberships.ts";
import {
  AgentBulkUpsert,
  AgentCreate,
  AgentMove,
  AgentMoveKey,
  AgentPatch,
  type AgentStints,
  DepartmentCreate,
  DepartmentPatch,
  MAX_CLOCK_SKEW_MS,
  TeamCreate,
  TeamPatch,
  type Shift,
} from "../../protocol/index.ts";
import { type AppEnv, randomId, requireScope } from "../auth.ts";
import { chunk, replaceStints, stintsOf, teamNow } from "../db/memberships.ts";
import { agentExternalIds, agents, departments, teams } from "../db/schema.ts";
import { deactivateInOrg, findInOrg, inOrg } from "../db/org-rows.ts";
import { forgetDirectory, MOVE_SETTLE_MS } from "../directory-cache.ts";
import { notFound, parseWith, ProblemError, readJson } from "../problem.ts";
import { leaveDepartment, refreshDepartment, refreshTeams } from "../board-hosts.ts";

export const directory = new Hono<AppEnv>();
// Scoped to this router's own paths, so that an unknown /v1 path is a 404 rather than a 401/403.
for (const resource of ["departments", "teams", "agents"]) directory.use(`/${resource}/*`, requireScope("admin"));

const iso = (ms: number) => new Date(ms).toISOString();
const stamps = (r: { createdAt: number; updatedAt: number }) => ({ createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) });

function conflict(what: string, id: string, path = "/id") {
  return new ProblemError(409, "Conflict", `A ${what} with id '${id}' already exists.`, [{ path, message: "already exists" }]);
}
function unknownReference(path: string, what: string, id: string) {
  return new ProblemError(422, "Unknown reference", `No active ${what} '${id}' in this org.`, [{ path, message: `unknown ${what} '${id}'` }]);
}

async function requireActive(
  db: ReturnType<typeof drizzle>,
  table: typeof departments | typeof teams,
  orgId: string,
  id: string,
  path: string,
  what: string,
) {
  const [row] = await db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.orgId, orgId), eq(table.id, id), eq(table.active, true)))
    .limit(1);
  if (!row) throw unknownReference(path, what, id);
}

// ---------------------------------------------------------------------------------------------
// Departments

const departmentJson = (r: typeof departments.$inferSelect) => ({ id: r.id, name: r.name, active: r.active, ...stamps(r) });

directory.get("/departments", async (c) => {
  const rows = await drizzle(c.env.DB).select().from(departments).where(eq(departments.orgId, c.var.caller.orgId)).orderBy(asc(departments.id));
  return c.json({ departments: rows.map(departmentJson) });
});

directory.post("/departments", async (c) => {
  const body = await readJson(c, DepartmentCreate);
  const db = drizzle(c.env.DB);
  const now = Date.now();
  const id = body.id ?? randomId("dep");
  const [row] = await db
    .insert(departments)
    .values({ orgId: c.var.caller.orgId, id, name: body.name, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict("department", id);
  return c.json(departmentJson(row), 201);
});

directory.get("/departments/:id", async (c) => {
  return c.json(departmentJson(await findInOrg(drizzle(c.env.DB), departments, "department", c.var.caller.orgId, c.req.param("id"))));
});

directory.patch("/departments/:id", async (c) => {
  const body = await readJson(c, DepartmentPatch);
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  const [row] = await db
    .update(departments)
    .set({ ...body, updatedAt: Date.now() })
    .where(inOrg(departments, orgId, c.req.param("id")))
    .returning();
  if (!row) throw notFound("department", c.req.param("id"));
  // Roll-ups show the department's name: its teams report it, and its own object serves it.
  const members = await db.select({ id: teams.id }).from(teams).where(and(eq(teams.orgId, orgId), eq(teams.departmentId, row.id)));
  await refreshDepartment(c.env, orgId, row.id, members.map((t) => t.id));
  return c.json(departmentJson(row));
});

directory.delete("/departments/:id", async (c) => {
  return c.json(departmentJson(await deactivateInOrg(drizzle(c.env.DB), departments, "department", c.var.caller.orgId, c.req.param("id"))));
});

// ---------------------------------------------------------------------------------------------
// Teams

const teamJson = (r: typeof teams.$inferSelect) => ({
  id: r.id,
  name: r.name,
  departmentId: r.departmentId,
  shift: r.shiftStart && r.shiftEnd ? { start: r.shiftStart, end: r.shiftEnd } : null,
  active: r.active,
  ...stamps(r),
});

/** A shift as its columns: given, cleared (null) or left as it is (undefined). */
function shiftColumns(shift: Shift | null | undefined): { shiftStart?: string | null; shiftEnd?: string | null } {
  if (shift === undefined) return {};
  return { shiftStart: shift?.start ?? null, shiftEnd: shift?.end ?? null };
}

directory.get("/teams", async (c) => {
  const departmentId = c.req.query("departmentId");
  const rows = await drizzle(c.env.DB)
    .select()
    .from(teams)
    .where(and(eq(teams.orgId, c.var.caller.orgId), departmentId ? eq(teams.departmentId, departmentId) : undefined))
    .orderBy(asc(teams.id));
  return c.json({ teams: rows.map(teamJson) });
});

directory.post("/teams", async (c) => {
  const body = await readJson(c, TeamCreate);
  const db = drizzle(c.env.DB);
  const orgId = c.var.caller.orgId;
  await requireActive(db, departments, orgId, body.departmentId, "/departmentId", "department");
  const now = Date.now();
  const id = body.id ?? randomId("team");
  const [row] = await db
    .insert(teams)
    .values({ orgId, id, name: body.name, departmentId: body.departmentId, ...shiftColumns(body.shift), createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict("team", id);
  return c.json(teamJson(row), 201);
});

directory.get("/teams/:id", async (c) => {
  return c.json(teamJson(await findInOrg(drizzle(c.env.DB), teams, "team", c.var.caller.orgId, c.req.param("id"))));
});

directory.patch("/teams/:id", async (c) => {
  const body = await readJson(c, TeamPatch);
  const db = drizzle(c.env.DB);
  const orgId = c.var.caller.orgId;
  if (body.departmentId) await requireActive(db, departments, orgId, body.departmentId, "/departmentId", "department");
  const before = await findInOrg(db, teams, "team", orgId, c.req.param("id"));
  const { shift, ...fields } = body;
  const [row] = await db
    .update(teams)
    .set({ ...fields, ...shiftColumns(shift), updatedAt: Date.now() })
    .where(inOrg(teams, orgId, c.req.param("id")))
    .returning();
  if (!row) throw notFound("team", c.req.param("id"));
  // A team that changes department leaves its old department's roll-ups from the current periods on.
  if (row.departmentId !== before.departmentId) await leaveDepartment(c.env, orgId, before.departmentId, row.id);
  await refreshTeams(c.env, orgId, [row.id]);
  return c.json(teamJson(row));
});

directory.delete("/teams/:id", async (c) => {
  const orgId = c.var.caller.orgId;
  const row = await deactivateInOrg(drizzle(c.env.DB), teams, "team", orgId, c.req.param("id"));
  await refreshTeams(c.env, orgId, [row.id]);
  return c.json(teamJson(row));
});

// ---------------------------------------------------------------------------------------------
// Agents

type AgentRow = typeof agents.$inferSelect;

/** An agent's columns with `teamId` the team in effect at `now` (scheduled moves apply from their date). */
const agentColumns = (now: number) => ({ ...getTableColumns(agents), teamId: teamNow(now) });

/** One agent as of now, or a 404. */
async function agentNow(db: ReturnType<typeof drizzle>, orgId: string, id: string): Promise<AgentRow> {
  const [row] = await db.select(agentColumns(Date.now())).from(agents).where(inOrg(agents, orgId, id)).limit(1);
  if (!row) throw notFound("agent", id);
  return row;
}

async function externalIdsOf(db: ReturnType<typeof drizzle>, orgId: string, agentIds: string[]) {
  const map = new Map<string, Record<string, string>>();
  for (let i = 0; i < agentIds.length; i += 90) {
    const rows = await db
      .select()
      .from(agentExternalIds)
      .where(and(eq(agentExternalIds.orgId, orgId), inArray(agentExternalIds.agentId, agentIds.slice(i, i + 90))));
    for (const r of rows) map.set(r.agentId, { ...map.get(r.agentId), [r.platform]: r.externalId });
  }
  return map;
}

const agentJson = (r: AgentRow, externalIds: Record<string, string> = {}) => ({
  id: r.id,
  name: r.name,
  teamId: r.teamId,
  externalIds,
  /** The agent asked not to be named to colleagues (they set this with their own token). */
  optedOut: r.optedOut,
  active: r.active,
  ...stamps(r),
});

directory.get("/agents", async (c) => {
  const orgId = c.var.caller.orgId;
  const teamId = c.req.query("teamId");
  const after = c.req.query("cursor");
  const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 500) || 500, 1), 1000);
  const db = drizzle(c.env.DB);
  const now = Date.now();
  const rows = await db
    .select(agentColumns(now))
    .from(agents)
    .where(and(eq(agents.orgId, orgId), teamId ? eq(teamNow(now), teamId) : undefined, after ? gt(agents.id, after) : undefined))
    .orderBy(asc(agents.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const ext = await externalIdsOf(db, orgId, page.map((r) => r.id));
  return c.json({
    agents: page.map((r) => agentJson(r, ext.get(r.id))),
    nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  });
});

directory.get("/agents/:id", async (c) => {
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  const row = await agentNow(db, orgId, c.req.param("id"));
  const ext = await externalIdsOf(db, orgId, [row.id]);
  return c.json(agentJson(row, ext.get(row.id)));
});

type AgentInput = z.infer<typeof AgentCreate> & { id: string };

/**
 * Creates or replaces agents in one D1 batch (all or nothing). Teams must exist; an external id
 * may belong to only one agent. An agent placed in another team than their team now moves now (a
 * stint from now that replaces their scheduled moves); one placed in their team now keeps their
 * stints, scheduled moves included. Tells the boards of every team the agents were or will be in.
 */
async function upsertAgents(env: Env, orgId: string, input: AgentInput[], mode: "create" | "upsert", pathOf: (i: number) => string) {
  const db = drizzle(env.DB);
  const seen = new Map<string, number>();
  const claimed = new Map<string, number>();
  input.forEach((a, i) => {
    if (seen.has(a.id)) throw new ProblemError(422, "Duplicate agent", `Agent '${a.id}' appears twice.`, [{ path: `${pathOf(i)}/id`, message: "duplicate id in request" }]);
    seen.set(a.id, i);
    for (const [platform, externalId] of Object.entries(a.externalIds ?? {})) {
      const key = `${platform}\u0000${externalId}`;
      if (claimed.has(key)) {
        throw new ProblemError(422, "Duplicate external id", `${platform} id '${externalId}' is given to two agents.`, [
          { path: `${pathOf(i)}/externalIds/${platform}`, message: "duplicate external id in request" },
        ]);
      }
      claimed.set(key, i);
    }
  });

  const teamIds = [...new Set(input.map((a) => a.teamId))];
  const knownTeams = new Set<string>();
  for (let i = 0; i < teamIds.length; i += 90) {
    const rows = await db
      .select({ id: teams.id })
      .from(teams)
      .where(and(eq(teams.orgId, orgId), eq(teams.active, true), inArray(teams.id, teamIds.slice(i, i + 90))));
    for (const r of rows) knownTeams.add(r.id);
  }
  const badTeam = input.findIndex((a) => !knownTeams.has(a.teamId));
  if (badTeam >= 0) throw unknownReference(`${pathOf(badTeam)}/teamId`, "team", input[badTeam]!.teamId);

  const now = Date.now();
  const ids = input.map((a) => a.id);
  const existing = new Map<string, AgentRow>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db.select(agentColumns(now)).from(agents).where(and(eq(agents.orgId, orgId), inArray(agents.id, ids.slice(i, i + 90))));
    for (const r of rows) existing.set(r.id, r);
  }
  if (mode === "create" && existing.size > 0) throw conflict("agent", [...existing.keys()][0]!);

  // External ids already held by agents outside this request.
  const platforms = [...new Set(input.flatMap((a) => Object.keys(a.externalIds ?? {})))];
  for (const platform of platforms) {
    const wanted = input.flatMap((a) => (a.externalIds?.[platform] ? [a.externalIds[platform]] : []));
    for (let i = 0; i < wanted.length; i += 80) {
      const holders = await db
        .select()
        .from(agentExternalIds)
        .where(and(eq(agentExternalIds.orgId, orgId), eq(agentExternalIds.platform, platform), inArray(agentExternalIds.externalId, wanted.slice(i, i + 80))));
      for (const h of holders) {
        const index = claimed.get(`${platform}\u0000${h.externalId}`)!;
        if (input[index]!.id !== h.agentId) {
          throw new ProblemError(409, "Conflict", `${platform} id '${h.externalId}' already belongs to agent '${h.agentId}'.`, [
            { path: `${pathOf(index)}/externalIds/${platform}`, message: `held by agent '${h.agentId}'` },
          ]);
        }
      }
    }
  }

  const rows = input.map((a) => ({
    orgId,
    id: a.id,
    name: a.name,
    teamId: a.teamId,
    active: true,
    createdAt: existing.get(a.id)?.createdAt ?? now,
    updatedAt: now,
  }));
  const links = input.flatMap((a) =>
    Object.entries(a.externalIds ?? {}).map(([platform, externalId]) => ({ orgId, platform, externalId, agentId: a.id })),
  );
  const moved = input.filter((a) => existing.get(a.id)?.teamId !== a.teamId).map((a) => ({ agentId: a.id, teamId: a.teamId, from: now }));
  // D1 allows 100 bound parameters per statement: 8 columns -> 12 rows, 4 columns -> 25 rows.
  const statements = [
    ...chunk(ids, 90).map((part) => db.delete(agentExternalIds).where(and(eq(agentExternalIds.orgId, orgId), inArray(agentExternalIds.agentId, part)))),
    ...chunk(rows, 12).map((part) =>
      db
        .insert(agents)
        .values(part)
        .onConflictDoUpdate({
          target: [agents.orgId, agents.id],
          set: { name: sqlExcluded("name"), teamId: sqlExcluded("team_id"), active: true, updatedAt: now },
        }),
    ),
    ...chunk(links, 25).map((part) => db.insert(agentExternalIds).values(part)),
    ...replaceStints(db, orgId, moved.map((m) => m.agentId), now, moved),
  ];
  const stints = await stintsOf(db, orgId, [...existing.values()]);
  await db.batch(statements as [ (typeof statements)[number], ...(typeof statements)[number][] ]);
  forgetDirectory(orgId);
  const touched = new Set(input.map((a) => a.teamId));
  for (const list of stints.values()) for (const s of list) touched.add(s.teamId);
  await refreshTeams(env, orgId, touched);
  return rows.map((r) => agentJson({ ...r, optedOut: existing.get(r.id)?.optedOut ?? false }, input[seen.get(r.id)!]!.externalIds ?? {}));
}

const sqlExcluded = (column: string) => sql.raw(`excluded.${column}`);

directory.post("/agents", async (c) => {
  const body = await readJson(c, AgentCreate);
  const [agent] = await upsertAgents(c.env, c.var.caller.orgId, [{ ...body, id: body.id ?? randomId("agt") }], "create", () => "");
  return c.json(agent, 201);
});

/** Bulk create-or-replace, keyed by id: the whole list is applied or nothing is. */
directory.put("/agents", async (c) => {
  const body = await readJson(c, AgentBulkUpsert);
  const result = await upsertAgents(c.env, c.var.caller.orgId, body.agents, "upsert", (i) => `/agents/${i}`);
  return c.json({ agents: result, count: result.length });
});

directory.patch("/agents/:id", async (c) => {
  const body = await readJson(c, AgentPatch);
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  const current = await agentNow(db, orgId, c.req.param("id"));
  const ext = (await externalIdsOf(db, orgId, [current.id])).get(current.id) ?? {};
  const [agent] = await upsertAgents(
    c.env,
    orgId,
    [{ id: current.id, name: body.name ?? current.name, teamId: body.teamId ?? current.teamId, externalIds: body.externalIds ?? ext }],
    "upsert",
    () => "",
  );
  return c.json(agent);
});

directory.delete("/agents/:id", async (c) => {
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  const row = await deactivateInOrg(db, agents, "agent", orgId, c.req.param("id"));
  forgetDirectory(orgId);
  const stints = (await stintsOf(db, orgId, [row])).get(row.id)!;
  await refreshTeams(c.env, orgId, stints.map((s) => s.teamId));
  return c.json(agentJson({ ...row, teamId: teamAt(stints, Date.now())! }));
});

// ---------------------------------------------------------------------------------------------
// Moves: an agent's stints in teams, past, current and scheduled

function stintsJson(agentId: string, stints: readonly Stint[], now: number): AgentStints {
  return {
    agentId,
    teamId: teamAt(stints, now)!,
    stints: withEnds(stints).map((s) => ({
      teamId: s.teamId,
      from: iso(s.from),
      until: s.until === null ? null : iso(s.until),
      status: s.from > now ? "scheduled" : s.until !== null && s.until <= now ? "past" : "current",
    })),
  };
}

/** An agent's stints, or a 404 for an unknown agent. */
async function stintsOfAgent(db: DrizzleD1Database, orgId: string, agentId: string): Promise<Stint[]> {
  const row = await findInOrg(db, agents, "agent", orgId, agentId);
  return (await stintsOf(db, orgId, [row])).get(row.id)!;
}

/**
 * Writes an agent's stints as `next` (from `since` on; earlier ones never change) in one batch, with
 * `agents.team_id` set to the team now, and tells every team in either list.
 */
async function writeStints(env: Env, orgId: string, agentId: string, before: readonly Stint[], next: readonly Stint[], since: number, now: number) {
  const db = drizzle(env.DB);
  const later = next.filter((s) => s.from >= since).map((s) => ({ agentId, ...s }));
  await db.batch([
    db.update(agents).set({ teamId: teamAt(next, now)!, updatedAt: now }).where(inOrg(agents, orgId, agentId)),
    ...replaceStints(db, orgId, [agentId], since, later),
  ]);
  forgetDirectory(orgId);
  await refreshTeams(env, orgId, [...before, ...next].map((s) => s.teamId));
}

directory.get("/agents/:id/moves", async (c) => {
  const stints = await stintsOfAgent(drizzle(c.env.DB), c.var.caller.orgId, c.req.param("id"));
  return c.json(stintsJson(c.req.param("id"), stints, Date.now()));
});

/** Moves an agent from a date (default now). Moving history is refused: a date in the past is a 422. */
directory.post("/agents/:id/moves", async (c) => {
  const body = await readJson(c, AgentMove);
  const orgId = c.var.caller.orgId;
  const agentId = c.req.param("id");
  const db = drizzle(c.env.DB);
  const stints = await stintsOfAgent(db, orgId, agentId);
  const now = Date.now();
  const requested = body.effectiveFrom === undefined ? now : Date.parse(body.effectiveFrom);
  if (requested < now - MAX_CLOCK_SKEW_MS) {
    throw new ProblemError(422, "Move in the past", "A move takes effect now or later: events already recorded stay with the team that recorded them.", [
      { path: "/effectiveFrom", message: "is in the past" },
    ]);
  }
  const from = Math.max(requested, now);
  await requireActive(db, teams, orgId, body.teamId, "/teamId", "team");
  const current = teamAt(stints, from);
  if (current === body.teamId) {
    throw new ProblemError(422, "No move", `Agent '${agentId}' is in team '${current}' at ${iso(from)} already; DELETE a scheduled move to cancel it.`, [
      { path: "/teamId", message: `already the agent's team at ${iso(from)}` },
    ]);
  }
  const next = withMove(stints, body.teamId, from);
  await writeStints(c.env, orgId, agentId, stints, next, from, now);
  return c.json(stintsJson(agentId, next, now), 201);
});

/** Cancels a scheduled move. One in effect (or about to be: events may already count under it) stays. */
directory.delete("/agents/:id/moves/:from", async (c) => {
  const orgId = c.var.caller.orgId;
  const agentId = c.req.param("id");
  const db = drizzle(c.env.DB);
  const stints = await stintsOfAgent(db, orgId, agentId);
  const from = Date.parse(parseWith(AgentMoveKey, { from: c.req.param("from") }, "path").from);
  const now = Date.now();
  if (!stints.some((s) => s.from === from)) {
    throw new ProblemError(404, "Not found", `Agent '${agentId}' has no move at ${iso(from)}.`, [{ path: "path/from", message: "no move at this instant" }]);
  }
  if (from <= now + MOVE_SETTLE_MS) {
    throw new ProblemError(422, "Move in effect", `The move at ${iso(from)} is in effect (or takes effect within minutes): it can no longer be cancelled.`, [
      { path: "path/from", message: "already in effect" },
    ]);
  }
  const next = withoutMove(stints, from);
  await writeStints(c.env, orgId, agentId, stints, next, from, now);
  return c.json(stintsJson(agentId, next, now));
});
