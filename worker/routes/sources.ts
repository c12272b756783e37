/**
 * Webhook sources (admin scope): a platform account that posts its webhooks to Floorboard. The
 * answer to creating one carries its URL and its secret; the secret can be rotated (the previous
 * one keeps working for a day) and shown again to an admin. Every change and every showing of a
 * secret leaves an audit row (without the secret).
 */
import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { SourceCreate, SourcePatch, SourceSecretRotate } from "../../protocol/index.ts";
import { adapters } from "../adapters/index.ts";
import { type AppEnv, randomId, requireScope } from "../auth.ts";
import { settingsAudit, webhookSources } from "../db/schema.ts";
import { notFound, parseWith, ProblemError, readJson } from "../problem.ts";
import { generateSecret, openSecret, sealSecret } from "../source-secrets.ts";
import { forgetSource, type SourceRow, sourceJson } from "../webhook-sources.ts";

export const sources = new Hono<AppEnv>();
sources.use("/sources/*", requireScope("admin"));

const origin = (url: string) => new URL(url).origin;
/** What an audit row says of a source: its settings, never its secret. */
const audited = (r: SourceRow) => ({
  name: r.name,
  platform: r.platform,
  externalIdSystem: r.externalIdSystem,
  unknownAgents: r.unknownAgents,
  unassignedTeamId: r.unassignedTeamId,
  metrics: r.metrics,
  options: r.options,
  active: r.active,
});
const auditRow = (orgId: string, actor: string, sourceId: string, before: unknown, after: unknown) =>
  ({ orgId, at: Date.now(), actor, target: `source:${sourceId}`, before, after }) as const;

sources.post("/sources", async (c) => {
  const body = await readJson(c, SourceCreate);
  const { orgId, actor } = c.var.caller;
  const adapter = adapters[body.platform];
  const options = parseWith(adapter.options, body.options, "/options");
  if (adapter.secretIssuedBy === "platform" && body.secret === undefined) {
    throw new ProblemError(422, "Validation failed", `A ${body.platform} source needs the secret ${body.platform} issued.`, [
      { path: "/secret", message: `required: paste the secret from ${body.platform}'s console` },
    ]);
  }
  const secret = body.secret ?? generateSecret();
  const id = randomId("src");
  const now = Date.now();
  const row: SourceRow = {
    id,
    orgId,
    name: body.name,
    platform: body.platform,
    secret: await sealSecret(c.env, orgId, id, secret),
    previousSecret: null,
    previousSecretUntil: null,
    externalIdSystem: body.externalIdSystem ?? body.platform,
    unknownAgents: body.unknownAgents,
    unassignedTeamId: body.unassignedTeamId,
    metrics: body.metrics,
    options: options as Record<string, unknown>,
    active: true,
    createdAt: now,
    updatedAt: now,
  };
  const db = drizzle(c.env.DB);
  await db.batch([db.insert(webhookSources).values(row), db.insert(settingsAudit).values(auditRow(orgId, actor, id, {}, audited(row)))]);
  return c.json({ ...sourceJson(row, origin(c.req.url)), secret }, 201);
});

sources.get("/sources", async (c) => {
  const rows = await drizzle(c.env.DB).select().from(webhookSources).where(eq(webhookSources.orgId, c.var.caller.orgId)).orderBy(desc(webhookSources.createdAt));
  return c.json({ sources: rows.map((r) => sourceJson(r, origin(c.req.url))) });
});

sources.get("/sources/:id", async (c) => {
  return c.json(sourceJson(await findSource(c.env, c.var.caller.orgId, c.req.param("id")), origin(c.req.url)));
});

sources.patch("/sources/:id", async (c) => {
  const body = await readJson(c, SourcePatch);
  const { orgId, actor } = c.var.caller;
  const before = await findSource(c.env, orgId, c.req.param("id"));
  const options = body.options === undefined ? before.options : (parseWith(adapters[before.platform].options, body.options, "/options") as Record<string, unknown>);
  const after: SourceRow = { ...before, ...body, options, active: body.active ?? before.active, updatedAt: Date.now() };
  const db = drizzle(c.env.DB);
  await db.batch([
    db
      .update(webhookSources)
      .set({
        name: after.name,
        externalIdSystem: after.externalIdSystem,
        unknownAgents: after.unknownAgents,
        unassignedTeamId: after.unassignedTeamId,
        metrics: after.metrics,
        options: after.options,
        active: after.active,
        updatedAt: after.updatedAt,
      })
      .where(eq(webhookSources.id, before.id)),
    db.insert(settingsAudit).values(auditRow(orgId, actor, before.id, audited(before), audited(after))),
  ]);
  forgetSource(before.id);
  return c.json(sourceJson(after, origin(c.req.url)));
});

/** Deactivates the source: its URL answers 404 from then on (other isolates within 30 s). */
sources.delete("/sources/:id", async (c) => {
  const { orgId, actor } = c.var.caller;
  const before = await findSource(c.env, orgId, c.req.param("id"));
  const after: SourceRow = { ...before, active: false, updatedAt: Date.now() };
  const db = drizzle(c.env.DB);
  await db.batch([
    db.update(webhookSources).set({ active: false, updatedAt: after.updatedAt }).where(eq(webhookSources.id, before.id)),
    db.insert(settingsAudit).values(auditRow(orgId, actor, before.id, audited(before), audited(after))),
  ]);
  forgetSource(before.id);
  return c.json(sourceJson(after, origin(c.req.url)));
});

/** A new secret (the one given, or a generated one); the previous secret keeps working for a day, or as long as asked (0: revoked at once). */
sources.post("/sources/:id/secret", async (c) => {
  const body = await readJson(c, SourceSecretRotate);
  const { orgId, actor } = c.var.caller;
  const before = await findSource(c.env, orgId, c.req.param("id"));
  const adapter = adapters[before.platform];
  if (adapter.secretIssuedBy === "platform" && body.secret === undefined) {
    throw new ProblemError(422, "Validation failed", `Paste the new secret ${before.platform} issued.`, [{ path: "/secret", message: "required for this platform" }]);
  }
  const secret = body.secret ?? generateSecret();
  const now = Date.now();
  const after: SourceRow = {
    ...before,
    secret: await sealSecret(c.env, orgId, before.id, secret),
    previousSecret: body.previousSecretValidSeconds > 0 ? before.secret : null,
    previousSecretUntil: body.previousSecretValidSeconds > 0 ? now + body.previousSecretValidSeconds * 1000 : null,
    updatedAt: now,
  };
  const db = drizzle(c.env.DB);
  await db.batch([
    db
      .update(webhookSources)
      .set({ secret: after.secret, previousSecret: after.previousSecret, previousSecretUntil: after.previousSecretUntil, updatedAt: now })
      .where(eq(webhookSources.id, before.id)),
    db.insert(settingsAudit).values(auditRow(orgId, actor, before.id, { secret: "previous" }, { secret: "rotated", previousSecretUntil: after.previousSecretUntil === null ? null : new Date(after.previousSecretUntil).toISOString() })),
  ]);
  forgetSource(before.id);
  return c.json({ ...sourceJson(after, origin(c.req.url)), secret });
});

/** Shows the current secret again (to paste it into the platform); recorded in the audit. */
sources.get("/sources/:id/secret", async (c) => {
  const { orgId, actor } = c.var.caller;
  const row = await findSource(c.env, orgId, c.req.param("id"));
  const secret = await openSecret(c.env, orgId, row.id, row.secret);
  if (secret === null) throw new ProblemError(409, "Secret unreadable", "SOURCE_SECRETS_KEY changed since this secret was saved: rotate it.", [{ path: "", message: "rotate the secret" }]);
  await drizzle(c.env.DB).insert(settingsAudit).values(auditRow(orgId, actor, row.id, {}, { secret: "shown" }));
  return c.json({ secret });
});

async function findSource(env: Env, orgId: string, id: string): Promise<SourceRow> {
  const [row] = await drizzle(env.DB)
    .select()
    .from(webhookSources)
    .where(and(eq(webhookSources.orgId, orgId), eq(webhookSources.id, id)))
    .limit(1);
  if (!row) throw notFound("webhook source", id);
  return row;
}
