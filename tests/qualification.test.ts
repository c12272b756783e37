import { describe, expect, it } from "vitest";
import type { SnapshotFrame } from "../protocol/index.ts";
import { api, connect, createTeam, createToken, event, idsAndScores, ingest, json, snapshot } from "./helpers.ts";

describe("minimum volume", () => {
  it("one short call does not top the handle-time board: below the minimum an agent is listed with progress, not ranked", async () => {
    const t = await createTeam(3);
    const metric = await json(await api(t.adminKey, "PATCH", "/v1/metrics/handle_time_s", { minVolume: 3 }), 200);
    expect(metric.minVolume).toBe(3);
    const calls = (agent: string, seconds: number[]) => seconds.map((s) => event(agent, "handle_time_s", s));
    await ingest(t.ingestKey, [...calls("a1", [30]), ...calls("a2", [300, 320, 280]), ...calls("a3", [200, 220])]);

    const full = (await snapshot(t.readKey, t.boards.handleTime)).snapshot;
    expect(idsAndScores(full.rows)).toEqual([["a2", 300]]);
    expect(full.total).toBe(1);
    expect(full.header.metric.minVolume).toBe(3);
    expect(full.qualifying).toEqual([
      { agent: { id: "a3", name: "Agent 3" }, label: "Agent 3", volume: 2, required: 3 },
      { agent: { id: "a1", name: "Agent 1" }, label: "Agent 1", volume: 1, required: 3 },
    ]);

    // The agent sees their own progress and nobody else's; a wallboard sees none.
    await json(await api(t.adminKey, "PATCH", `/v1/boards/${t.boards.handleTime}/visibility`, { mode: "everyone" }), 200);
    const a1 = await createToken(t.adminKey, { role: "agent", agentId: "a1" });
    const own = (await snapshot(a1.token, t.boards.handleTime)).snapshot;
    expect(own.qualifying).toEqual([{ agent: { id: "a1", name: "Agent 1" }, label: "Agent 1", volume: 1, required: 3, me: true }]);
    const display = await createToken(t.adminKey, { role: "display", teamIds: ["t1"] });
    expect((await snapshot(display.token, t.boards.handleTime)).snapshot.qualifying).toEqual([]);

    // Two more calls qualify a1, live: their progress leaves the list and their row enters the board.
    const socket = await connect(t.boards.handleTime, a1.token);
    await socket.until(() => socket.frames.length >= 1);
    await ingest(t.ingestKey, calls("a1", [90, 60]));
    await socket.until(() => socket.frames.some((f) => f.type === "update" && f.qualifying?.length === 0));
    const update = socket.frames.find((f) => f.type === "update" && f.qualifying !== undefined)!;
    expect(update).toMatchObject({
      type: "update",
      qualifying: [],
      changed: [
        { place: 1, agent: { id: "a1" }, score: 60, me: true },
        { place: 2, agent: { id: "a2" }, score: 300 },
      ],
    });
    expect(idsAndScores((await snapshot(t.readKey, t.boards.handleTime)).snapshot.rows)).toEqual([["a1", 60], ["a2", 300]]);
  });

  it("counts a ratio's denominator towards the minimum, and applies a new minimum to boards at once", async () => {
    const t = await createTeam(2);
    await json(await api(t.adminKey, "POST", "/v1/metrics", { key: "fcr", label: "FCR", unit: "%", aggregation: "ratio", minVolume: 2 }), 201);
    await json(await api(t.adminKey, "POST", "/v1/boards", { id: "fcr-day", teamId: "t1", metric: "fcr", period: "day" }), 201);
    const part = (agent: string, p: "numerator" | "denominator") => ({ ...event(agent, "fcr", 1), part: p });
    await ingest(t.ingestKey, [part("a1", "denominator"), part("a1", "numerator"), part("a2", "denominator"), part("a2", "denominator"), part("a2", "numerator")]);
    let view: SnapshotFrame = (await snapshot(t.readKey, "fcr-day")).snapshot;
    expect(idsAndScores(view.rows)).toEqual([["a2", 50]]);
    expect(view.qualifying.map((q) => [q.agent?.id, q.volume])).toEqual([["a1", 1]]);
    await json(await api(t.adminKey, "PATCH", "/v1/metrics/fcr", { minVolume: 0 }), 200);
    view = (await snapshot(t.readKey, "fcr-day")).snapshot;
    expect(idsAndScores(view.rows)).toEqual([["a1", 100], ["a2", 50]]);
    expect(view.qualifying).toEqual([]);
    const refused = await json(await api(t.adminKey, "PATCH", "/v1/metrics/fcr", { minVolume: -1 }), 422);
    expect(refused.errors[0].path).toBe("/minVolume");
  });
});
