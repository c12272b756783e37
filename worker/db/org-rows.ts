/** The org-scoped reads and writes every directory resource shares: one row by id, deactivation. */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { notFound } from "../problem.ts";
import { agents, boards, departments, teams } from "./schema.ts";

type OrgTable = typeof departments | typeof teams | typeof agents | typeof boards;

/** The row `id` of the org, and no other org's. */
export function inOrg(table: OrgTable, orgId: string, id: string) {
  return and(eq(table.orgId, orgId), eq(table.id, id));
}

/** Reads one row, or refuses with a 404 naming the resource. */
export async function findInOrg<T extends OrgTable>(db: DrizzleD1Database, table: T, what: string, orgId: string, id: string): Promise<T["$inferSelect"]> {
  const [row] = await db.select().from(table as OrgTable).where(inOrg(table, orgId, id)).limit(1);
  if (!row) throw notFound(what, id);
  return row as T["$inferSelect"];
}

/** Deactivates a row (it stays, so history keeps its name), or refuses with a 404. */
export async function deactivateInOrg<T extends OrgTable>(db: DrizzleD1Database, table: T, what: string, orgId: string, id: string): Promise<T["$inferSelect"]> {
  const [row] = await db
    .update(table as OrgTable)
    .set({ active: false, updatedAt: Date.now() })
    .where(inOrg(table, orgId, id))
    .returning();
  if (!row) throw notFound(what, id);
  return row as T["$inferSelect"];
}
