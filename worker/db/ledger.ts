/**
 * The points ledger in D1. Rows are only ever added; a balance is the sum of an agent's rows. Every
 * write that depends on a balance (a redemption's hold) is one conditional statement inside a D1
 * batch, which D1 runs as one transaction after another: two concurrent requests can never both
 * spend the same points.
 */
import type { PointsKind } from "../../protocol/index.ts";

export interface Movement {
  orgId: string;
  /** Unique per org: the same fact is entered once however often it is written. */
  key: string;
  agentId: string;
  points: number;
  kind: PointsKind;
  reason: string;
  actor: string;
  ref: string | null;
  at: number;
}

/** A movement, entered unless one with its key already is. */
export function enterMovement(db: D1Database, m: Movement): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO points_ledger (org_id, key, agent_id, points, kind, reason, actor, ref, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, key) DO NOTHING`,
    )
    .bind(m.orgId, m.key, m.agentId, m.points, m.kind, m.reason, m.actor, m.ref, m.at);
}

/** SQL for an agent's balance (binds org, agent). */
export const BALANCE_SQL = "(SELECT COALESCE(SUM(points), 0) FROM points_ledger WHERE org_id = ? AND agent_id = ?)";

export interface Balance {
  /** The sum of every movement: what the agent can spend. */
  balance: number;
  /** What pending redemptions hold (already taken out of the balance). */
  held: number;
  /** Everything ever earned (positive movements other than released holds). */
  earned: number;
}

export async function balanceOf(db: D1Database, orgId: string, agentId: string): Promise<Balance> {
  const row = await db
    .prepare(
      `SELECT COALESCE(SUM(points), 0) AS balance,
              COALESCE(SUM(CASE WHEN points > 0 AND kind <> 'redemption_release' THEN points END), 0) AS earned,
              (SELECT COALESCE(SUM(cost), 0) FROM redemptions WHERE org_id = ?1 AND agent_id = ?2 AND status = 'pending') AS held
       FROM points_ledger WHERE org_id = ?1 AND agent_id = ?2`,
    )
    .bind(orgId, agentId)
    .first<Balance>();
  return row ?? { balance: 0, held: 0, earned: 0 };
}

export interface Award {
  id: string;
  orgId: string;
  badgeId: string;
  agentId: string;
  periodStart: number;
  points: number;
  reason: string;
  awardedBy: string;
  at: number;
}

/**
 * A badge award and its points, in one batch: the award is entered once per badge, agent and
 * period (a second award of the same is ignored, and so are its points). The first statement's
 * `changes` says whether this award was the one entered.
 */
export function awardStatements(db: D1Database, a: Award, badgeName: string): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT INTO badge_awards (id, org_id, badge_id, agent_id, period_start, points, reason, awarded_by, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, badge_id, agent_id, period_start) DO NOTHING`,
      )
      .bind(a.id, a.orgId, a.badgeId, a.agentId, a.periodStart, a.points, a.reason, a.awardedBy, a.at),
    db
      .prepare(
        `INSERT INTO points_ledger (org_id, key, agent_id, points, kind, reason, actor, ref, at)
         SELECT org_id, 'badge:' || id, agent_id, points, 'badge', ?2, awarded_by, id, at FROM badge_awards WHERE id = ?1 AND points > 0
         ON CONFLICT (org_id, key) DO NOTHING`,
      )
      .bind(a.id, `Badge: ${badgeName}`),
  ];
}
