import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { teamBoard } from "../worker/board-hosts.ts";
import { api, connect, createTeam, event, idsAndScores, ingest, json, replay, snapshot, type TeamFixture } from "./helpers.ts";

const standings = async (t: TeamFixture, board: string) => idsAndScores((await snapshot(t.readKey, board)).snapshot.rows);

function correction(kind: "set" | "void" | "adjust", agent: string, metric: string, extra: { ref?: string; value?: number; id?: string; occurredAt?: string }) {
  return {
    id: extra.id ?? `fix-${Math.random().toString(36).slice(2)}`,
    agent,
    metric,
    kind,
    ...(extra.value === undefined ? {} : { value: extra.value }),
    ...(extra.ref === undefined ? {} : { ref: extra.ref }),
    occurredAt: extra.occurredAt ?? new Date().toISOString(),
  };
}

async function addRatioMetric(t: TeamFixture) {
  await json(await api(t.adminKey, "POST", "/v1/metrics", { key: "fcr", label: "First-contact resolution", unit: "%", aggregation: "ratio" }), 201);
  await json(await api(t.adminKey, "POST", "/v1/boards", { id: "fcr-day", teamId: "t1", metric: "fcr", period: "day" }), 201);
}

describe("corrections: set, adjust and void", () => {
  it("`set` replaces a revised score and the board re-ranks exactly", async () => {
    const t = await createTeam(2);
    const low = event("a1", "csat", 2);
    await ingest(t.ingestKey, [event("a1", "csat", 5), low, event("a2", "csat", 4)]);
    expect(await standings(t, t.boards.csat)).toEqual([["a2", 4], ["a1", 3.5]]);
    expect(await ingest(t.ingestKey, [correction("set", "a1", "csat", { ref: low.id, value: 5 })])).toEqual({ accepted: 1, duplicates: 0, late: 0 });
    expect(await standings(t, t.boards.csat)).toEqual([["a1", 5], ["a2", 4]]);
    // A second revision of the same event replaces the first.
    await ingest(t.ingestKey, [correction("set", "a1", "csat", { ref: low.id, value: 1 })]);
    expect(await standings(t, t.boards.csat)).toEqual([["a2", 4], ["a1", 3]]);
  });

  it("`adjust` adds a signed delta to the score, and `void` retracts an event or an adjustment", async () => {
    const t = await createTeam(3);
    const contacts = [event("a1", "contacts_handled", 1), event("a1", "contacts_handled", 1), event("a1", "contacts_handled", 1)];
    await ingest(t.ingestKey, [...contacts, event("a2", "contacts_handled", 1), event("a2", "contacts_handled", 1)]);
    const bonus = correction("adjust", "a2", "contacts_handled", { value: 2 });
    await ingest(t.ingestKey, [bonus]);
    expect(await standings(t, t.boards.contacts)).toEqual([["a2", 4], ["a1", 3]]);
    await ingest(t.ingestKey, [correction("void", "a2", "contacts_handled", { ref: bonus.id }), correction("void", "a1", "contacts_handled", { ref: contacts[0]!.id })]);
    // Tied at 2 (both rank 1): a2 got back to 2 first, in the batch's order.
    const rows = (await snapshot(t.readKey, t.boards.contacts)).snapshot.rows;
    expect(rows.map((r) => [r.agent?.id, r.rank, r.score])).toEqual([["a2", 1, 2], ["a1", 1, 2]]);
  });

  it("an agent whose every event is voided leaves the board, live", async () => {
    const t = await createTeam(2);
    const only = event("a2", "contacts_handled", 1);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1), only]);
    const socket = await connect(t.boards.contacts, t.readKey);
    await socket.until(() => socket.frames.length >= 1);
    await ingest(t.ingestKey, [correction("void", "a2", "contacts_handled", { ref: only.id })]);
    await socket.until(() => replay(socket.frames).length === 1);
    expect(idsAndScores(replay(socket.frames))).toEqual([["a1", 1]]);
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 1]]);
  });

  it("a correction and the event it corrects may arrive in one batch, and a retried correction counts once", async () => {
    const t = await createTeam(1);
    const original = event("a1", "csat", 1);
    const fix = correction("set", "a1", "csat", { ref: original.id, value: 4 });
    expect(await ingest(t.ingestKey, [original, fix])).toEqual({ accepted: 2, duplicates: 0, late: 0 });
    expect(await ingest(t.ingestKey, [fix, original])).toEqual({ accepted: 0, duplicates: 2, late: 0 });
    expect(await standings(t, t.boards.csat)).toEqual([["a1", 4]]);
  });

  it("a correction counts in the period of the event it corrects, not the day it arrives", async () => {
    const t = await createTeam(2);
    const yesterday = new Date(Date.now() - 30 * 3600_000).toISOString();
    const old = event("a1", "contacts_handled", 1, { occurredAt: yesterday });
    await ingest(t.ingestKey, [old, event("a1", "contacts_handled", 1), event("a2", "contacts_handled", 1)]);
    await ingest(t.ingestKey, [correction("void", "a1", "contacts_handled", { ref: old.id })]);
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 1], ["a2", 1]]);
    const stored = await runInDurableObject(teamBoard(env, t.orgId, "t1"), (_instance, state) =>
      state.storage.sql.exec<{ agent: string; count: number }>("SELECT agent, count FROM scores WHERE board = ? ORDER BY period_start, agent", t.boards.contacts).toArray(),
    );
    // Yesterday's a1 had one contact, now voided: 0; today's a1 and a2 keep theirs.
    expect(stored).toEqual([{ agent: "a1", count: 0 }, { agent: "a1", count: 1 }, { agent: "a2", count: 1 }]);
  });

  it("a board created after corrections is rebuilt with them applied", async () => {
    const t = await createTeam(2);
    const revised = event("a1", "csat", 1);
    await ingest(t.ingestKey, [revised, event("a2", "csat", 3), correction("set", "a1", "csat", { ref: revised.id, value: 5 })]);
    await json(await api(t.adminKey, "POST", "/v1/boards", { id: "csat-week", teamId: "t1", metric: "csat", period: "week" }), 201);
    expect(await standings(t, "csat-week")).toEqual([["a1", 5], ["a2", 3]]);
  });

  it("archives corrections to D1 history with their kind and what they correct", async () => {
    const t = await createTeam(1);
    const original = event("a1", "csat", 2);
    const fix = correction("set", "a1", "csat", { ref: original.id, value: 4 });
    await ingest(t.ingestKey, [original, fix]);
    await runDurableObjectAlarm(teamBoard(env, t.orgId, "t1"));
    const rows = await env.DB.prepare("SELECT event_id, kind, ref, part, value FROM score_events WHERE org_id = ? ORDER BY received_at, event_id").bind(t.orgId).all();
    expect(rows.results).toEqual(
      expect.arrayContaining([
        { event_id: original.id, kind: "add", ref: null, part: "numerator", value: 2 },
        { event_id: fix.id, kind: "set", ref: original.id, part: "numerator", value: 4 },
      ]),
    );
  });

  describe("refuses a correction that names no proper event, and records nothing of the batch", () => {
    async function refused(t: TeamFixture, events: unknown[]) {
      const problem = await json(await api(t.ingestKey, "POST", "/v1/events", { events }), 422);
      return problem.errors.map((e: { path: string; message: string }) => [e.path, e.message]);
    }

    it("unknown, later in the batch, another agent's, or a correction itself", async () => {
      const t = await createTeam(2);
      const a1 = event("a1", "csat", 3);
      const fix = correction("set", "a1", "csat", { ref: a1.id, value: 4 });
      await ingest(t.ingestKey, [a1, fix, event("a2", "csat", 2)]);
      const fresh = event("a1", "csat", 1);
      const later = event("a1", "csat", 2);
      expect(await refused(t, [fresh, correction("void", "a1", "csat", { ref: "never-sent" })])).toEqual([["/events/1/ref", "no earlier event 'never-sent' to correct"]]);
      expect(await refused(t, [correction("void", "a1", "csat", { ref: later.id }), later])).toEqual([["/events/0/ref", `no earlier event '${later.id}' to correct`]]);
      expect(await refused(t, [correction("set", "a2", "csat", { ref: a1.id, value: 1 })])).toEqual([["/events/0/ref", `event '${a1.id}' is of another agent or metric`]]);
      expect(await refused(t, [correction("set", "a1", "contacts_handled", { ref: a1.id, value: 1 })])).toEqual([["/events/0/ref", `event '${a1.id}' is of another agent or metric`]]);
      expect(await refused(t, [correction("void", "a1", "csat", { ref: fix.id })])).toEqual([["/events/0/ref", `event '${fix.id}' is a correction itself; correct the original event`]]);
      expect(await standings(t, t.boards.csat)).toEqual([["a1", 4], ["a2", 2]]);
      // `fresh` was refused with its batch: sending it now is new, not a duplicate.
      expect(await ingest(t.ingestKey, [fresh])).toEqual({ accepted: 1, duplicates: 0, late: 0 });
    });

    it("in a batch that spans teams, no team records anything", async () => {
      const t = await createTeam(1);
      await json(await api(t.adminKey, "POST", "/v1/teams", { id: "t2", name: "Two", departmentId: "sales" }), 201);
      await json(await api(t.adminKey, "POST", "/v1/agents", { id: "b1", name: "Bea", teamId: "t2" }), 201);
      await json(await api(t.adminKey, "POST", "/v1/boards", { id: "t2-contacts", teamId: "t2", metric: "contacts_handled", period: "day" }), 201);
      expect(await refused(t, [event("b1", "contacts_handled", 1), correction("void", "a1", "contacts_handled", { ref: "nope" })])).toEqual([
        ["/events/1/ref", "no earlier event 'nope' to correct"],
      ]);
      expect(await standings(t, "t2-contacts")).toEqual([]);
    });

    it("fields that do not fit the kind", async () => {
      const t = await createTeam(1);
      await addRatioMetric(t);
      const cases: [unknown, string][] = [
        [correction("set", "a1", "csat", { ref: "x" }), "/events/0/value"],
        [{ ...correction("void", "a1", "csat", { ref: "x" }), value: 1 }, "/events/0/value"],
        [correction("void", "a1", "csat", {}), "/events/0/ref"],
        [correction("adjust", "a1", "csat", { value: 1, ref: "x" }), "/events/0/ref"],
        [{ ...event("a1", "csat", 1), ref: "x" }, "/events/0/ref"],
        [{ ...event("a1", "csat", 1), kind: "undo" }, "/events/0/kind"],
        [{ ...event("a1", "csat", 1), part: "denominator" }, "/events/0/part"],
        [{ ...correction("adjust", "a1", "fcr", { value: 1 }), part: "denominator" }, "/events/0/part"],
        [{ ...correction("set", "a1", "csat", { ref: "same", value: 1 }), id: "same" }, "/events/0/ref"],
      ];
      for (const [body, path] of cases) {
        const problem = await json(await api(t.ingestKey, "POST", "/v1/events", { events: [body] }), 422);
        expect(problem.errors.map((e: { path: string }) => e.path), JSON.stringify(body)).toContain(path);
      }
      expect(await standings(t, t.boards.csat)).toEqual([]);
    });
  });
});

describe("ratio metrics", () => {
  it("rank 100 × numerator ÷ denominator, and leave agents without a denominator unranked", async () => {
    const t = await createTeam(3);
    await addRatioMetric(t);
    const resolved = (agent: string) => ({ ...event(agent, "fcr", 1), part: "numerator" });
    const contact = (agent: string) => ({ ...event(agent, "fcr", 1), part: "denominator" });
    const a2Resolved = resolved("a2");
    await ingest(t.ingestKey, [
      ...[1, 2, 3, 4].map(() => contact("a1")),
      ...[1, 2, 3].map(() => resolved("a1")),
      contact("a2"),
      contact("a2"),
      a2Resolved,
      resolved("a2"),
      resolved("a3"),
    ]);
    expect(await standings(t, "fcr-day")).toEqual([["a2", 100], ["a1", 75]]);
    expect((await snapshot(t.readKey, "fcr-day")).snapshot.total).toBe(2);
    // a3's first contacts put them on the board; voiding one of a2's resolutions halves theirs.
    await ingest(t.ingestKey, [contact("a3"), contact("a3"), correction("void", "a2", "fcr", { ref: a2Resolved.id })]);
    // a3 reached 50 before a2 fell to it, so a3 is listed first of the two.
    expect(await standings(t, "fcr-day")).toEqual([["a1", 75], ["a3", 50], ["a2", 50]]);
  });
});
