import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AgentTrend, BoardHistory } from "../protocol/index.ts";
import { teamBoard } from "../worker/board-hosts.ts";
import { api, createTeam, createToken, event, ingest, json, snapshot, type TeamFixture, travelTo } from "./helpers.ts";


/** Tuesday 15 January 2030 in Stockholm (UTC+1): a1 handles 3 contacts, a2 2, a3 1, a4 none. */
async function closedDay(t: TeamFixture) {
  travelTo("2030-01-15T10:00:00Z");
  const contacts = (agent: string, n: number) => Array.from({ length: n }, () => event(agent, "contacts_handled", 1, { occurredAt: "2030-01-15T09:00:00Z" }));
  const events = [...contacts("a1", 3), ...contacts("a2", 2), ...contacts("a3", 1)];
  await ingest(t.ingestKey, events);
  travelTo("2030-01-16T10:00:00Z");
  await runDurableObjectAlarm(teamBoard(env, t.orgId, "t1"));
  return events;
}

const DAY = { kind: "day", start: "2030-01-14T23:00:00.000Z", end: "2030-01-15T23:00:00.000Z" };

describe("closed periods in history", () => {
  afterEach(() => vi.useRealTimers());

  it("writes a period's final standings to D1 when it closes, and the board starts afresh", async () => {
    const t = await createTeam(4);
    await closedDay(t);
    const stored = await env.DB.prepare("SELECT agent_id, rank, place, score FROM period_standings WHERE org_id = ? AND board_id = ? ORDER BY place")
      .bind(t.orgId, t.boards.contacts)
      .all();
    expect(stored.results).toEqual([
      { agent_id: "a1", rank: 1, place: 1, score: 3 },
      { agent_id: "a2", rank: 2, place: 2, score: 2 },
      { agent_id: "a3", rank: 3, place: 3, score: 1 },
    ]);
    expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows).toEqual([]);
    const full = await json(await api(t.readKey, "GET", `/v1/boards/${t.boards.contacts}/history`), 200);
    expect(full.periods).toHaveLength(1);
    // The answer is what the protocol says it is (the dashboard's chart reads it by these types).
    expect(BoardHistory.strict().parse(full)).toEqual(full);
    expect(full.periods[0]).toMatchObject({ period: DAY, revision: 1, view: "full", total: 3 });
    expect(full.periods[0].rows.map((r: { agent: { id: string }; rank: number; score: number }) => [r.agent.id, r.rank, r.score])).toEqual([
      ["a1", 1, 3],
      ["a2", 2, 2],
      ["a3", 3, 1],
    ]);
  });

  it("shows history through the board's visibility: an agent sees the top and their own row, a wallboard the top", async () => {
    const t = await createTeam(4);
    await json(await api(t.adminKey, "PATCH", `/v1/boards/${t.boards.contacts}/visibility`, { mode: "top_n_and_me", n: 1, anonymise: true }), 200);
    await closedDay(t);
    const a3 = await createToken(t.adminKey, { role: "agent", agentId: "a3" });
    const mine = await json(await api(a3.token, "GET", `/v1/boards/${t.boards.contacts}/history`), 200);
    expect(mine.periods[0].rows).toEqual([
      { rank: 1, place: 1, agent: null, label: "Agent #1", score: 3 },
      { rank: 3, place: 3, agent: { id: "a3", name: "Agent 3" }, label: "Agent 3", score: 1, me: true },
    ]);
    expect(JSON.stringify(mine)).not.toMatch(/"a1"|"a2"|Agent 1|Agent 2/);
    const display = await createToken(t.adminKey, { role: "display", teamIds: ["t1"] });
    const wall = await json(await api(display.token, "GET", `/v1/boards/${t.boards.contacts}/history`), 200);
    expect(wall.periods[0].rows.map((r: { place: number }) => r.place)).toEqual([1]);
    const other = await createTeam(1);
    await json(await api(other.readKey, "GET", `/v1/boards/${t.boards.contacts}/history?limit=0`), 422);
  });

  it("gives an agent's trend over recent periods to leads and to the agent, and to no other agent", async () => {
    const t = await createTeam(4);
    await json(await api(t.adminKey, "PATCH", `/v1/boards/${t.boards.contacts}/visibility`, { mode: "everyone" }), 200);
    await closedDay(t);
    // Wednesday: a3 leads.
    await ingest(t.ingestKey, [event("a3", "contacts_handled", 1, { occurredAt: "2030-01-16T09:00:00Z" })]);
    travelTo("2030-01-17T10:00:00Z");
    await runDurableObjectAlarm(teamBoard(env, t.orgId, "t1"));

    const lead = await createToken(t.adminKey, { role: "lead", teamIds: ["t1"] });
    const trend = await json(await api(lead.token, "GET", `/v1/agents/a3/trend?board=${t.boards.contacts}&periods=5`), 200);
    expect(AgentTrend.strict().parse(trend)).toEqual(trend);
    expect(trend.points.map((p: { period: { start: string }; rank: number; score: number; ranked: number }) => [p.period.start, p.rank, p.score, p.ranked])).toEqual([
      ["2030-01-15T23:00:00.000Z", 1, 1, 1],
      ["2030-01-14T23:00:00.000Z", 3, 1, 3],
    ]);
    const own = await createToken(t.adminKey, { role: "agent", agentId: "a3" });
    expect((await json(await api(own.token, "GET", `/v1/agents/a3/trend?board=${t.boards.contacts}`), 200)).points).toHaveLength(2);
    const colleague = await createToken(t.adminKey, { role: "agent", agentId: "a2" });
    await json(await api(colleague.token, "GET", `/v1/agents/a3/trend?board=${t.boards.contacts}`), 403);
    const missing = await json(await api(lead.token, "GET", "/v1/agents/a3/trend"), 422);
    expect(missing.errors[0].path).toBe("query/board");
  });

  it("revises a closed period's history when a late event or a correction changes it", async () => {
    const t = await createTeam(4);
    const events = await closedDay(t);
    // A late event for a3 and a void of one of a1's contacts, both in Tuesday.
    await ingest(t.ingestKey, [
      event("a3", "contacts_handled", 1, { occurredAt: "2030-01-15T20:00:00Z" }),
      event("a3", "contacts_handled", 1, { occurredAt: "2030-01-15T20:05:00Z" }),
      { id: "void-1", agent: "a1", metric: "contacts_handled", kind: "void", ref: events[0]!.id, occurredAt: "2030-01-16T09:00:00Z" },
    ]);
    expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows).toEqual([]);
    await runDurableObjectAlarm(teamBoard(env, t.orgId, "t1"));
    const revised = await json(await api(t.readKey, "GET", `/v1/boards/${t.boards.contacts}/history`), 200);
    expect(revised.periods[0]).toMatchObject({ period: DAY, revision: 2 });
    const audit = await json(await api(t.adminKey, "GET", `/v1/audit?target=history:${t.boards.contacts}@${DAY.start}`), 200);
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({
      actor: "late events and corrections",
      before: [["a1", 1, 3], ["a2", 2, 2], ["a3", 3, 1]],
      after: [["a3", 1, 3], ["a2", 2, 2], ["a1", 2, 2]],
    });
    // a3 now has 3; a1 (one contact voided) ties a2 at 2, and a2 got there first.
    expect(revised.periods[0].rows.map((r: { agent: { id: string }; rank: number; score: number }) => [r.agent.id, r.rank, r.score])).toEqual([
      ["a3", 1, 3],
      ["a2", 2, 2],
      ["a1", 2, 2],
    ]);
  });

  it("closes a period that ended while the board's object was evicted, when it wakes", async () => {
    const t = await createTeam(3);
    travelTo("2030-01-15T10:00:00Z");
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1, { occurredAt: "2030-01-15T09:00:00Z" })]);
    const board = teamBoard(env, t.orgId, "t1");
    await evictDurableObject(board);
    travelTo("2030-01-16T10:00:00Z");
    await runDurableObjectAlarm(board); // a fresh instance: it starts Wednesday, and must close Tuesday
    await runDurableObjectAlarm(board);
    const history = await json(await api(t.readKey, "GET", `/v1/boards/${t.boards.contacts}/history`), 200);
    expect(history.periods.map((p: { period: unknown; total: number }) => [p.period, p.total])).toEqual([[DAY, 1]]);
  });

  it("revises a closed period correctly after its board was redefined", async () => {
    const t = await createTeam(3);
    const events = await closedDay(t);
    await json(await api(t.adminKey, "PATCH", "/v1/metrics/contacts_handled", { aggregation: "sum" }), 200);
    await ingest(t.ingestKey, [{ id: "void-a1", agent: "a1", metric: "contacts_handled", kind: "void", ref: events[0]!.id, occurredAt: "2030-01-16T09:00:00Z" }]);
    await runDurableObjectAlarm(teamBoard(env, t.orgId, "t1"));
    const history = await json(await api(t.readKey, "GET", `/v1/boards/${t.boards.contacts}/history`), 200);
    expect(history.periods[0].rows.map((r: { agent: { id: string }; score: number }) => [r.agent.id, r.score])).toEqual([
      ["a2", 2],
      ["a1", 2],
      ["a3", 1],
    ]);
  });

  it("keeps an agent who has since moved team in a closed period's revised standings", async () => {
    const t = await createTeam(3);
    await json(await api(t.adminKey, "POST", "/v1/teams", { id: "t2", name: "Two", departmentId: "sales" }), 201);
    await closedDay(t);
    await json(await api(t.adminKey, "PATCH", "/v1/agents/a2", { teamId: "t2" }), 200);
    await ingest(t.ingestKey, [event("a3", "contacts_handled", 1, { occurredAt: "2030-01-15T20:00:00Z" })]);
    await runDurableObjectAlarm(teamBoard(env, t.orgId, "t1"));
    const history = await json(await api(t.readKey, "GET", `/v1/boards/${t.boards.contacts}/history`), 200);
    expect(history.periods[0]).toMatchObject({ revision: 2 });
    expect(history.periods[0].rows.map((r: { agent: { id: string }; score: number }) => [r.agent.id, r.score])).toEqual([
      ["a1", 3],
      ["a2", 2],
      ["a3", 2],
    ]);
  });

  it("keeps a closed period until D1 takes it: standings written while D1 was down arrive once it is back", async () => {
    const t = await createTeam(3);
    await env.DB.exec("ALTER TABLE period_standings RENAME TO period_standings_away");
    try {
      await closedDay(t);
      await runDurableObjectAlarm(teamBoard(env, t.orgId, "t1"));
    } finally {
      await env.DB.exec("ALTER TABLE period_standings_away RENAME TO period_standings");
    }
    // The batch that failed wrote nothing, not even the closure row.
    expect((await json(await api(t.readKey, "GET", `/v1/boards/${t.boards.contacts}/history`), 200)).periods).toEqual([]);
    await runDurableObjectAlarm(teamBoard(env, t.orgId, "t1"));
    const after = await json(await api(t.readKey, "GET", `/v1/boards/${t.boards.contacts}/history`), 200);
    expect(after.periods.map((p: { period: unknown; total: number }) => [p.period, p.total])).toEqual([[DAY, 3]]);
  });

  it("carries each agent's final rank of the previous period on the new period's rows, and who moved with the latest events", async () => {
    const t = await createTeam(4);
    await closedDay(t);
    await ingest(t.ingestKey, [event("a3", "contacts_handled", 1, { occurredAt: "2030-01-16T09:00:00Z" }), event("a4", "contacts_handled", 1, { occurredAt: "2030-01-16T09:00:00Z" })]);
    await snapshot(t.readKey, t.boards.contacts); // what viewers saw: the update movement is measured from
    await ingest(t.ingestKey, [event("a4", "contacts_handled", 1, { occurredAt: "2030-01-16T09:05:00Z" })]);
    const rows = (await snapshot(t.readKey, t.boards.contacts)).snapshot.rows;
    // Since that update a4 broke their tie for 1st (rank unchanged) and a3 fell to 2nd.
    // a3 was 3rd on Tuesday; a4 was not ranked.
    expect(rows.map((r) => [r.agent?.id, r.rank, r.change, r.previousRank])).toEqual([
      ["a4", 1, undefined, undefined],
      ["a3", 2, -1, 3],
    ]);
  });
});

describe("late events", () => {
  afterEach(() => vi.useRealTimers());

  it("count in a closed period within the org's grace window; later ones are kept but change nothing", async () => {
    const t = await createTeam(3);
    await json(await api(t.adminKey, "PATCH", "/v1/org", { lateGraceHours: 24 }), 200);
    await closedDay(t); // Tuesday closed at 2030-01-15T23:00Z; it is now Wednesday 10:00Z.
    const tuesday = (agent: string) => event(agent, "contacts_handled", 1, { occurredAt: "2030-01-15T20:00:00Z" });
    expect(await ingest(t.ingestKey, [tuesday("a3")])).toEqual({ accepted: 1, duplicates: 0, late: 0 });
    travelTo("2030-01-17T10:00:00Z"); // 35 hours after Tuesday closed
    expect(await ingest(t.ingestKey, [tuesday("a3"), tuesday("a3")])).toEqual({ accepted: 2, duplicates: 0, late: 2 });
    await runDurableObjectAlarm(teamBoard(env, t.orgId, "t1"));
    const history = await json(await api(t.readKey, "GET", `/v1/boards/${t.boards.contacts}/history`), 200);
    const tuesdayStandings = history.periods.find((p: { period: { start: string } }) => p.period.start === DAY.start);
    expect(tuesdayStandings.rows.map((r: { agent: { id: string }; score: number }) => [r.agent.id, r.score])).toEqual([
      ["a1", 3],
      ["a2", 2],
      ["a3", 2],
    ]);
    // Every accepted event reached D1 history, counted or not.
    const archived = await env.DB.prepare("SELECT count(*) AS n FROM score_events WHERE org_id = ?").bind(t.orgId).first<{ n: number }>();
    expect(archived?.n).toBe(9);
    await json(await api(t.adminKey, "PATCH", "/v1/org", { lateGraceHours: 9999 }), 422);
  });

  it("forgets archived events once they are too old to count anywhere, and a retry of one counts nowhere", async () => {
    const t = await createTeam(3);
    const events = await closedDay(t);
    const board = teamBoard(env, t.orgId, "t1");
    const kept = () => runInDurableObject(board, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n);
    expect(await kept()).toBe(6);
    travelTo("2030-06-01T10:00:00Z"); // past the longest period plus the 72-hour grace
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1)]);
    await runDurableObjectAlarm(board);
    await runDurableObjectAlarm(board);
    expect(await kept()).toBe(1);
    expect(await ingest(t.ingestKey, [events[0]!])).toEqual({ accepted: 1, duplicates: 0, late: 1 });
    expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows.map((r) => [r.agent?.id, r.score])).toEqual([["a1", 1]]);
    await runDurableObjectAlarm(board);
    const archived = await env.DB.prepare("SELECT count(*) AS n FROM score_events WHERE org_id = ?").bind(t.orgId).first<{ n: number }>();
    expect(archived?.n).toBe(7);
  });
});

describe("contests", () => {
  afterEach(() => vi.useRealTimers());

  const WINDOW = { startsAt: "2030-02-01T08:00:00.000Z", endsAt: "2030-02-03T17:00:00.000Z" };

  it("count only events inside their window, keep the final standings after it ends, and go to history once", async () => {
    const t = await createTeam(3);
    travelTo("2030-01-31T12:00:00Z");
    const created = await json(await api(t.adminKey, "POST", "/v1/boards", { id: "sales-sprint", teamId: "t1", metric: "contacts_handled", period: "contest", ...WINDOW }), 201);
    expect(created).toMatchObject({ period: "contest", ...WINDOW });
    const at = (agent: string, occurredAt: string) => event(agent, "contacts_handled", 1, { occurredAt });
    await ingest(t.ingestKey, [at("a1", "2030-01-31T11:00:00Z")]); // before the window
    travelTo("2030-02-02T12:00:00Z");
    await ingest(t.ingestKey, [at("a2", "2030-02-01T09:00:00Z"), at("a2", "2030-02-02T11:00:00Z"), at("a3", "2030-02-02T11:30:00Z")]);
    const live = (await snapshot(t.readKey, "sales-sprint")).snapshot;
    expect(live.period).toEqual({ kind: "contest", start: WINDOW.startsAt, end: WINDOW.endsAt });
    expect(live.rows.map((r) => [r.agent?.id, r.score])).toEqual([["a2", 2], ["a3", 1]]);

    travelTo("2030-02-04T09:00:00Z");
    await ingest(t.ingestKey, [at("a1", "2030-02-04T08:00:00Z")]); // after the window: counts nowhere on this board
    const final = (await snapshot(t.readKey, "sales-sprint")).snapshot;
    expect(final.period.end).toBe(WINDOW.endsAt);
    expect(final.rows.map((r) => [r.agent?.id, r.score])).toEqual([["a2", 2], ["a3", 1]]);
    const board = teamBoard(env, t.orgId, "t1");
    await runDurableObjectAlarm(board);
    await runDurableObjectAlarm(board);
    const history = await json(await api(t.readKey, "GET", "/v1/boards/sales-sprint/history"), 200);
    expect(history.periods.map((p: { period: unknown; revision: number; total: number }) => [p.period, p.revision, p.total])).toEqual([
      [{ kind: "contest", start: WINDOW.startsAt, end: WINDOW.endsAt }, 1, 2],
    ]);

    // A late event inside the window, within the grace period, still changes the result.
    await ingest(t.ingestKey, [at("a3", "2030-02-03T16:00:00Z"), at("a3", "2030-02-03T16:30:00Z")]);
    expect((await snapshot(t.readKey, "sales-sprint")).snapshot.rows.map((r) => [r.agent?.id, r.score])).toEqual([["a3", 3], ["a2", 2]]);
    await runDurableObjectAlarm(board);
    const revised = await json(await api(t.readKey, "GET", "/v1/boards/sales-sprint/history"), 200);
    expect(revised.periods[0]).toMatchObject({ revision: 2, total: 2 });
  });

  it("records an extended contest's new final standings when it ends again", async () => {
    const t = await createTeam(2);
    travelTo("2030-02-02T12:00:00Z");
    await json(await api(t.adminKey, "POST", "/v1/boards", { id: "sprint", teamId: "t1", metric: "contacts_handled", period: "contest", ...WINDOW }), 201);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1, { occurredAt: "2030-02-02T11:00:00Z" })]);
    travelTo("2030-02-04T12:00:00Z");
    const board = teamBoard(env, t.orgId, "t1");
    await runDurableObjectAlarm(board);
    await runDurableObjectAlarm(board);
    await json(await api(t.adminKey, "PATCH", "/v1/boards/sprint", { endsAt: "2030-02-06T17:00:00.000Z" }), 200);
    await ingest(t.ingestKey, [event("a2", "contacts_handled", 1), event("a2", "contacts_handled", 1)]);
    travelTo("2030-02-07T12:00:00Z");
    await runDurableObjectAlarm(board);
    await runDurableObjectAlarm(board);
    const history = await json(await api(t.readKey, "GET", "/v1/boards/sprint/history"), 200);
    expect(history.periods.map((p: { period: { end: string }; revision: number; rows: { agent: { id: string } }[] }) => [p.period.end, p.revision, p.rows.map((r) => r.agent.id)])).toEqual([
      ["2030-02-06T17:00:00.000Z", 2, ["a2", "a1"]],
    ]);
  });

  it("needs a window that ends after it starts, and other boards take none", async () => {
    const t = await createTeam(1);
    const base = { teamId: "t1", metric: "contacts_handled" };
    const cases: [unknown, string][] = [
      [{ ...base, period: "contest", startsAt: WINDOW.startsAt }, "/endsAt"],
      [{ ...base, period: "contest", startsAt: WINDOW.endsAt, endsAt: WINDOW.startsAt }, "/endsAt"],
      [{ ...base, period: "day", ...WINDOW }, "/startsAt"],
      [{ ...base, period: "contest", startsAt: "soon", endsAt: WINDOW.endsAt }, "/startsAt"],
      [{ ...base, period: "contest", startsAt: "2030-01-01T00:00:00Z", endsAt: "2030-12-31T00:00:00Z" }, "/endsAt"],
    ];
    for (const [body, path] of cases) {
      const problem = await json(await api(t.adminKey, "POST", "/v1/boards", body), 422);
      expect(problem.errors.map((e: { path: string }) => e.path), JSON.stringify(body)).toContain(path);
    }
    await json(await api(t.adminKey, "POST", "/v1/boards", { id: "sprint", ...base, period: "contest", ...WINDOW }), 201);
    expect((await json(await api(t.adminKey, "PATCH", "/v1/boards/sprint", { endsAt: "2030-01-01T00:00:00Z" }), 422)).errors[0].path).toBe("/endsAt");
    expect(await json(await api(t.adminKey, "PATCH", "/v1/boards/sprint", { endsAt: "2030-02-05T17:00:00.000Z" }), 200)).toMatchObject({ endsAt: "2030-02-05T17:00:00.000Z" });
    expect(await json(await api(t.adminKey, "PATCH", "/v1/boards/sprint", { period: "week" }), 200)).toMatchObject({ period: "week", startsAt: null, endsAt: null });
  });
});
