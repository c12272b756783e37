import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { teamBoard } from "../worker/board-hosts.ts";
import { api, connect, createTeam, event, ingest, json, snapshot, travelTo } from "./helpers.ts";


describe("period boundaries on a live board", () => {
  afterEach(() => vi.useRealTimers());

  it("starts a fresh day once the clock passes the period's end", async () => {
    const t = await createTeam(2);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1)]);
    const today = (await snapshot(t.readKey, t.boards.contacts)).snapshot;
    expect(today.rows).toHaveLength(1);
    travelTo(Date.parse(today.period.end) + 60_000);
    const tomorrow = (await snapshot(t.readKey, t.boards.contacts)).snapshot;
    expect(tomorrow.period.start).toBe(today.period.end);
    expect(tomorrow.rows).toEqual([]);
  });

  it("tells open sockets the period closed, then sends the new period's snapshot", async () => {
    const t = await createTeam(2);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1)]);
    const socket = await connect(t.boards.contacts, t.readKey);
    await socket.until(() => socket.frames.length >= 1);
    const first = socket.frames[0]!;
    if (first.type !== "snapshot") throw new Error("expected a snapshot first");
    travelTo(Date.parse(first.period.end) + 1_000);
    await ingest(t.ingestKey, [event("a2", "contacts_handled", 1)]);
    await socket.until(() => socket.frames.some((f) => f.type === "snapshot" && f.period.start === first.period.end));
    const [period, fresh] = socket.frames.slice(1);
    expect(period).toMatchObject({ type: "period", previous: first.period, period: { start: first.period.end }, seq: first.seq + 1 });
    expect(fresh).toMatchObject({ type: "snapshot", seq: first.seq + 2, rows: [{ agent: { id: "a2" }, score: 1 }], total: 1 });
    socket.ws.close();
  });

  it("keeps the closed day's scores in storage and counts a late event for that day there", async () => {
    const t = await createTeam(1);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1)]);
    const today = (await snapshot(t.readKey, t.boards.contacts)).snapshot;
    travelTo(Date.parse(today.period.end) + 3_600_000);
    const lateButYesterday = new Date(Date.parse(today.period.end) - 60_000).toISOString();
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1, { occurredAt: lateButYesterday })]);
    expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows).toEqual([]);
    const stored = await runInDurableObject(teamBoard(env, t.orgId, t.teamId), (_, state) =>
      state.storage.sql
        .exec<{ count: number }>("SELECT count FROM scores WHERE board = ? AND period_start = ? AND agent = 'a1'", t.boards.contacts, Date.parse(today.period.start))
        .one(),
    );
    expect(stored.count).toBe(2);
  });

  it("sets its alarm no later than the end of the current period", async () => {
    const t = await createTeam(1);
    const today = (await snapshot(t.readKey, t.boards.contacts)).snapshot;
    const alarm = await runInDurableObject(teamBoard(env, t.orgId, t.teamId), (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.parse(today.period.end));
  });
});

describe("board period settings", () => {
  afterEach(() => vi.useRealTimers());

  it("counts a 05:00 call in the previous shift-day on a board whose days start at 06:00, and weeks from Sunday", async () => {
    const t = await createTeam(2);
    await json(await api(t.adminKey, "POST", "/v1/boards", { id: "night", teamId: "t1", metric: "contacts_handled", period: "day", dayStartHour: 6 }), 201);
    const week = await json(await api(t.adminKey, "POST", "/v1/boards", { id: "sunday-week", teamId: "t1", metric: "contacts_handled", period: "week", weekStartsOn: 0 }), 201);
    expect(week).toMatchObject({ dayStartHour: 0, weekStartsOn: 0 });
    // Tuesday 15 January 2030, 05:00 in Stockholm (UTC+1) is still Monday's night shift.
    travelTo(Date.parse("2030-01-15T04:30:00Z"));
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1, { occurredAt: "2030-01-15T04:00:00Z" })]);
    const night = (await snapshot(t.readKey, "night")).snapshot;
    expect(night.period).toMatchObject({ start: "2030-01-14T05:00:00.000Z", end: "2030-01-15T05:00:00.000Z" });
    expect(night.rows.map((r) => r.agent?.id)).toEqual(["a1"]);
    expect((await snapshot(t.readKey, "sunday-week")).snapshot.period).toMatchObject({ start: "2030-01-12T23:00:00.000Z", end: "2030-01-19T23:00:00.000Z" });
    // Moving the start hour re-buckets the kept events: with days from 00:00 the call is Tuesday's.
    await json(await api(t.adminKey, "PATCH", "/v1/boards/night", { dayStartHour: 0 }), 200);
    const midnight = (await snapshot(t.readKey, "night")).snapshot;
    expect(midnight.period).toMatchObject({ start: "2030-01-14T23:00:00.000Z" });
    expect(midnight.rows.map((r) => r.agent?.id)).toEqual(["a1"]);
    const refused = await json(await api(t.adminKey, "PATCH", "/v1/boards/night", { dayStartHour: 24 }), 422);
    expect(refused.errors[0].path).toBe("/dayStartHour");
  });
});
