import { env, evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ServerFrame } from "../protocol/index.ts";
import { teamBoard } from "../worker/board-hosts.ts";
import { api, BASE, connect, createTeam, event, idsAndScores, ingest, json, replay, snapshot } from "./helpers.ts";

describe("live board over a WebSocket", () => {
  it("sends a snapshot on connect, then an update with the next sequence number", async () => {
    const t = await createTeam(3);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1)]);
    const socket = await connect(t.boards.contacts, t.readKey);
    await socket.until(() => socket.frames.length >= 1);
    const snapshot = socket.frames[0]!;
    expect(snapshot).toMatchObject({ type: "snapshot", board: t.boards.contacts, total: 1, rows: [{ agent: { id: "a1", name: "Agent 1" }, score: 1, rank: 1 }] });

    await ingest(t.ingestKey, [event("a2", "contacts_handled", 1), event("a2", "contacts_handled", 1)]);
    await socket.until(() => socket.frames.length >= 2);
    const update = socket.frames[1]!;
    expect(update.type).toBe("update");
    if (update.type !== "update" || snapshot.type !== "snapshot") throw new Error("unexpected frames");
    expect(update.seq).toBe(snapshot.seq + 1);
    expect(update.changed).toEqual([
      // a2 is new on the board; a1 fell one place.
      { agent: { id: "a2", name: "Agent 2" }, label: "Agent 2", rank: 1, place: 1, score: 2 },
      { agent: { id: "a1", name: "Agent 1" }, label: "Agent 1", rank: 2, place: 2, score: 1, change: -1 },
    ]);
    expect(update.total).toBe(2);
    socket.ws.close();
  });

  it("coalesces a burst of events into a few updates", async () => {
    const t = await createTeam(5);
    const socket = await connect(t.boards.contacts, t.readKey);
    await socket.until(() => socket.frames.length >= 1);
    for (let i = 0; i < 40; i++) await ingest(t.ingestKey, [event(`a${(i % 5) + 1}`, "contacts_handled", 1)]);
    await socket.until(() => {
      const last = socket.frames.at(-1)!;
      return last.type === "update" && last.changed.some((r) => r.score === 8) && socket.frames.length > 1;
    });
    await new Promise((r) => setTimeout(r, 300));
    const updates = socket.frames.filter((f) => f.type === "update");
    expect(updates.length).toBeLessThan(40);
    // Sequence numbers are consecutive: nothing skipped, nothing repeated.
    expect(socket.frames.map((f) => ("seq" in f ? f.seq : -1))).toEqual(socket.frames.map((_, i) => (socket.frames[0] as { seq: number }).seq + i));
    // Replaying the frames yields the board the REST snapshot shows.
    expect(replay(socket.frames).map((r) => r.score)).toEqual([8, 8, 8, 8, 8]);
    socket.ws.close();
  });

  it("pages a large audience in slices: every socket of 300 sees every change, with consecutive sequence numbers", async () => {
    const t = await createTeam(3);
    const sockets = [];
    for (let i = 0; i < 300; i++) sockets.push(await connect(t.boards.contacts, t.readKey));
    for (let round = 1; round <= 5; round++) {
      await ingest(t.ingestKey, [event("a1", "contacts_handled", 1), event(`a${(round % 3) + 1}`, "contacts_handled", 1)]);
    }
    const expected = idsAndScores((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows);
    for (const socket of sockets) {
      await socket.until(() => JSON.stringify(idsAndScores(replay(socket.frames))) === JSON.stringify(expected));
      const seqs = socket.frames.map((f) => ("seq" in f ? f.seq : -1));
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
      socket.ws.close();
    }
  });

  it("answers resync with a snapshot at the current sequence number", async () => {
    const t = await createTeam(2);
    const socket = await connect(t.boards.contacts, t.readKey);
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1)]);
    await socket.until(() => socket.frames.some((f) => f.type === "update"));
    socket.send({ type: "resync" });
    await socket.until(() => socket.frames.filter((f) => f.type === "snapshot").length === 2);
    const last = socket.frames.at(-1)!;
    expect(last).toMatchObject({ type: "snapshot", seq: (socket.frames[1] as { seq: number }).seq, rows: [{ agent: { id: "a1" }, score: 1 }] });
    socket.ws.close();
  });

  it("answers ping with pong", async () => {
    const t = await createTeam(1);
    const socket = await connect(t.boards.contacts, t.readKey);
    socket.send({ type: "ping" });
    socket.send('{ "type": "ping" }');
    await socket.until(() => socket.frames.filter((f) => f.type === "pong").length === 2);
    socket.ws.close();
  });

  it("refuses an unknown frame with an error frame and keeps the socket open", async () => {
    const t = await createTeam(1);
    const socket = await connect(t.boards.contacts, t.readKey);
    socket.send({ type: "subscribe", board: "other" });
    socket.send("not json");
    await socket.until(() => socket.frames.filter((f) => f.type === "error").length === 2);
    expect(socket.frames.find((f) => f.type === "error")).toMatchObject({ code: "bad_frame" });
    expect(socket.closed()).toBeNull();
    socket.ws.close();
  });

  it("disconnects a client that floods", async () => {
    const t = await createTeam(1);
    const socket = await connect(t.boards.contacts, t.readKey);
    for (let i = 0; i < 40; i++) socket.send({ type: "resync" });
    await socket.until(() => socket.closed() !== null);
    expect(socket.closed()).toEqual({ code: 1008 });
    expect(socket.frames.at(-1)).toMatchObject({ type: "error", code: "rate_limited" });
  });

  it("keeps sockets across hibernation and sends a fresh snapshot after waking", async () => {
    const t = await createTeam(2);
    const socket = await connect(t.boards.contacts, t.readKey);
    await socket.until(() => socket.frames.length >= 1);
    await evictDurableObject(teamBoard(env, t.orgId, t.teamId), { webSockets: "hibernate" });
    await ingest(t.ingestKey, [event("a2", "contacts_handled", 1)]);
    await socket.until(() => socket.frames.length >= 2);
    expect(socket.frames[1]).toMatchObject({ type: "snapshot", rows: [{ agent: { id: "a2" }, score: 1 }] });
    expect(socket.closed()).toBeNull();
    socket.ws.close();
  });

  describe("the handshake is authenticated before it reaches the board", () => {
    /** Browsers cannot read a refused handshake's status, so refusals arrive as an error frame and a 44xx close. */
    async function refused(board: string, token?: string) {
      const url = `${BASE}/v1/boards/${board}/live${token ? `?token=${encodeURIComponent(token)}` : ""}`;
      const response = await SELF.fetch(url, { headers: { upgrade: "websocket" } });
      expect(response.status).toBe(101);
      const ws = response.webSocket!;
      const frames: unknown[] = [];
      const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
      ws.addEventListener("message", (m) => frames.push(ServerFrame.parse(JSON.parse(m.data as string))));
      ws.accept();
      const code = await closed;
      return { code, frames };
    }

    it("without a token the socket is refused with 4401", async () => {
      const t = await createTeam(1);
      expect(await refused(t.boards.contacts)).toMatchObject({ code: 4401, frames: [{ type: "error", code: "unauthorized" }] });
    });

    it("with a revoked key the socket is refused with 4401", async () => {
      const t = await createTeam(1);
      const { id, key } = await json<{ id: string; key: string }>(await api(t.adminKey, "POST", "/v1/keys", { name: "wallboard", scopes: ["read"] }), 201);
      await json(await api(t.adminKey, "DELETE", `/v1/keys/${id}`), 200);
      expect(await refused(t.boards.contacts, key)).toMatchObject({ code: 4401 });
    });

    it("with a key lacking the read scope the socket is refused with 4403", async () => {
      const t = await createTeam(1);
      expect(await refused(t.boards.contacts, t.ingestKey)).toMatchObject({ code: 4403, frames: [{ type: "error", code: "forbidden" }] });
    });

    it("for another org's board the socket is refused with 4404, carrying nothing of that board", async () => {
      const t = await createTeam(1);
      const other = await createTeam(1);
      await json(await api(other.adminKey, "POST", "/v1/boards", { id: "only-theirs", teamId: "t1", metric: "csat", period: "week" }), 201);
      const result = await refused("only-theirs", t.readKey);
      expect(result).toMatchObject({ code: 4404, frames: [{ type: "error", code: "not_found" }] });
      expect(result.frames).toHaveLength(1);
      const theirs = await connect("only-theirs", other.readKey);
      await theirs.until(() => theirs.frames.length >= 1);
      expect(theirs.frames[0]).toMatchObject({ type: "snapshot", board: "only-theirs" });
      theirs.ws.close();
    });

    it("without an upgrade header it is a 426 problem", async () => {
      const t = await createTeam(1);
      const response = await SELF.fetch(`${BASE}/v1/boards/${t.boards.contacts}/live?token=${t.readKey}`);
      expect(await json(response, 426)).toMatchObject({ status: 426 });
    });
  });

  it("a snapshot names the team and the org's time zone", async () => {
    const t = await createTeam(1);
    const socket = await connect(t.boards.contacts, t.readKey);
    await socket.until(() => socket.frames.length >= 1);
    expect(socket.frames[0]).toMatchObject({ type: "snapshot", header: { team: { id: "t1", name: "Team One" }, timeZone: "Europe/Stockholm" } });
    socket.ws.close();
  });
});
