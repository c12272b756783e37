/** The org itself, its API keys, and the bootstrap that creates an org with its first admin key. */
import { and, asc, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { KeyCreate, OrgCreate, OrgPatch } from "../../protocol/index.ts";
import { type AppEnv, forgetKeyHash, newApiKey, randomId, requireScope } from "../auth.ts";
import { apiKeys, orgs } from "../db/schema.ts";
import { notFound, ProblemError, readJson } from "../problem.ts";
import { refreshAllHosts } from "../board-hosts.ts";

export const org = new Hono<AppEnv>();

const orgJson = (r: typeof orgs.$inferSelect) => ({
  id: r.id,
  name: r.name,
  timeZone: r.timeZone,
  lateGraceHours: r.lateGraceHours,
  kudosPoints: r.kudosPoints,
  kudosDailyCap: r.kudosDailyCap,
  workingDays: r.workingDays,
  holidays: r.holidays,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
});
const keyJson = (r: typeof apiKeys.$inferSelect) => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: r.scopes,
  createdAt: new Date(r.createdAt).toISOString(),
  revokedAt: r.revokedAt ? new Date(r.revokedAt).toISOString() : null,
});

async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

/**
 * Creates an org and its first admin key. Guarded by the BOOTSTRAP_SECRET secret; without it the
 * route does not exist. The key is in the response once and never again.
 */
org.post("/orgs", async (c) => {
  const secret = c.env.BOOTSTRAP_SECRET;
  if (!secret) throw new ProblemError(404, "Not found", "Bootstrap is disabled: BOOTSTRAP_SECRET is not set.");
  const given = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? "";
  if (!(await timingSafeEqual(given, secret))) {
    throw new ProblemError(401, "Unauthorized", "Send the bootstrap secret as a bearer token.", [
      { path: "header/authorization", message: "invalid bootstrap secret" },
    ]);
  }
  const body = await readJson(c, OrgCreate);
  const now = Date.now();
  const orgId = randomId("org");
  const { key, prefix, hash } = await newApiKey();
  const db = drizzle(c.env.DB);
  const [row] = await db.batch([
    db.insert(orgs).values({ id: orgId, name: body.name, timeZone: body.timeZone, lateGraceHours: body.lateGraceHours, kudosPoints: body.kudosPoints, kudosDailyCap: body.kudosDailyCap, createdAt: now, updatedAt: now }).returning(),
    db.insert(apiKeys).values({ id: randomId("key"), orgId, name: "bootstrap admin", prefix, hash, scopes: ["admin"], createdAt: now }),
  ]);
  return c.json({ org: orgJson(row[0]!), adminKey: key }, 201);
});

org.get("/org", requireScope("read"), async (c) => {
  const [row] = await drizzle(c.env.DB).select().from(orgs).where(eq(orgs.id, c.var.caller.orgId));
  if (!row) throw notFound("org", c.var.caller.orgId);
  return c.json(orgJson(row));
});

org.patch("/org", requireScope("admin"), async (c) => {
  const body = await readJson(c, OrgPatch);
  const orgId = c.var.caller.orgId;
  const db = drizzle(c.env.DB);
  const [row] = await db.update(orgs).set({ ...body, updatedAt: Date.now() }).where(eq(orgs.id, orgId)).returning();
  if (!row) throw notFound("org", orgId);
  if (body.timeZone !== undefined || body.lateGraceHours !== undefined || body.workingDays !== undefined || body.holidays !== undefined) {
    await refreshAllHosts(c.env, orgId);
  }
  return c.json(orgJson(row));
});

org.get("/keys", requireScope("admin"), async (c) => {
  const rows = await drizzle(c.env.DB).select().from(apiKeys).where(eq(apiKeys.orgId, c.var.caller.orgId)).orderBy(asc(apiKeys.createdAt));
  return c.json({ keys: rows.map(keyJson) });
});

org.post("/keys", requireScope("admin"), async (c) => {
  const body = await readJson(c, KeyCreate);
  const { key, prefix, hash } = await newApiKey();
  const [row] = await drizzle(c.env.DB)
    .insert(apiKeys)
    .values({ id: randomId("key"), orgId: c.var.caller.orgId, name: body.name, prefix, hash, scopes: [...new Set(body.scopes)], createdAt: Date.now() })
    .returning();
  return c.json({ ...keyJson(row!), key }, 201);
});

org.delete("/keys/:id", requireScope("admin"), async (c) => {
  const [row] = await drizzle(c.env.DB)
    .update(apiKeys)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiKeys.orgId, c.var.caller.orgId), eq(apiKeys.id, c.req.param("id")), isNull(apiKeys.revokedAt)))
    .returning();
  if (!row) throw notFound("active key", c.req.param("id"));
  forgetKeyHash(row.hash);
  return c.json(keyJson(row));
});
