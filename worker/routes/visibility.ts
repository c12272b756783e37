/**
 * Visibility settings: org defaults and each board's own. A change is stored with its audit row,
 * handed to the team boards, and every open screen shows its new view within a second.
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { DEFAULT_VISIBILITY, effectiveVisibility, VisibilityPatch, type VisibilityOverrides, type VisibilitySettings } from "../../protocol/index.ts";
import { type AppEnv, requireScope } from "../auth.ts";
import { viewerForBoard } from "../board-access.ts";
import { findInOrg } from "../db/org-rows.ts";
import { boards, orgs } from "../db/schema.ts";
import { auditEntries, patchVisibility } from "../db/settings-audit.ts";
import { notFound, readJson, readQuery } from "../problem.ts";
import { refreshAllHosts, refreshBoardHosts } from "../board-hosts.ts";

export const visibility = new Hono<AppEnv>();

export async function orgVisibility(d1: D1Database, orgId: string): Promise<VisibilityOverrides> {
  const [row] = await drizzle(d1).select({ visibility: orgs.visibility }).from(orgs).where(eq(orgs.id, orgId)).limit(1);
  if (!row) throw notFound("org", orgId);
  return row.visibility;
}

const orgSettings = (overrides: VisibilityOverrides): VisibilitySettings => ({
  effective: effectiveVisibility(overrides),
  overrides,
  inherited: DEFAULT_VISIBILITY,
});

/** A board of the org and its visibility settings (its own over the org's), or a 404. */
export async function boardSettings(d1: D1Database, orgId: string, boardId: string) {
  const [org, board] = await Promise.all([orgVisibility(d1, orgId), findInOrg(drizzle(d1), boards, "board", orgId, boardId)]);
  const settings: VisibilitySettings = { effective: effectiveVisibility(org, board.visibility), overrides: board.visibility, inherited: effectiveVisibility(org) };
  return { board, settings };
}

visibility.get("/org/visibility", requireScope("read"), async (c) => c.json(orgSettings(await orgVisibility(c.env.DB, c.var.caller.orgId))));

visibility.patch("/org/visibility", requireScope("admin"), async (c) => {
  const patch = await readJson(c, VisibilityPatch);
  const { orgId, actor } = c.var.caller;
  if (!(await patchVisibility(c.env.DB, { kind: "org", orgId }, actor, patch))) throw notFound("org", orgId);
  await refreshAllHosts(c.env, orgId);
  return c.json(orgSettings(await orgVisibility(c.env.DB, orgId)));
});

visibility.get("/boards/:id/visibility", requireScope("read"), async (c) => {
  const { board, settings } = await boardSettings(c.env.DB, c.var.caller.orgId, c.req.param("id"));
  await viewerForBoard(c.env.DB, c.var.caller, board);
  return c.json(settings);
});

visibility.patch("/boards/:id/visibility", requireScope("admin"), async (c) => {
  const patch = await readJson(c, VisibilityPatch);
  const { orgId, actor } = c.var.caller;
  const boardId = c.req.param("id");
  if (!(await patchVisibility(c.env.DB, { kind: "board", orgId, boardId }, actor, patch))) throw notFound("board", boardId);
  const { board, settings } = await boardSettings(c.env.DB, orgId, boardId);
  await refreshBoardHosts(c.env, orgId, board, { feeders: false });
  return c.json(settings);
});

const AuditQuery = z.strictObject({
  target: z
    .string()
    .regex(/^(org|board:.+|agent:.+|history:.+|source:.+|reward:.+|badge:.+|goal:.+|point-rule:.+)$/, "must be 'org', 'board:<id>', 'agent:<id>', 'source:<id>', 'reward:<id>', 'badge:<id>', 'goal:<id>', 'point-rule:<id>' or 'history:<board id>@<period start>'")
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Who changed which privacy setting or webhook source (and who was shown a source's secret), and which closed periods were revised, newest first. */
visibility.get("/audit", requireScope("admin"), async (c) => {
  const query = readQuery(c, AuditQuery);
  return c.json({ entries: await auditEntries(c.env.DB, c.var.caller.orgId, query.target, query.limit) });
});
