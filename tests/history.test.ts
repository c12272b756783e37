import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { teamBoard } from "../worker/board-hosts.ts";
import { createTeam, event, ingest, snapshot } from "./helpers.ts";

const historyCount = async (orgId: string) =>
  ((await env.DB.prepare("SELECT count(*) AS n FROM score_events WHERE org_id = ?").bind(orgId).first()) as { n: number }).n;
/** The outbox: events above the archived watermark. */
const outboxCount = (orgId: string, teamId: string) =>
  runInDurableObject(teamBoard(env, orgId, teamId), (_, state) =>
    state.storage.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM events WHERE seq > coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'archived_seq'), 0)")
      .one().n,
  );

describe("history archive", () => {
  it("archives every accepted event to D1 once the outbox drains", async () => {
    const t = await createTeam(3);
    const batch = Array.from({ length: 700 }, (_, i) => event(`a${(i % 3) + 1}`, "csat", (i % 5) + 1));
    await ingest(t.ingestKey, batch);
    expect(await outboxCount(t.orgId, t.teamId)).toBe(700);
    expect(await runDurableObjectAlarm(teamBoard(env, t.orgId, t.teamId))).toBe(true);
    expect(await historyCount(t.orgId)).toBe(700);
    expect(await outboxCount(t.orgId, t.teamId)).toBe(0);
    const row = await env.DB.prepare("SELECT team_id, agent_id, metric_key, value FROM score_events WHERE org_id = ? AND event_id = ?")
      .bind(t.orgId, batch[4]!.id)
      .first();
    expect(row).toEqual({ team_id: "t1", agent_id: "a2", metric_key: "csat", value: 5 });
  });

  it("a retried batch adds no history rows", async () => {
    const t = await createTeam(2);
    const batch = [event("a1", "csat", 4), event("a2", "csat", 5)];
    await ingest(t.ingestKey, batch);
    await runDurableObjectAlarm(teamBoard(env, t.orgId, t.teamId));
    await ingest(t.ingestKey, batch);
    await runDurableObjectAlarm(teamBoard(env, t.orgId, t.teamId));
    expect(await historyCount(t.orgId)).toBe(2);
  });

  it("re-inserting rows D1 already holds is harmless, so a drain retried after a lost answer duplicates nothing", async () => {
    const t = await createTeam(1);
    const batch = [event("a1", "csat", 4), event("a1", "csat", 2)];
    await ingest(t.ingestKey, batch);
    const stub = teamBoard(env, t.orgId, t.teamId);
    await runDurableObjectAlarm(stub);
    expect(await historyCount(t.orgId)).toBe(2);
    // Put the rows back in the outbox, as if D1 had committed but the answer never arrived and the
    // object restarted before it could advance its watermark.
    await runInDurableObject(stub, (_, state) => state.storage.sql.exec("UPDATE meta SET value = '0' WHERE key = 'archived_seq'"));
    await evictDurableObject(stub);
    expect(await outboxCount(t.orgId, t.teamId)).toBe(2);
    await ingest(t.ingestKey, [event("a1", "csat", 1)]);
    await runDurableObjectAlarm(stub);
    expect(await historyCount(t.orgId)).toBe(3);
    expect(await outboxCount(t.orgId, t.teamId)).toBe(0);
  });

  it("while D1 fails, ingest and live boards keep working and the outbox drains when D1 is back", async () => {
    const t = await createTeam(2);
    const stub = teamBoard(env, t.orgId, t.teamId);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1)]);
    await runDurableObjectAlarm(stub);
    expect(await historyCount(t.orgId)).toBe(1);

    // A real D1 failure: the history table disappears.
    await env.DB.exec("ALTER TABLE score_events RENAME TO score_events_away");
    await ingest(t.ingestKey, [event("a2", "contacts_handled", 1), event("a2", "contacts_handled", 1)]);
    await runDurableObjectAlarm(stub);
    expect(await outboxCount(t.orgId, t.teamId)).toBe(2);
    expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows.map((r) => [r.agent!.id, r.score])).toEqual([
      ["a2", 2],
      ["a1", 1],
    ]);

    await env.DB.exec("ALTER TABLE score_events_away RENAME TO score_events");
    await runDurableObjectAlarm(stub);
    expect(await outboxCount(t.orgId, t.teamId)).toBe(0);
    expect(await historyCount(t.orgId)).toBe(3);
  });

  it("backs off between failed drains", async () => {
    const t = await createTeam(1);
    const stub = teamBoard(env, t.orgId, t.teamId);
    await env.DB.exec("ALTER TABLE score_events RENAME TO score_events_away");
    try {
      await ingest(t.ingestKey, [event("a1", "csat", 3)]);
      await runDurableObjectAlarm(stub);
      await runDurableObjectAlarm(stub);
      const next = await runInDurableObject(stub, async (_, state) => ({
        attempts: state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'drain_attempts'").one().value,
        alarm: await state.storage.getAlarm(),
      }));
      expect(next.attempts).toBe("2");
      expect(next.alarm).toBeGreaterThan(Date.now() + 2_000);
      // New events during the outage do not pull the next attempt forward.
      await ingest(t.ingestKey, [event("a1", "csat", 4)]);
      expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBe(next.alarm);
    } finally {
      await env.DB.exec("ALTER TABLE score_events_away RENAME TO score_events");
    }
  });
});
