import { describe, expect, it } from "vitest";
import type { ServerFrame, SnapshotFrame } from "../protocol/index.ts";
import { api, BASE, connect, createTeam, createToken, event, ingest, json, snapshot, type TeamFixture } from "./helpers.ts";
import { SELF } from "cloudflare:test";

/** Contacts are counted: agent a<i> gets `counts[i - 1]` contacts. */
async function contacts(t: TeamFixture, counts: readonly number[]) {
  await ingest(
    t.ingestKey,
    counts.flatMap((n, i) => Array.from({ length: n }, () => event(`a${i + 1}`, "contacts_handled", 1))),
  );
}

const patchVisibility = (t: TeamFixture, body: unknown, board = t.boards.contacts) =>
  api(t.adminKey, "PATCH", `/v1/boards/${board}/visibility`, body);

/** The frames after the last `settings` frame (or all of them). */
const sinceSettings = (frames: readonly ServerFrame[]) => frames.slice(frames.findLastIndex((f) => f.type === "settings") + 1);

describe("visibility settings", () => {
  it("inherit from the org's defaults, which inherit from the product's, and a null field inherits again", async () => {
    const t = await createTeam(2);
    const initial = await json(await api(t.adminKey, "GET", `/v1/boards/${t.boards.contacts}/visibility`), 200);
    expect(initial).toEqual({
      effective: { mode: "top_n_and_me", n: 3, k: 1, showScores: true, anonymise: false },
      overrides: {},
      inherited: { mode: "top_n_and_me", n: 3, k: 1, showScores: true, anonymise: false },
    });
    await json(await api(t.adminKey, "PATCH", "/v1/org/visibility", { mode: "top_n", n: 5 }), 200);
    const board = await json(await patchVisibility(t, { n: 10, anonymise: true }), 200);
    expect(board.effective).toEqual({ mode: "top_n", n: 10, k: 1, showScores: true, anonymise: true });
    expect(board.overrides).toEqual({ n: 10, anonymise: true });
    const reset = await json(await patchVisibility(t, { n: null }), 200);
    expect(reset.effective.n).toBe(5);
    expect(reset.overrides).toEqual({ anonymise: true });
    // Other boards follow the org's defaults; the list shows what is in force.
    const list = await json(await api(t.adminKey, "GET", "/v1/boards"), 200);
    const byId = Object.fromEntries(list.boards.map((b: { id: string; visibility: unknown }) => [b.id, b.visibility]));
    expect(byId[t.boards.csat]).toEqual({ mode: "top_n", n: 5, k: 1, showScores: true, anonymise: false });
    expect(byId[t.boards.contacts]).toEqual({ mode: "top_n", n: 5, k: 1, showScores: true, anonymise: true });
  });

  it("refuses bad settings with a problem naming the field, and changes nothing", async () => {
    const t = await createTeam(2);
    const cases: [unknown, string][] = [
      [{ mode: "top_5" }, "/mode"],
      [{ n: 0 }, "/n"],
      [{ n: 2.5 }, "/n"],
      [{ n: 101 }, "/n"],
      [{ k: -1 }, "/k"],
      [{ showScores: "yes" }, "/showScores"],
      [{ anonymise: true, colour: "red" }, ""],
      [[], ""],
    ];
    for (const [body, path] of cases) {
      const problem = await json(await patchVisibility(t, body), 422);
      expect(problem.errors.map((e: { path: string }) => e.path), JSON.stringify(body)).toContain(path);
    }
    const wrongType = await SELF.fetch(`${BASE}/v1/boards/${t.boards.contacts}/visibility`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "text/plain" },
      body: '{"mode":"hidden"}',
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get("content-type")).toBe("application/problem+json");
    const malformed = await SELF.fetch(`${BASE}/v1/boards/${t.boards.contacts}/visibility`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      body: '{"mode":',
    });
    expect(malformed.status).toBe(400);
    await json(await patchVisibility(t, { mode: "hidden" }, "no-such-board"), 404);
    await json(await api(t.readKey, "PATCH", `/v1/boards/${t.boards.contacts}/visibility`, { mode: "hidden" }), 403);
    expect((await json(await api(t.adminKey, "GET", `/v1/boards/${t.boards.contacts}/visibility`), 200)).overrides).toEqual({});
    expect((await json(await api(t.adminKey, "GET", "/v1/audit"), 200)).entries).toEqual([]);
    const badQuery = await json(await api(t.adminKey, "GET", "/v1/audit?target=everything"), 422);
    expect(badQuery.errors[0].path).toBe("query/target");
  });

  it("records who changed what, when, from what to what; a change that changes nothing leaves no record", async () => {
    const t = await createTeam(2);
    const lead = await createToken(t.adminKey, { role: "admin", name: "Ops admin" });
    await json(await patchVisibility(t, { mode: "top_n", n: 3 }), 200);
    await json(await api(lead.token, "PATCH", `/v1/boards/${t.boards.contacts}/visibility`, { anonymise: true }), 200);
    await json(await patchVisibility(t, { anonymise: true }), 200);
    await json(await api(t.adminKey, "PATCH", "/v1/org/visibility", { showScores: false }), 200);
    const { entries } = await json(await api(t.adminKey, "GET", `/v1/audit?target=board:${t.boards.contacts}`), 200);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ actor: `token:${lead.id}`, target: "board:contacts-day", before: { mode: "top_n", n: 3 }, after: { mode: "top_n", n: 3, anonymise: true } });
    expect(entries[1]).toMatchObject({ actor: expect.stringMatching(/^key:/), before: {}, after: { mode: "top_n", n: 3 } });
    expect(Date.now() - Date.parse(entries[0].at)).toBeLessThan(60_000);
    const all = await json(await api(t.adminKey, "GET", "/v1/audit"), 200);
    expect(all.entries.map((e: { target: string }) => e.target)).toEqual(["org", "board:contacts-day", "board:contacts-day"]);
  });

  it("an agent ranked 7th on a top-3 board receives the top three and their own row, and nothing of anyone else, in any frame", async () => {
    const t = await createTeam(10);
    await json(await patchVisibility(t, { mode: "top_n_and_me", n: 3 }), 200);
    // a1 leads with 28 contacts, a2 has 26, … a10 has 10: a7 is 7th.
    await contacts(t, [28, 26, 24, 22, 20, 18, 16, 14, 12, 10]);
    const { token } = await createToken(t.adminKey, { role: "agent", agentId: "a7" });
    const socket = await connect(t.boards.contacts, token);
    await socket.until(() => socket.frames.length >= 1);

    // Everyone gains, so every row changes, but the order holds.
    for (let round = 0; round < 5; round++) {
      await contacts(t, Array(10).fill(1));
      await new Promise((r) => setTimeout(r, 120));
    }
    await socket.until(() => snapshotOrUpdateWith(socket.frames, 7, 21));
    await json(await patchVisibility(t, { anonymise: true, showScores: false }), 200);
    await socket.until(() => sinceSettings(socket.frames).some((f) => f.type === "snapshot"));
    for (let round = 0; round < 3; round++) {
      await contacts(t, Array(10).fill(1));
      await new Promise((r) => setTimeout(r, 120));
    }
    await socket.until(() => snapshotOrUpdateWith(socket.frames, 7, 24));

    const changeAt = socket.frames.findIndex((f) => f.type === "settings");
    expect(changeAt).toBeGreaterThan(0);
    const hidden = [4, 5, 6, 8, 9, 10];
    socket.raw.forEach((text, i) => {
      for (const n of hidden) {
        expect(text).not.toContain(`"a${n}"`);
        expect(text).not.toContain(`"Agent ${n}"`);
      }
      // After the change the top three are anonymous too.
      if (i > changeAt) for (const n of [1, 2, 3]) (expect(text).not.toContain(`"a${n}"`), expect(text).not.toContain(`"Agent ${n}"`));
    });
    for (const [i, frame] of socket.frames.entries()) {
      const rows = frame.type === "snapshot" ? frame.rows : frame.type === "update" ? frame.changed : [];
      for (const row of rows) {
        expect([1, 2, 3, 7]).toContain(row.place);
        if (row.place === 7) expect(row).toMatchObject({ me: true, agent: { id: "a7" } });
        if (i > changeAt && row.place !== 7) expect(row).toEqual({ rank: row.place, place: row.place, agent: null, label: `Agent #${row.place}` });
      }
    }
    expect(socket.frames.filter((f) => f.type === "update").length).toBeGreaterThanOrEqual(4);
  });

  it("a change reaches every open socket with its new view within a second", async () => {
    const t = await createTeam(6);
    await json(await patchVisibility(t, { mode: "everyone" }), 200);
    await contacts(t, [6, 5, 4, 3, 2, 1]);
    const tokens = {
      agent1: (await createToken(t.adminKey, { role: "agent", agentId: "a1" })).token,
      agent6: (await createToken(t.adminKey, { role: "agent", agentId: "a6" })).token,
      display: (await createToken(t.adminKey, { role: "display", teamIds: ["t1"] })).token,
      lead: (await createToken(t.adminKey, { role: "lead", teamIds: ["t1"] })).token,
    };
    const sockets = Object.fromEntries(await Promise.all(Object.entries(tokens).map(async ([who, token]) => [who, await connect(t.boards.contacts, token)] as const)));
    for (const s of Object.values(sockets)) await s.until(() => s.frames.length >= 1);
    expect((sockets.display!.frames[0] as SnapshotFrame).rows).toHaveLength(6);

    await json(await patchVisibility(t, { mode: "top_n_and_me", n: 2 }), 200);
    const changedAt = performance.now();
    const newView = (who: string) => {
      const s = sockets[who]!;
      const after = s.frames.slice(s.frames.findIndex((f) => f.type === "settings"));
      return after[0]?.type === "settings" ? after.find((f): f is SnapshotFrame => f.type === "snapshot") : undefined;
    };
    for (const who of Object.keys(sockets)) await sockets[who]!.until(() => newView(who) !== undefined, 1000);
    expect(performance.now() - changedAt).toBeLessThan(1000);

    const places = (who: string) => newView(who)!.rows.map((r) => r.place);
    expect(places("agent1")).toEqual([1, 2]);
    expect(places("agent6")).toEqual([1, 2, 6]);
    expect(places("display")).toEqual([1, 2]);
    expect(places("lead")).toEqual([1, 2, 3, 4, 5, 6]);
    for (const who of Object.keys(sockets)) {
      const s = sockets[who]!;
      const settings = s.frames.find((f) => f.type === "settings")!;
      expect(settings).toMatchObject({ visibility: { mode: "top_n_and_me", n: 2 } });
      // The settings frame and the snapshot after it continue the socket's sequence.
      const seqs = s.frames.map((f) => ("seq" in f ? f.seq : -1));
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    }
    // Org defaults reach boards that inherit them, and not boards that set the field themselves.
    const csat = await connect(t.boards.csat, tokens.agent1);
    await csat.until(() => csat.frames.length >= 1);
    await json(await api(t.adminKey, "PATCH", "/v1/org/visibility", { mode: "hidden" }), 200);
    await csat.until(() => sinceSettings(csat.frames).some((f) => f.type === "snapshot"));
    expect(sinceSettings(csat.frames).find((f) => f.type === "snapshot")).toMatchObject({ rows: [], total: null, visibility: { mode: "hidden" } });
    await new Promise((r) => setTimeout(r, 300));
    expect(sockets.agent1!.frames.filter((f) => f.type === "settings")).toHaveLength(1);
  });

  it("an opted-out agent never appears by name or id to other agents or wallboards, but does to leads and to themselves", async () => {
    const t = await createTeam(5);
    await json(await api(t.adminKey, "PATCH", "/v1/org/visibility", { mode: "everyone" }), 200);
    await contacts(t, [5, 4, 3, 2, 1]);
    const a3 = await createToken(t.adminKey, { role: "agent", agentId: "a3" });
    const a5 = await createToken(t.adminKey, { role: "agent", agentId: "a5" });
    const display = await createToken(t.adminKey, { role: "display", teamIds: ["t1"] });
    const lead = await createToken(t.adminKey, { role: "lead", teamIds: ["t1"] });

    const me = await json(await api(a3.token, "PATCH", "/v1/me", { optedOut: true }), 200);
    expect(me).toEqual({ role: "agent", agent: { id: "a3", name: "Agent 3", teamId: "t1", optedOut: true } });
    const colleague = await connect(t.boards.contacts, a5.token);
    const wallboard = await connect(t.boards.contacts, display.token);
    const self = await connect(t.boards.contacts, a3.token);
    for (const s of [colleague, wallboard, self]) await s.until(() => s.frames.length >= 1);
    for (let round = 0; round < 3; round++) {
      await contacts(t, [0, 0, 3, 0, 0]); // a3 climbs to the top
      await new Promise((r) => setTimeout(r, 120));
    }
    await colleague.until(() => snapshotOrUpdateWith(colleague.frames, 1, 12));

    for (const s of [colleague, wallboard]) {
      for (const text of s.raw) {
        expect(text).not.toContain('"a3"');
        expect(text).not.toContain("Agent 3");
      }
    }
    for (const key of [a5.token, display.token]) expect(JSON.stringify(await snapshot(key, t.boards.contacts))).not.toMatch(/"a3"|Agent 3/);
    expect((await snapshot(lead.token, t.boards.contacts)).snapshot.rows[0]).toMatchObject({ agent: { id: "a3", name: "Agent 3" }, optedOut: true });
    const own = (await snapshot(a3.token, t.boards.contacts)).snapshot.rows[0]!;
    expect(own).toEqual({ rank: 1, place: 1, agent: { id: "a3", name: "Agent 3" }, label: "Agent 3", score: 12, me: true });
    expect((await snapshot(a5.token, t.boards.contacts)).snapshot.rows[0]).toEqual({ rank: 1, place: 1, agent: null, label: "Agent #1", score: 12 });

    // Back in: named again, live.
    await json(await api(a3.token, "PATCH", "/v1/me", { optedOut: false }), 200);
    await colleague.until(() => colleague.frames.some((f) => f.type === "update" && f.changed.some((r) => r.agent?.id === "a3")));
    const audit = await json(await api(t.adminKey, "GET", "/v1/audit?target=agent:a3"), 200);
    expect(audit.entries.map((e: { actor: string; after: unknown }) => [e.actor, e.after])).toEqual([
      [`token:${a3.id}`, { optedOut: false }],
      [`token:${a3.id}`, { optedOut: true }],
    ]);
  });

  it("only an agent's own token sets their opt-out", async () => {
    const t = await createTeam(2);
    const lead = await createToken(t.adminKey, { role: "lead", teamIds: ["t1"] });
    for (const key of [t.adminKey, t.readKey, lead.token]) {
      const problem = await json(await api(key, "PATCH", "/v1/me", { optedOut: true }), 403);
      expect(problem.errors[0].path).toBe("header/authorization");
    }
    const agent = await createToken(t.adminKey, { role: "agent", agentId: "a1" });
    const problem = await json(await api(agent.token, "PATCH", "/v1/me", { optedOut: "yes" }), 422);
    expect(problem.errors[0].path).toBe("/optedOut");
    expect((await json(await api(agent.token, "GET", "/v1/me"), 200)).agent.optedOut).toBe(false);
  });
});

/** Whether the frames so far show the row at `place` with `score` (snapshot or update). */
function snapshotOrUpdateWith(frames: readonly ServerFrame[], place: number, score: number): boolean {
  return frames.some(
    (f) => (f.type === "snapshot" ? f.rows : f.type === "update" ? f.changed : []).some((r) => r.place === place && r.score === score),
  );
}
