/**
 * What a team's object awarded, kept in its SQLite until D1 has it: badge awards and points earned
 * by rules, each under a key that makes it once-only (a badge once per agent and period, a rule's
 * points once per event), however often the events behind it arrive. Also the marks that keep
 * celebrations once per period (a goal hit, first place) and the days each agent met a daily goal,
 * for streaks.
 */
import { type Award, awardStatements, enterMovement } from "../worker/db/ledger.ts";

export interface PendingAward {
  /** `badge:<badge>:<agent>:<period start>` or `rule:<rule>:<event id>`. */
  key: string;
  id: string;
  kind: "badge" | "points";
  badgeId: string | null;
  /** The badge's name (for the ledger's reason), or the rule's reason. */
  label: string;
  agent: string;
  periodStart: number;
  points: number;
  reason: string;
  ref: string | null;
  at: number;
}

type AwardRow = {
  key: string;
  id: string;
  kind: "badge" | "points";
  badge_id: string | null;
  label: string;
  agent: string;
  period_start: number;
  points: number;
  reason: string;
  ref: string | null;
  at: number;
};

const DRAIN_BATCH = 40;

export class RecognitionLog {
  /** Whether awards wait for D1: known from storage at start, then kept in memory (asked on every ingest). */
  #pending: boolean;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS awards (
        key TEXT PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, badge_id TEXT, label TEXT NOT NULL,
        agent TEXT NOT NULL, period_start INTEGER NOT NULL, points INTEGER NOT NULL, reason TEXT NOT NULL,
        ref TEXT, at INTEGER NOT NULL, drained INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS awards_undrained ON awards (drained, at);
      CREATE TABLE IF NOT EXISTS recognition_marks (key TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS goal_days (
        agent TEXT NOT NULL, metric TEXT NOT NULL, day_start INTEGER NOT NULL, PRIMARY KEY (agent, metric, day_start)
      ) WITHOUT ROWID;
    `);
    this.#pending = sql.exec("SELECT 1 FROM awards WHERE drained = 0 LIMIT 1").toArray().length > 0;
  }

  /** Records the award unless its key is taken; true when this call recorded it. */
  award(a: PendingAward): boolean {
    const recorded =
      this.sql.exec(
        `INSERT INTO awards (key, id, kind, badge_id, label, agent, period_start, points, reason, ref, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
        a.key,
        a.id,
        a.kind,
        a.badgeId,
        a.label,
        a.agent,
        a.periodStart,
        a.points,
        a.reason,
        a.ref,
        a.at,
      ).rowsWritten > 0;
    if (recorded) this.#pending = true;
    return recorded;
  }

  has(key: string): boolean {
    return this.sql.exec("SELECT 1 FROM awards WHERE key = ?", key).toArray().length > 0;
  }

  /** Sets a once-only mark (a goal hit this period, first place this period); true the first time. */
  mark(key: string, at: number): boolean {
    return this.sql.exec("INSERT INTO recognition_marks (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, at).rowsWritten > 0;
  }

  metGoal(agent: string, metric: string, dayStart: number): void {
    this.sql.exec("INSERT INTO goal_days (agent, metric, day_start) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", agent, metric, dayStart);
  }

  /** The days (their starts) since `since` on which the agent met their daily goal on the metric. */
  goalDays(agent: string, metric: string, since: number): Set<number> {
    const rows = this.sql.exec<{ day_start: number }>("SELECT day_start FROM goal_days WHERE agent = ? AND metric = ? AND day_start >= ?", agent, metric, since);
    return new Set([...rows].map((r) => r.day_start));
  }

  hasPending(): boolean {
    return this.#pending;
  }

  /** Writes undrained awards to D1 (badge awards with their points, rules' points to the ledger), marking each once D1 has it. */
  async drain(db: D1Database, orgId: string): Promise<void> {
    for (;;) {
      const rows = this.sql.exec<AwardRow>("SELECT * FROM awards WHERE drained = 0 ORDER BY at LIMIT ?", DRAIN_BATCH).toArray();
      if (rows.length === 0) {
        this.#pending = false;
        return;
      }
      const statements = rows.flatMap((r) => {
        if (r.kind === "badge") {
          const award: Award = { id: r.id, orgId, badgeId: r.badge_id!, agentId: r.agent, periodStart: r.period_start, points: r.points, reason: r.reason, awardedBy: "system", at: r.at };
          return awardStatements(db, award, r.label);
        }
        return [enterMovement(db, { orgId, key: r.key, agentId: r.agent, points: r.points, kind: "metric_rule", reason: r.reason, actor: "system", ref: r.ref, at: r.at })];
      });
      await db.batch(statements);
      this.sql.exec("UPDATE awards SET drained = 1 WHERE key IN (SELECT value FROM json_each(?))", JSON.stringify(rows.map((r) => r.key)));
    }
  }

  /** Forgets drained awards and marks from before `before` (a badge's `first` award, period 0, is kept). */
  prune(before: number): void {
    this.sql.exec("DELETE FROM awards WHERE drained = 1 AND period_start > 0 AND at < ?", before);
    this.sql.exec("DELETE FROM recognition_marks WHERE at < ?", before);
    this.sql.exec("DELETE FROM goal_days WHERE day_start < ?", before - 400 * 86_400_000);
  }
}
