import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveBoard, type Member } from "../durable-objects/live-board.ts";
import { teamBoard } from "../worker/board-hosts.ts";
import { api, createTeam, createToken, event, eventually, idsAndScores, ingest, json, snapshot, type TeamFixture, travelTo } from "./helpers.ts";

/** Team t1 (a1–a3, the fixture's day boards, Stockholm) and team t2 with Bea (b1) and a contacts day board. */
async function twoTeams(): Promise<TeamFixture> {
  const t = await createTeam(3);
  await json(await api(t.adminKey, "POST", "/v1/teams", { id: "t2", name: "Two", departmentId: "sales" }), 201);
  await json(await api(t.adminKey, "POST", "/v1/agents", { id: "b1", name: "Bea", teamId: "t2" }), 201);
  await json(await api(t.adminKey, "POST", "/v1/boards", { id: "t2-contacts", teamId: "t2", metric: "contacts_handled", period: "day" }), 201);
  return t;
}

/** Tuesday 15 January 2030, noon UTC: a1 moves from t1 to t2 (Stockholm's Tuesday runs 14 Jan 23:00Z – 15 Jan 23:00Z). */
const MOVE_AT = "2030-01-15T12:00:00.000Z";
const contact = (agent: string, occurredAt: string) => event(agent, "contacts_handled", 1, { occurredAt });
const standings = async (t: TeamFixture, board: string) => idsAndScores((await snapshot(t.readKey, board)).snapshot.rows);
const moves = async (t: TeamFixture, agent = "a1") => json(await api(t.adminKey, "GET", `/v1/agents/${agent}/moves`), 200);

/** At 08:00 on Tuesday, a1's move to t2 is scheduled for noon. */
async function scheduleMove(t: TeamFixture) {
  travelTo("2030-01-15T08:00:00Z");
  return json(await api(t.adminKey, "POST", "/v1/agents/a1/moves", { teamId: "t2", effectiveFrom: MOVE_AT }), 201);
}

describe("dated team moves", () => {
  afterEach(() => vi.useRealTimers());

  it("counts a mover's work in each team for team against team, and all of it on the department's board of agents", async () => {
    const t = await twoTeams();
    const rollup = (id: string, ranks: string) => api(t.adminKey, "POST", "/v1/boards", { id, scope: "department", departmentId: "sales", ranks, teamScore: ranks === "teams" ? "total" : undefined, metric: "contacts_handled", period: "day" });
    await json(await rollup("sales-agents", "agents"), 201);
    await json(await rollup("sales-teams", "teams"), 201);
    await scheduleMove(t);
    travelTo("2030-01-15T11:00:00Z");
    await ingest(t.ingestKey, [contact("a1", "2030-01-15T09:00:00Z"), contact("a1", "2030-01-15T10:00:00Z"), contact("a2", "2030-01-15T09:30:00Z")]);
    travelTo("2030-01-15T14:00:00Z");
    await ingest(t.ingestKey, [contact("a1", "2030-01-15T13:00:00Z"), contact("b1", "2030-01-15T13:30:00Z"), contact("b1", "2030-01-15T13:40:00Z")]);
    await eventually(async () => {
      // a1 did 2 contacts in t1 and 1 in t2: 3 in the department, each counted once.
      expect(await standings(t, "sales-agents")).toEqual([["a1", 3], ["b1", 2], ["a2", 1]]);
      expect(await standings(t, "sales-teams")).toEqual([["t1", 3], ["t2", 3]]);
    });
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 2], ["a2", 1]]);
    expect(await standings(t, "t2-contacts")).toEqual([["b1", 2], ["a1", 1]]);
  });

  it("counts events before a scheduled move's date for the old team and after it for the new one; a retry of a pre-move event is a duplicate", async () => {
    const t = await twoTeams();
    expect(await scheduleMove(t)).toEqual({
      agentId: "a1",
      teamId: "t1",
      stints: [
        { teamId: "t1", from: expect.any(String), until: MOVE_AT, status: "current" },
        { teamId: "t2", from: MOVE_AT, until: null, status: "scheduled" },
      ],
    });
    travelTo("2030-01-15T11:00:00Z");
    const beforeMove = [contact("a1", "2030-01-15T09:00:00Z"), contact("a1", "2030-01-15T10:00:00Z")];
    await ingest(t.ingestKey, [...beforeMove, contact("a2", "2030-01-15T09:30:00Z")]);
    expect(await json(await api(t.adminKey, "GET", "/v1/agents/a1"), 200)).toMatchObject({ teamId: "t1" });

    travelTo("2030-01-15T14:00:00Z");
    // Nobody wrote anything since: the directory places a1 in t2 from the date on.
    expect(await json(await api(t.adminKey, "GET", "/v1/agents/a1"), 200)).toMatchObject({ teamId: "t2" });
    const inT2 = await json(await api(t.adminKey, "GET", "/v1/agents?teamId=t2"), 200);
    expect(inT2.agents.map((a: { id: string }) => a.id)).toEqual(["a1", "b1"]);
    expect((await moves(t)).stints.map((s: { status: string }) => s.status)).toEqual(["past", "current"]);

    const afterMove = contact("a1", "2030-01-15T13:00:00Z");
    expect(await ingest(t.ingestKey, [afterMove, beforeMove[0]!])).toEqual({ accepted: 1, duplicates: 1, late: 0 });
    expect(await ingest(t.ingestKey, [afterMove, ...beforeMove])).toEqual({ accepted: 0, duplicates: 3, late: 0 });
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 2], ["a2", 1]]);
    expect(await standings(t, "t2-contacts")).toEqual([["a1", 1]]);
    // An event that arrives late but happened before the move counts for the team the work was done in.
    await ingest(t.ingestKey, [contact("a1", "2030-01-15T11:00:00Z")]);
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 3], ["a2", 1]]);
    expect(await standings(t, "t2-contacts")).toEqual([["a1", 1]]);
  });

  it("keeps the mover ranked on the old team's board for the rest of the period and drops them in the next; the new team ranks them once they score there", async () => {
    const t = await twoTeams();
    await scheduleMove(t);
    travelTo("2030-01-15T11:00:00Z");
    await ingest(t.ingestKey, [contact("a1", "2030-01-15T09:00:00Z"), contact("a1", "2030-01-15T10:00:00Z"), contact("a2", "2030-01-15T09:30:00Z")]);

    travelTo("2030-01-15T14:00:00Z");
    // Renaming a2 makes t1 reload its configuration after the move's date: a1's stint still overlaps today.
    await json(await api(t.adminKey, "PATCH", "/v1/agents/a2", { name: "Agent Two" }), 200);
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 2], ["a2", 1]]);
    expect(await standings(t, "t2-contacts")).toEqual([]);
    await ingest(t.ingestKey, [contact("a1", "2030-01-15T13:00:00Z")]);
    expect(await standings(t, "t2-contacts")).toEqual([["a1", 1]]);

    travelTo("2030-01-16T10:00:00Z");
    await ingest(t.ingestKey, [contact("a1", "2030-01-16T09:00:00Z"), contact("a2", "2030-01-16T09:00:00Z")]);
    expect(await standings(t, t.boards.contacts)).toEqual([["a2", 1]]);
    expect(await standings(t, "t2-contacts")).toEqual([["a1", 1]]);
  });

  it("ranks a member only in periods their stints in the team overlap (LiveBoard)", () => {
    const day = Date.parse("2030-01-15T00:00:00Z");
    const hours = (h: number) => day + h * 3_600_000;
    const members = new Map<string, Member>([
      ["mover", { name: "Mover", spans: [[0, hours(12)]] }],
      ["newcomer", { name: "Newcomer", spans: [[hours(36), null]] }],
      ["stayer", { name: "Stayer", spans: [[0, null]] }],
    ]);
    const config = {
      id: "b",
      name: "b",
      period: "day" as const,
      metric: { key: "m", label: "m", unit: "", aggregation: "count" as const, direction: "higher" as const },
      visibility: { mode: "everyone" as const, n: 3, k: 1, showScores: true, anonymise: false },
    };
    const board = new LiveBoard(config, "UTC", hours(13), members);
    const entry = board.withEvent(undefined, { metric: "m", kind: "add", value: 1, part: "numerator", occurredAt: hours(9) }, 1);
    for (const agent of ["mover", "newcomer", "stayer", "stranger"]) board.put(agent, entry);
    expect(board.ranking.entries().map((s) => s.member).sort()).toEqual(["mover", "stayer"]);
    expect(board.nameOf("mover")).toBe("Mover");
    board.reset(board.periodAt(hours(30)), ["mover", "newcomer", "stayer"].map((agent) => [agent, entry]));
    expect(board.ranking.entries().map((s) => s.member).sort()).toEqual(["newcomer", "stayer"]);
  });

  it("leaves the old team's closed periods as they were; a late pre-move event still revises the old team's period", async () => {
    const t = await twoTeams();
    travelTo("2030-01-14T10:00:00Z");
    await ingest(t.ingestKey, [contact("a1", "2030-01-14T09:00:00Z"), contact("a1", "2030-01-14T09:10:00Z"), contact("a2", "2030-01-14T09:00:00Z")]);
    await scheduleMove(t); // Tuesday 08:00: Monday has closed
    const board = teamBoard(env, t.orgId, "t1");
    await runDurableObjectAlarm(board);
    const history = async (id: string) => json(await api(t.readKey, "GET", `/v1/boards/${id}/history`), 200);
    const before = await history(t.boards.contacts);
    expect(before.periods.map((p: { revision: number; rows: { agent: { id: string }; score: number }[] }) => [p.revision, p.rows.map((r) => [r.agent.id, r.score])])).toEqual([
      [1, [["a1", 2], ["a2", 1]]],
    ]);

    travelTo("2030-01-15T14:00:00Z");
    await json(await api(t.adminKey, "PATCH", "/v1/agents/a3", { name: "Agent Three" }), 200);
    await runDurableObjectAlarm(board);
    expect(await history(t.boards.contacts)).toEqual(before);

    await ingest(t.ingestKey, [contact("a1", "2030-01-14T20:00:00Z")]);
    await runDurableObjectAlarm(board);
    const revised = await history(t.boards.contacts);
    expect(revised.periods[0]).toMatchObject({ period: before.periods[0].period, revision: 2 });
    expect(revised.periods[0].rows.map((r: { agent: { id: string }; score: number }) => [r.agent.id, r.score])).toEqual([["a1", 3], ["a2", 1]]);
    expect((await history("t2-contacts")).periods).toEqual([]);
    expect(await standings(t, "t2-contacts")).toEqual([]);
  });

  it("refuses a move into the past, to an unknown or inactive team, or to the agent's team at that date, and changes nothing", async () => {
    const t = await twoTeams();
    await json(await api(t.adminKey, "POST", "/v1/teams", { id: "t3", name: "Three", departmentId: "sales" }), 201);
    await json(await api(t.adminKey, "DELETE", "/v1/teams/t3"), 200);
    travelTo("2030-01-15T08:00:00Z");
    const before = await moves(t);
    const refused: [unknown, string][] = [
      [{ teamId: "t2", effectiveFrom: "2030-01-15T07:50:00Z" }, "/effectiveFrom"],
      [{ teamId: "t2", effectiveFrom: "yesterday" }, "/effectiveFrom"],
      [{ teamId: "t9" }, "/teamId"],
      [{ teamId: "t3", effectiveFrom: MOVE_AT }, "/teamId"],
      [{ teamId: "t1", effectiveFrom: MOVE_AT }, "/teamId"],
      [{ teamId: "t2", when: MOVE_AT }, ""],
    ];
    for (const [body, path] of refused) {
      const response = await api(t.adminKey, "POST", "/v1/agents/a1/moves", body);
      expect(response.headers.get("content-type"), JSON.stringify(body)).toBe("application/problem+json");
      const problem = await json(response, 422);
      expect(problem.errors.map((e: { path: string }) => e.path), JSON.stringify(body)).toContain(path);
    }
    await json(await api(t.adminKey, "POST", "/v1/agents/ghost/moves", { teamId: "t2" }), 404);
    expect(await moves(t)).toEqual(before);
    await ingest(t.ingestKey, [contact("a1", "2030-01-15T07:59:00Z")]);
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 1]]);

    // Within the clock-skew tolerance a date just past means now.
    const now = await json(await api(t.adminKey, "POST", "/v1/agents/a1/moves", { teamId: "t2", effectiveFrom: "2030-01-15T07:58:00Z" }), 201);
    expect(now.teamId).toBe("t2");
    expect(now.stints.at(-1)).toEqual({ teamId: "t2", from: "2030-01-15T08:00:00.000Z", until: null, status: "current" });
  });

  it("cancels a scheduled move, not one in effect; a new move replaces the scheduled moves at or after its date", async () => {
    const t = await twoTeams();
    await json(await api(t.adminKey, "POST", "/v1/teams", { id: "t3", name: "Three", departmentId: "sales" }), 201);
    await scheduleMove(t);
    const later = { teamId: "t3", effectiveFrom: "2030-01-20T08:00:00Z" };
    await json(await api(t.adminKey, "POST", "/v1/agents/a1/moves", later), 201);
    const teamsFrom = (body: { stints: { teamId: string; from: string }[] }) => body.stints.slice(1).map((s) => [s.teamId, s.from]);
    expect(teamsFrom(await moves(t))).toEqual([["t2", MOVE_AT], ["t3", "2030-01-20T08:00:00.000Z"]]);

    // Earlier than both: replaces them.
    const sooner = await json(await api(t.adminKey, "POST", "/v1/agents/a1/moves", { teamId: "t3", effectiveFrom: "2030-01-15T10:00:00Z" }), 201);
    expect(teamsFrom(sooner)).toEqual([["t3", "2030-01-15T10:00:00.000Z"]]);
    expect(await json(await api(t.adminKey, "DELETE", "/v1/agents/a1/moves/2030-01-15T10:00:00.000Z"), 200)).toMatchObject({
      teamId: "t1",
      stints: [{ teamId: "t1", until: null, status: "current" }],
    });
    await json(await api(t.adminKey, "DELETE", "/v1/agents/a1/moves/2030-01-15T10:00:00.000Z"), 404);
    const bad = await json(await api(t.adminKey, "DELETE", "/v1/agents/a1/moves/tomorrow"), 422);
    expect(bad.errors[0].path).toBe("path/from");

    // Cancelling a move also drops a move back that would only repeat the team before it.
    await json(await api(t.adminKey, "POST", "/v1/agents/a1/moves", { teamId: "t2", effectiveFrom: MOVE_AT }), 201);
    await json(await api(t.adminKey, "POST", "/v1/agents/a1/moves", { teamId: "t1", effectiveFrom: "2030-01-17T08:00:00Z" }), 201);
    expect((await json(await api(t.adminKey, "DELETE", `/v1/agents/a1/moves/${MOVE_AT}`), 200)).stints).toHaveLength(1);

    // The stint in effect cannot be cancelled.
    const first = (await moves(t)).stints[0].from;
    expect((await json(await api(t.adminKey, "DELETE", `/v1/agents/a1/moves/${first}`), 422)).errors[0].path).toBe("path/from");

    travelTo("2030-01-15T14:00:00Z");
    await ingest(t.ingestKey, [contact("a1", "2030-01-15T13:00:00Z")]);
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 1]]);
    expect(await standings(t, "t2-contacts")).toEqual([]);
  });

  it("sends a correction of a pre-move event, made after the move, to the old team, and one of a post-move event to the new team", async () => {
    const t = await twoTeams();
    await scheduleMove(t);
    const low = event("a1", "csat", 2, { occurredAt: "2030-01-15T09:00:00Z" });
    const contacts = [contact("a1", "2030-01-15T09:00:00Z"), contact("a1", "2030-01-15T10:00:00Z")];
    travelTo("2030-01-15T11:00:00Z");
    await ingest(t.ingestKey, [event("a1", "csat", 5, { occurredAt: "2030-01-15T09:30:00Z" }), low, ...contacts]);
    expect(await standings(t, t.boards.csat)).toEqual([["a1", 3.5]]);

    travelTo("2030-01-15T14:00:00Z");
    const afterMove = contact("a1", "2030-01-15T13:00:00Z");
    await ingest(t.ingestKey, [afterMove]);
    const now = new Date().toISOString();
    const set = { id: "set-low", agent: "a1", metric: "csat", kind: "set", ref: low.id, value: 5, occurredAt: now };
    const voidBefore = { id: "void-before", agent: "a1", metric: "contacts_handled", kind: "void", ref: contacts[0]!.id, occurredAt: now };
    const voidAfter = { id: "void-after", agent: "a1", metric: "contacts_handled", kind: "void", ref: afterMove.id, occurredAt: now };
    expect(await ingest(t.ingestKey, [set, voidBefore, voidAfter])).toEqual({ accepted: 3, duplicates: 0, late: 0 });
    expect(await standings(t, t.boards.csat)).toEqual([["a1", 5]]);
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 1]]);
    expect(await standings(t, "t2-contacts")).toEqual([]);
    // Retried, they are duplicates where they were recorded; an original and its correction in one batch go together.
    const late = contact("a1", "2030-01-15T11:00:00Z");
    const voidLate = { id: "void-late", agent: "a1", metric: "contacts_handled", kind: "void", ref: late.id, occurredAt: now };
    expect(await ingest(t.ingestKey, [set, voidBefore, voidAfter, late, voidLate])).toEqual({ accepted: 2, duplicates: 3, late: 0 });
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 1]]);
  });

  it("shows an agent token team B's boards from a scheduled move's date, and refuses team A's", async () => {
    const t = await twoTeams();
    await scheduleMove(t);
    const { token } = await createToken(t.adminKey, { role: "agent", agentId: "a1" });
    const teamsOf = async () => (await json(await api(token, "GET", "/v1/boards"), 200)).boards.map((b: { teamId: string }) => b.teamId);
    expect((await snapshot(token, t.boards.contacts)).snapshot.view).toBe("agent");
    await json(await api(token, "GET", "/v1/boards/t2-contacts"), 403);
    expect(new Set(await teamsOf())).toEqual(new Set(["t1"]));

    travelTo("2030-01-15T14:00:00Z");
    expect((await snapshot(token, "t2-contacts")).snapshot.view).toBe("agent");
    const refused = await json(await api(token, "GET", `/v1/boards/${t.boards.contacts}`), 403);
    expect(refused.errors[0].path).toBe("header/authorization");
    expect(new Set(await teamsOf())).toEqual(new Set(["t2"]));
    expect((await json(await api(token, "GET", "/v1/me"), 200)).agent).toMatchObject({ id: "a1", teamId: "t2" });
  });

  it("counts once an event dated ahead, recorded before an immediate move and retried after it", async () => {
    const t = await twoTeams();
    travelTo("2030-01-15T08:00:00Z");
    const ahead = contact("a1", "2030-01-15T08:04:00Z");
    await ingest(t.ingestKey, [ahead]);
    travelTo("2030-01-15T08:01:00Z");
    await json(await api(t.adminKey, "PATCH", "/v1/agents/a1", { teamId: "t2" }), 200);
    travelTo("2030-01-15T08:02:00Z");
    expect(await ingest(t.ingestKey, [ahead])).toEqual({ accepted: 0, duplicates: 1, late: 0 });
    expect(await ingest(t.ingestKey, [contact("a1", "2030-01-15T08:02:00Z")])).toEqual({ accepted: 1, duplicates: 0, late: 0 });
    expect(await standings(t, t.boards.contacts)).toEqual([["a1", 1]]);
    expect(await standings(t, "t2-contacts")).toEqual([["a1", 1]]);
  });

  it("keeps scheduled moves when an agent is placed in their team now, and replaces them when placed elsewhere", async () => {
    const t = await twoTeams();
    await scheduleMove(t);
    await json(await api(t.adminKey, "PUT", "/v1/agents", { agents: [{ id: "a1", name: "Agent One", teamId: "t1" }] }), 200);
    expect((await moves(t)).stints.map((s: { teamId: string; status: string }) => [s.teamId, s.status])).toEqual([
      ["t1", "current"],
      ["t2", "scheduled"],
    ]);
    travelTo("2030-01-15T09:00:00Z");
    expect(await json(await api(t.adminKey, "PATCH", "/v1/agents/a1", { teamId: "t2" }), 200)).toMatchObject({ teamId: "t2" });
    expect((await moves(t)).stints.map((s: { teamId: string; from: string; status: string }) => [s.teamId, s.status])).toEqual([
      ["t1", "past"],
      ["t2", "current"],
    ]);
    expect((await moves(t)).stints[1].from).toBe("2030-01-15T09:00:00.000Z");
  });
});
