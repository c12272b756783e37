import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { teamBoard } from "../worker/board-hosts.ts";
import { api, createTeam, event, ingest, json, snapshot, travelTo } from "./helpers.ts";

const standings = async (key: string, board: string) =>
  (await snapshot(key, board)).snapshot.rows.map((r) => [r.agent!.id, r.rank, r.score]);

describe("TeamBoard", () => {
  afterEach(() => vi.useRealTimers());

  it("ranks with standard competition ranking, ties ordered by who reached the score first", async () => {
    const t = await createTeam(4);
    // a3 reaches 2 before a1 does; a2 has 3; a4 has 1.
    await ingest(t.ingestKey, [event("a2", "contacts_handled", 1), event("a2", "contacts_handled", 1), event("a2", "contacts_handled", 1)]);
    await ingest(t.ingestKey, [event("a3", "contacts_handled", 1), event("a3", "contacts_handled", 1)]);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1), event("a4", "contacts_handled", 1)]);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1)]);
    expect(await standings(t.readKey, t.boards.contacts)).toEqual([
      ["a2", 1, 3],
      ["a3", 2, 2],
      ["a1", 2, 2],
      ["a4", 4, 1],
    ]);
    expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows.map((r) => r.place)).toEqual([1, 2, 3, 4]);
  });

  it("ranks a lower-is-better metric ascending", async () => {
    const t = await createTeam(3);
    await ingest(t.ingestKey, [
      event("a1", "handle_time_s", 300),
      event("a2", "handle_time_s", 180),
      event("a2", "handle_time_s", 240),
      event("a3", "handle_time_s", 420),
    ]);
    expect(await standings(t.readKey, t.boards.handleTime)).toEqual([
      ["a2", 1, 210],
      ["a1", 2, 300],
      ["a3", 3, 420],
    ]);
  });

  it("aggregates sum, min, max and last as configured", async () => {
    // Midday in the org's zone, so that samples minutes apart fall in the same day whenever the suite runs.
    travelTo("2030-01-15T11:00:00Z");
    const t = await createTeam(2);
    const metrics = [
      { key: "sales", aggregation: "sum" },
      { key: "qa_min", aggregation: "min" },
      { key: "qa_max", aggregation: "max" },
      { key: "status", aggregation: "last" },
    ];
    for (const m of metrics) {
      await json(await api(t.adminKey, "POST", "/v1/metrics", { key: m.key, label: m.key, aggregation: m.aggregation }), 201);
      await json(await api(t.adminKey, "POST", "/v1/boards", { id: `b-${m.key}`, teamId: "t1", metric: m.key, period: "day" }), 201);
    }
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    for (const key of ["sales", "qa_min", "qa_max", "status"]) {
      // The later sample (2 minutes ago) arrives first; "last" goes by occurredAt, not arrival.
      await ingest(t.ingestKey, [event("a1", key, 40, { occurredAt: at(2) }), event("a1", key, 70, { occurredAt: at(3) }), event("a1", key, 55, { occurredAt: at(4) })]);
    }
    expect(await standings(t.readKey, "b-sales")).toEqual([["a1", 1, 165]]);
    expect(await standings(t.readKey, "b-qa_min")).toEqual([["a1", 1, 40]]);
    expect(await standings(t.readKey, "b-qa_max")).toEqual([["a1", 1, 70]]);
    expect(await standings(t.readKey, "b-status")).toEqual([["a1", 1, 40]]);
  });

  it("rounds averages without float noise", async () => {
    const t = await createTeam(1);
    await ingest(t.ingestKey, [event("a1", "csat", 5), event("a1", "csat", 4), event("a1", "csat", 4)]);
    expect(await standings(t.readKey, t.boards.csat)).toEqual([["a1", 1, 4.3333]]);
  });

  it("rebuilds from its storage after eviction with nothing lost", async () => {
    const t = await createTeam(5);
    const batch = Array.from({ length: 50 }, (_, i) => event(`a${(i % 5) + 1}`, "csat", (i % 5) + 1));
    await ingest(t.ingestKey, batch);
    const before = await snapshot(t.readKey, t.boards.csat);
    await evictDurableObject(teamBoard(env, t.orgId, t.teamId));
    const after = await snapshot(t.readKey, t.boards.csat);
    expect(after.snapshot.rows).toEqual(before.snapshot.rows);
    expect(await ingest(t.ingestKey, batch)).toEqual({ accepted: 0, duplicates: 50, late: 0 });
  });

  it("counts an event from an earlier day in that day, not on today's board", async () => {
    const t = await createTeam(1);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    expect(await ingest(t.ingestKey, [event("a1", "contacts_handled", 1, { occurredAt: twoDaysAgo })])).toEqual({ accepted: 1, duplicates: 0, late: 0 });
    expect(await standings(t.readKey, t.boards.contacts)).toEqual([]);
    const stored = await runInDurableObject(teamBoard(env, t.orgId, t.teamId), (_, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM scores WHERE board = ? AND count = 1", t.boards.contacts).one(),
    );
    expect(stored).toEqual({ n: 1 });
  });

  it("builds a board created later from the events the team already received", async () => {
    const t = await createTeam(2);
    await ingest(t.ingestKey, [event("a1", "csat", 3), event("a2", "csat", 5), event("a2", "csat", 4)]);
    await json(await api(t.adminKey, "POST", "/v1/boards", { id: "csat-week", teamId: "t1", metric: "csat", period: "week" }), 201);
    expect(await standings(t.readKey, "csat-week")).toEqual([
      ["a2", 1, 4.5],
      ["a1", 2, 3],
    ]);
  });

  it("re-ranks when a metric's direction changes", async () => {
    const t = await createTeam(2);
    await ingest(t.ingestKey, [event("a1", "csat", 3), event("a2", "csat", 5)]);
    await json(await api(t.adminKey, "PATCH", "/v1/metrics/csat", { direction: "lower" }), 200);
    expect(await standings(t.readKey, t.boards.csat)).toEqual([
      ["a1", 1, 3],
      ["a2", 2, 5],
    ]);
  });

  it("shows renamed agents by their new name and drops deactivated agents", async () => {
    const t = await createTeam(2);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1), event("a2", "contacts_handled", 1)]);
    await json(await api(t.adminKey, "PATCH", "/v1/agents/a1", { name: "Ada Lovelace" }), 200);
    await json(await api(t.adminKey, "DELETE", "/v1/agents/a2"), 200);
    const rows = (await snapshot(t.readKey, t.boards.contacts)).snapshot.rows;
    expect(rows.map((r) => r.agent)).toEqual([{ id: "a1", name: "Ada Lovelace" }]);
    expect(rows[0]!.score).toBe(1);
  });

  it("a deactivated board's snapshot is gone and its socket route is refused", async () => {
    const t = await createTeam(1);
    await json(await api(t.adminKey, "DELETE", `/v1/boards/${t.boards.csat}`), 200);
    expect(await json(await api(t.readKey, "GET", `/v1/boards/${t.boards.csat}`), 200)).toMatchObject({ snapshot: null });
  });
});
