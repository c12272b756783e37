/**
 * Metrics (admin scope): what events measure and how they become a score, including scorecards,
 * which blend other metrics against their targets. Deleting deactivates.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { DEFAULT_SCORECARD_CAP, MetricCreate, MetricPatch, type ScorecardComponentInput } from "../../protocol/index.ts";
import { type AppEnv, requireScope } from "../auth.ts";
import { boards, metrics } from "../db/schema.ts";
import { forgetDirectory } from "../directory-cache.ts";
import { notFound, ProblemError, readJson } from "../problem.ts";
import { refreshBoardsOf } from "../board-hosts.ts";

export const metricRoutes = new Hono<AppEnv>();
metricRoutes.use("/metrics/*", requireScope("admin"));

type MetricRow = typeof metrics.$inferSelect;
type Db = ReturnType<typeof drizzle>;

const iso = (ms: number) => new Date(ms).toISOString();
const metricJson = (r: MetricRow) => ({
  key: r.key,
  label: r.label,
  unit: r.unit,
  aggregation: r.aggregation,
  direction: r.direction,
  minVolume: r.minVolume,
  ...(r.aggregation === "scorecard" ? { components: r.components ?? [], cap: r.cap ?? DEFAULT_SCORECARD_CAP } : {}),
  active: r.active,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

const refuse = (path: string, message: string) => new ProblemError(422, "Validation failed", `${path}: ${message}`, [{ path, message }]);

/** A scorecard's components must be active metrics of the org that are not scorecards themselves. */
async function checkComponents(db: Db, orgId: string, components: readonly ScorecardComponentInput[]): Promise<void> {
  const rows = await db
    .select({ key: metrics.key, aggregation: metrics.aggregation })
    .from(metrics)
    .where(and(eq(metrics.orgId, orgId), eq(metrics.active, true), inArray(metrics.key, components.map((c) => c.metric))));
  const found = new Map(rows.map((r) => [r.key, r.aggregation]));
  components.forEach((c, i) => {
    const aggregation = found.get(c.metric);
    if (!aggregation) throw new ProblemError(422, "Unknown reference", `No active metric '${c.metric}' in this org.`, [{ path: `/components/${i}/metric`, message: `unknown metric '${c.metric}'` }]);
    if (aggregation === "scorecard") throw refuse(`/components/${i}/metric`, `'${c.metric}' is a scorecard; blend plain metrics`);
  });
}

/** Active scorecards that blend this metric. */
async function scorecardsUsing(db: Db, orgId: string, key: string): Promise<MetricRow[]> {
  const cards = await db.select().from(metrics).where(and(eq(metrics.orgId, orgId), eq(metrics.aggregation, "scorecard"), eq(metrics.active, true)));
  return cards.filter((m) => m.components?.some((c) => c.metric === key));
}

/** Boards on the metric, or on a scorecard that blends it: their objects must reload it. */
async function boardsCounting(db: Db, orgId: string, key: string) {
  const keys = [key, ...(await scorecardsUsing(db, orgId, key)).map((m) => m.key)];
  return db
    .selectDistinct({ scope: boards.scope, teamId: boards.teamId, departmentId: boards.departmentId })
    .from(boards)
    .where(and(eq(boards.orgId, orgId), inArray(boards.metricKey, keys)));
}

metricRoutes.get("/metrics", async (c) => {
  const rows = await drizzle(c.env.DB).select().from(metrics).where(eq(metrics.orgId, c.var.caller.orgId)).orderBy(asc(metrics.key));
  return c.json({ metrics: rows.map(metricJson) });
});

metricRoutes.post("/metrics", async (c) => {
  const body = await readJson(c, MetricCreate);
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  if (body.components) await checkComponents(db, orgId, body.components);
  const now = Date.now();
  const scorecard = body.aggregation === "scorecard" ? { cap: body.cap ?? DEFAULT_SCORECARD_CAP, unit: body.unit || "%" } : {};
  const [row] = await db
    .insert(metrics)
    .values({ orgId, ...body, ...scorecard, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ProblemError(409, "Conflict", `A metric with key '${body.key}' already exists.`, [{ path: "/key", message: "already exists" }]);
  forgetDirectory(orgId);
  return c.json(metricJson(row), 201);
});

async function findMetric(db: Db, orgId: string, key: string): Promise<MetricRow> {
  const [row] = await db.select().from(metrics).where(and(eq(metrics.orgId, orgId), eq(metrics.key, key)));
  if (!row) throw notFound("metric", key);
  return row;
}

metricRoutes.get("/metrics/:key", async (c) => {
  return c.json(metricJson(await findMetric(drizzle(c.env.DB), c.var.caller.orgId, c.req.param("key"))));
});

metricRoutes.patch("/metrics/:key", async (c) => {
  const body = await readJson(c, MetricPatch);
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  const current = await findMetric(db, orgId, c.req.param("key"));
  const isCard = current.aggregation === "scorecard";
  // A scorecard stays one and a plain metric stays plain: their boards and events differ in kind.
  if (body.aggregation !== undefined && (body.aggregation === "scorecard") !== isCard) {
    throw refuse("/aggregation", isCard ? "a scorecard stays a scorecard; create a new metric" : "create a new metric for a scorecard");
  }
  if (!isCard) {
    if (body.components !== undefined) throw refuse("/components", "only for aggregation 'scorecard'");
    if (body.cap !== undefined) throw refuse("/cap", "only for aggregation 'scorecard'");
    // Boards that total their teams' scores need a sum or a count: a total of averages means nothing.
    if (body.aggregation !== undefined && body.aggregation !== "sum" && body.aggregation !== "count") {
      const totals = await db
        .select({ id: boards.id })
        .from(boards)
        .where(and(eq(boards.orgId, orgId), eq(boards.metricKey, current.key), eq(boards.active, true), eq(boards.teamScore, "total")));
      if (totals.length > 0) throw refuse("/aggregation", `board ${totals.map((b) => `'${b.id}'`).join(", ")} totals this metric; a total needs sum or count`);
    }
  } else {
    if (body.direction === "lower") throw refuse("/direction", "a scorecard is always 'higher'");
    if (body.minVolume) throw refuse("/minVolume", "a scorecard qualifies through its components' minimum volumes");
    if (body.components) await checkComponents(db, orgId, body.components);
  }
  const [row] = await db
    .update(metrics)
    .set({ ...body, updatedAt: Date.now() })
    .where(and(eq(metrics.orgId, orgId), eq(metrics.key, current.key)))
    .returning();
  if (!row) throw notFound("metric", current.key);
  forgetDirectory(orgId);
  await refreshBoardsOf(c.env, orgId, await boardsCounting(db, orgId, row.key));
  return c.json(metricJson(row));
});

metricRoutes.delete("/metrics/:key", async (c) => {
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  const key = c.req.param("key");
  // A scorecard would silently score the missing part as 0: it must drop the metric first.
  const using = await scorecardsUsing(db, orgId, key);
  if (using.length > 0) {
    throw new ProblemError(409, "Conflict", `Metric '${key}' is a component of scorecard ${using.map((m) => `'${m.key}'`).join(", ")}; remove it there first.`, [
      { path: "", message: "in use by a scorecard" },
    ]);
  }
  const [row] = await db
    .update(metrics)
    .set({ active: false, updatedAt: Date.now() })
    .where(and(eq(metrics.orgId, orgId), eq(metrics.key, key)))
    .returning();
  if (!row) throw notFound("metric", key);
  forgetDirectory(orgId);
  await refreshBoardsOf(c.env, orgId, await boardsCounting(db, orgId, row.key));
  return c.json(metricJson(row));
});
