/**
 * Recognition as events arrive and periods close, in the team's Durable Object: points from rules,
 * every kind of badge awarded once, goals and their pace, celebrations and nudges on real sockets.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BadgeAward, CelebrationFrame, GoalProgress, NudgeFrame } from "../protocol/index.ts";
import { teamBoard } from "../worker/board-hosts.ts";
import { api, connect, createKey, createToken, json, travelTo } from "./helpers.ts";
import { accountOf, paths, problem, type Store, storeOrg } from "./recognition-helpers.ts";

interface LiveOrg extends Store {
  ingestKey: string;
}

/** The store org with contacts (count), CSAT (avg) and handle time (avg, lower, 2 to qualify), and day boards of t1. */
async function liveOrg(): Promise<LiveOrg> {
  const s = await storeOrg();
  for (const metric of [
    { key: "contacts_handled", label: "Contacts", aggregation: "count", direction: "higher" },
    { key: "csat", label: "CSAT", aggregation: "avg", direction: "higher" },
    { key: "handle_time_s", label: "Handle time", aggregation: "avg", direction: "lower", minVolume: 2 },
  ]) {
    await json(await api(s.adminKey, "POST", "/v1/metrics", metric), 201);
  }
  await json(await api(s.adminKey, "POST", "/v1/boards", { id: "contacts-day", name: "Contacts today", teamId: "t1", metric: "contacts_handled", period: "day" }), 201);
  await json(await api(s.adminKey, "POST", "/v1/boards", { id: "aht-day", name: "Handle time today", teamId: "t1", metric: "handle_time_s", period: "day" }), 201);
  return { ...s, ingestKey: await createKey(s.adminKey, ["ingest"]) };
}

let counter = 0;
const ev = (agent: string, metric: string, value: number, extra: Record<string, unknown> = {}) => ({
  id: `e${++counter}-${Math.random().toString(36).slice(2, 8)}`,
  agent,
  metric,
  value,
  occurredAt: new Date().toISOString(),
  ...extra,
});
const send = async (s: LiveOrg, events: unknown[]) => json<{ accepted: number; duplicates: number }>(await api(s.ingestKey, "POST", "/v1/events", { events }), 202);
const contacts = (agent: string, n: number) => Array.from({ length: n }, () => ev(agent, "contacts_handled", 1));
/** Drains the team object's outbox (events, closed periods, awards) into D1. */
const drain = (s: Store) => runDurableObjectAlarm(teamBoard(env, s.orgId, "t1"));
const badgesOf = async (s: Store, agentId: string) => (await json<{ awards: BadgeAward[] }>(await api(s.adminKey, "GET", `/v1/agents/${agentId}/badges`), 200)).awards;
const createBadge = async (s: Store, body: Record<string, unknown>) => json<{ id: string }>(await api(s.adminKey, "POST", "/v1/badges", body), 201);

type Notice = CelebrationFrame | NudgeFrame;
const celebrations = (frames: readonly Notice[]) => frames.filter((f): f is CelebrationFrame => f.type === "celebration");
const nudges = (frames: readonly Notice[]) => frames.filter((f): f is NudgeFrame => f.type === "nudge");
/** Lets frames in flight arrive (celebrations go out with the ingest; this waits for stragglers). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("points from rules", () => {
  afterEach(() => vi.useRealTimers());

  it("count once per event however often it arrives, and follow set and void corrections", async () => {
    travelTo("2030-03-12T10:00:00Z");
    const s = await liveOrg();
    await json(await api(s.adminKey, "POST", "/v1/point-rules", { id: "csat-top", metric: "csat", points: 5, min: 5 }), 201);
    await json(await api(s.adminKey, "POST", "/v1/point-rules", { id: "per-contact", metric: "contacts_handled", points: 2 }), 201);
    const top = ev("a1", "csat", 5);
    const low = ev("a1", "csat", 3);
    const batch = [top, low, ...contacts("a1", 3)];
    expect(await send(s, batch)).toMatchObject({ accepted: 5 });
    expect(await send(s, batch)).toMatchObject({ accepted: 0, duplicates: 5 });
    expect(await send(s, contacts("a1", 2))).toMatchObject({ accepted: 2 });
    await drain(s);
    expect((await accountOf(s.adminKey, "a1")).balance).toBe(5 + 5 * 2);

    // The low survey revised to a 5 earns its points; the top one voided loses them.
    await send(s, [ev("a1", "csat", 5, { kind: "set", ref: low.id }), { id: `void-${top.id}`, agent: "a1", metric: "csat", kind: "void", ref: top.id, occurredAt: new Date().toISOString() }]);
    await drain(s);
    const account = await accountOf(s.adminKey, "a1");
    expect(account.balance).toBe(5 + 5 * 2);
    // New events' points are one movement per agent and rule per drain; each correction's are its own.
    const byRule = account.movements.filter((m) => m.kind === "metric_rule").map((m) => [m.points, m.reason]).sort((a, b) => Number(a[0]) - Number(b[0]) || String(a[1]).localeCompare(String(b[1])));
    expect(byRule).toEqual([
      [-5, `Rule csat-top: csat corrected (${top.id})`],
      [5, "Rule csat-top: 1 csat event"],
      [5, `Rule csat-top: csat corrected (${low.id})`],
      [10, "Rule per-contact: 5 contacts_handled events"],
    ]);
    expect(account.movements.every((m) => m.actor === "system")).toBe(true);
    await drain(s);
    expect((await accountOf(s.adminKey, "a1")).balance).toBe(15);
  });
});

describe("points from rules under corrections", () => {
  afterEach(() => vi.useRealTimers());

  it("move only what the corrected event earned: an adjust under a per-event rule, a second void, a set after a void", async () => {
    travelTo("2030-03-12T10:00:00Z");
    const s = await liveOrg();
    await json(await api(s.adminKey, "POST", "/v1/point-rules", { id: "csat-top", metric: "csat", points: 5, min: 5 }), 201);
    await json(await api(s.adminKey, "POST", "/v1/point-rules", { id: "per-contact", metric: "contacts_handled", points: 2 }), 201);
    const survey = ev("a1", "csat", 5);
    const nudge = ev("a1", "contacts_handled", 3, { kind: "adjust" });
    await send(s, [survey, nudge]);
    await drain(s);
    // A per-event rule pays for samples, not for a delta.
    expect((await accountOf(s.adminKey, "a1")).balance).toBe(5);
    const voidOf = (ref: string) => ({ id: `void-${Math.random().toString(36).slice(2)}`, agent: "a1", metric: ref === survey.id ? "csat" : "contacts_handled", kind: "void", ref, occurredAt: new Date().toISOString() });
    await send(s, [voidOf(nudge.id)]);
    await send(s, [voidOf(survey.id)]);
    await send(s, [voidOf(survey.id)]);
    await drain(s);
    expect((await accountOf(s.adminKey, "a1")).balance).toBe(0);
    // Revised to a 5 after the void: earns again, from nothing.
    await send(s, [ev("a1", "csat", 5, { kind: "set", ref: survey.id })]);
    await drain(s);
    const account = await accountOf(s.adminKey, "a1");
    expect(account.balance).toBe(5);
    expect(account.movements.map((m) => m.points).sort((a, b) => a - b)).toEqual([-5, 5, 5]);
  });
});

describe("badges as events arrive", () => {
  afterEach(() => vi.useRealTimers());

  it("a threshold, a first and a goal are celebrated once each, on the sockets that may know, however often the events arrive", async () => {
    travelTo("2030-03-12T10:00:00Z");
    const s = await liveOrg();
    await createBadge(s, { id: "three", name: "Three a day", icon: "🔥", points: 20, rule: { kind: "threshold", metric: "contacts_handled", period: "day", value: 3 } });
    await createBadge(s, { id: "first-csat", name: "First survey", points: 5, rule: { kind: "first", metric: "csat" } });
    await json(await api(s.adminKey, "POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 3, teamId: "t1" }), 201);
    const a1 = await connect("contacts-day", s.agent.a1!);
    const a2 = await connect("contacts-day", s.agent.a2!);
    const lead = await connect("contacts-day", s.lead);
    const wall = await connect("contacts-day", s.display);
    // Another team's agent, on their own team's board: hears nothing of t1.
    await json(await api(s.adminKey, "POST", "/v1/boards", { id: "contacts-day-t2", name: "Contacts today", teamId: "t2", metric: "contacts_handled", period: "day" }), 201);
    const b1 = await connect("contacts-day-t2", (await createToken(s.adminKey, { role: "agent", agentId: "b1" })).token);
    const other = await connect("aht-day", s.lead);

    const batch = [...contacts("a1", 3), ev("a1", "csat", 4)];
    await send(s, batch);
    await a1.until(() => celebrations(a1.recognition).length >= 3);
    await settle();
    const mine = celebrations(a1.recognition);
    expect(mine.map((c) => [c.kind, c.me, c.agent?.id]).sort()).toEqual([
      ["badge", true, "a1"],
      ["badge", true, "a1"],
      ["goal", true, "a1"],
    ]);
    expect(mine.find((c) => c.badge?.id === "three")?.message).toBe("You earned 🔥 Three a day");
    expect(nudges(a1.recognition).map((n) => n.kind)).toEqual(["badge_earned", "badge_earned"]);
    // Pages compose their own language from the fields; `message` is the English of them.
    expect(nudges(a1.recognition).find((n) => n.badge?.id === "three")).toMatchObject({ badge: { name: "Three a day", icon: "🔥" }, points: 20 });
    expect(mine.find((c) => c.kind === "goal")).toMatchObject({ metric: { key: "contacts_handled" }, target: 3, period: "day" });
    // What one batch earned travels together: one `notices` frame per socket, not one frame per notice.
    expect(a1.raw.filter((text) => text.startsWith('{"type":"notices"'))).toHaveLength(1);
    expect(wall.raw.filter((text) => text.startsWith('{"type":"notices"'))).toHaveLength(1);
    const colleague = celebrations(a2.recognition);
    expect(colleague).toHaveLength(3);
    expect(colleague.every((c) => c.agent?.name === "Agent A1" && c.me === undefined)).toBe(true);
    expect(colleague.find((c) => c.badge?.id === "three")?.message).toBe("Agent A1 earned 🔥 Three a day");
    expect(nudges(a2.recognition)).toEqual([]);
    expect(celebrations(lead.recognition)).toHaveLength(3);
    expect(celebrations(wall.recognition)).toHaveLength(3);
    // The same celebration has one id on every socket, so a client with several boards open shows it once.
    expect(celebrations(other.recognition).map((c) => c.id).sort()).toEqual(celebrations(lead.recognition).map((c) => c.id).sort());
    expect(b1.recognition).toEqual([]);
    // Nudges are the agent's own: none on the lead's, the wallboard's or a colleague's sockets.
    for (const socket of [lead, wall, a2, other]) expect(nudges(socket.recognition)).toEqual([]);

    // Retried, and more of the same: nothing is awarded or celebrated again.
    await send(s, batch);
    await send(s, [...contacts("a1", 2), ev("a1", "csat", 5)]);
    await settle();
    expect(celebrations(a1.recognition)).toHaveLength(3);
    await drain(s);
    expect((await badgesOf(s, "a1")).map((a) => [a.badgeId, a.points]).sort()).toEqual([
      ["first-csat", 5],
      ["three", 20],
    ]);
    expect((await accountOf(s.adminKey, "a1")).balance).toBe(25);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM badge_awards WHERE org_id = ?").bind(s.orgId).first<number>("n");
    expect(rows).toBe(2);
    for (const socket of [a1, a2, lead, wall, other, b1]) socket.ws.close();
  });

  it("an opted-out agent's achievement reaches them and their leads only; on an anonymised board colleagues hear of 'a colleague'", async () => {
    travelTo("2030-03-12T10:00:00Z");
    const s = await liveOrg();
    await createBadge(s, { id: "two", name: "Two a day", rule: { kind: "threshold", metric: "contacts_handled", period: "day", value: 2 } });
    await json(await api(s.agent.a2!, "PATCH", "/v1/me", { optedOut: true }), 200);
    const a1 = await connect("contacts-day", s.agent.a1!);
    const a2 = await connect("contacts-day", s.agent.a2!);
    const lead = await connect("contacts-day", s.lead);
    const wall = await connect("contacts-day", s.display);
    await send(s, contacts("a2", 2));
    await lead.until(() => celebrations(lead.recognition).length === 1);
    await a2.until(() => celebrations(a2.recognition).length === 1);
    await settle();
    expect(celebrations(a2.recognition)[0]).toMatchObject({ me: true, agent: { id: "a2" } });
    expect(celebrations(a1.recognition)).toEqual([]);
    expect(celebrations(wall.recognition)).toEqual([]);
    expect(a1.raw.join("")).not.toContain("Agent A2");

    await json(await api(s.adminKey, "PATCH", "/v1/boards/contacts-day/visibility", { anonymise: true }), 200);
    await send(s, contacts("a3", 2));
    const badgeOf = (frames: readonly Notice[]) => celebrations(frames).find((c) => c.kind === "badge");
    await a1.until(() => badgeOf(a1.recognition) !== undefined);
    await wall.until(() => badgeOf(wall.recognition) !== undefined);
    expect(badgeOf(a1.recognition)).toMatchObject({ agent: null, message: "A colleague earned 🏅 Two a day" });
    expect(badgeOf(wall.recognition)).toMatchObject({ agent: null });
    expect(a1.raw.join("")).not.toContain("Agent A3");
    await lead.until(() => celebrations(lead.recognition).some((c) => c.kind === "badge" && c.agent?.id === "a3"));
    for (const socket of [a1, a2, lead, wall]) socket.ws.close();
  });

  it("an achievement on a hidden board, or below a top-N board's N, is not told to colleagues by name", async () => {
    travelTo("2030-03-12T10:00:00Z");
    const s = await liveOrg();
    await json(await api(s.adminKey, "POST", "/v1/goals", { metric: "handle_time_s", period: "day", target: 300, agentId: "a1" }), 201);
    await createBadge(s, { id: "two", name: "Two a day", rule: { kind: "threshold", metric: "contacts_handled", period: "day", value: 2 } });
    await json(await api(s.adminKey, "PATCH", "/v1/boards/aht-day/visibility", { mode: "hidden" }), 200);
    await json(await api(s.adminKey, "PATCH", "/v1/boards/contacts-day/visibility", { mode: "top_n", n: 1 }), 200);
    const a1 = await connect("contacts-day", s.agent.a1!);
    const a2 = await connect("contacts-day", s.agent.a2!);
    const lead = await connect("contacts-day", s.lead);
    // a1's handle-time goal (a hidden board's metric) is met: a1 and their lead hear of it, a2 does not.
    await send(s, [ev("a1", "handle_time_s", 250), ev("a1", "handle_time_s", 270)]);
    await a1.until(() => celebrations(a1.recognition).some((c) => c.kind === "goal"));
    await lead.until(() => celebrations(lead.recognition).some((c) => c.kind === "goal"));
    // a3 leads the top-1 board; a2 then reaches two contacts in second place: colleagues hear of "a colleague".
    await send(s, contacts("a3", 3));
    await send(s, contacts("a2", 2));
    await a1.until(() => celebrations(a1.recognition).filter((c) => c.kind === "badge").length === 2);
    await settle();
    expect(celebrations(a2.recognition).filter((c) => c.kind === "goal")).toEqual([]);
    const badges = celebrations(a1.recognition).filter((c) => c.kind === "badge");
    expect(badges.map((c) => [c.agent?.id ?? null, c.message])).toEqual([
      ["a3", "Agent A3 earned 🏅 Two a day"],
      [null, "A colleague earned 🏅 Two a day"],
    ]);
    expect(a2.raw.join("")).not.toContain("Handle time");
    for (const socket of [a1, a2, lead]) socket.ws.close();
  });

  it("a lower-is-better threshold counts only once the agent qualifies", async () => {
    travelTo("2030-03-12T10:00:00Z");
    const s = await liveOrg();
    await createBadge(s, { id: "quick", name: "Quick and right", rule: { kind: "threshold", metric: "handle_time_s", period: "day", value: 200 } });
    await send(s, [ev("a1", "handle_time_s", 30)]);
    await drain(s);
    expect(await badgesOf(s, "a1")).toEqual([]);
    await send(s, [ev("a1", "handle_time_s", 250)]);
    await drain(s);
    expect((await badgesOf(s, "a1")).map((a) => a.badgeId)).toEqual(["quick"]);
  });
});

describe("streaks", () => {
  afterEach(() => vi.useRealTimers());

  it("count working days in a row, skipping a weekend and a holiday; a missed working day breaks them", async () => {
    travelTo("2030-03-14T09:00:00Z"); // Thursday
    const s = await liveOrg();
    await json(await api(s.adminKey, "PATCH", "/v1/org", { holidays: ["2030-03-18"] }), 200); // Monday
    await json(await api(s.adminKey, "POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 1, teamId: "t1" }), 201);
    await createBadge(s, { id: "streak3", name: "Three days running", points: 30, rule: { kind: "streak", metric: "contacts_handled", days: 3 } });
    // a1 meets the goal Thursday, Friday and Tuesday; a2 Thursday and Tuesday only.
    for (const [day, agents] of [
      ["2030-03-14T09:00:00Z", ["a1", "a2"]],
      ["2030-03-15T09:00:00Z", ["a1"]],
      ["2030-03-16T09:00:00Z", ["a3"]], // Saturday: not a working day
      ["2030-03-19T09:00:00Z", ["a1", "a2"]],
    ] as const) {
      travelTo(day);
      await send(s, agents.flatMap((a) => contacts(a, 1)));
      if (day.startsWith("2030-03-15")) {
        await drain(s);
        expect(await badgesOf(s, "a1")).toEqual([]);
      }
    }
    await drain(s);
    const won = await badgesOf(s, "a1");
    expect(won.map((a) => [a.badgeId, a.periodStart, a.reason])).toEqual([["streak3", "2030-03-18T23:00:00.000Z", "Daily Contacts goal met 3 working days in a row"]]);
    expect(await badgesOf(s, "a2")).toEqual([]);
    expect((await accountOf(s.adminKey, "a1")).balance).toBe(30);
  });
});

describe("badges at period close", () => {
  afterEach(() => vi.useRealTimers());

  it("the day's top rank and the biggest climb from the previous day are awarded when the period closes", async () => {
    travelTo("2030-03-12T09:00:00Z");
    const s = await liveOrg();
    await createBadge(s, { id: "top", name: "Top Performer", icon: "🏆", points: 50, rule: { kind: "rank", board: "contacts-day", rank: 1 } });
    await createBadge(s, { id: "climber", name: "Fast Climber", icon: "🚀", rule: { kind: "climb", board: "contacts-day" } });
    await send(s, [...contacts("a1", 3), ...contacts("a2", 2), ...contacts("a3", 1)]);
    travelTo("2030-03-13T09:00:00Z");
    await drain(s);
    await send(s, [...contacts("a3", 5), ...contacts("a1", 2), ...contacts("a2", 1)]);
    travelTo("2030-03-14T09:00:00Z");
    await drain(s);
    await drain(s);
    const ids = async (agent: string) => (await badgesOf(s, agent)).map((a) => [a.badgeId, a.periodStart]).sort();
    expect(await ids("a1")).toEqual([["top", "2030-03-11T23:00:00.000Z"]]);
    expect(await ids("a3")).toEqual([
      ["climber", "2030-03-12T23:00:00.000Z"],
      ["top", "2030-03-12T23:00:00.000Z"],
    ]);
    expect(await ids("a2")).toEqual([]);
    expect((await accountOf(s.adminKey, "a3")).balance).toBe(50);
  });

  it("are awarded too when the object learns of the close by reloading its configuration (as after an eviction)", async () => {
    travelTo("2030-03-12T09:00:00Z");
    const s = await liveOrg();
    await createBadge(s, { id: "top", name: "Top Performer", icon: "🏆", points: 50, rule: { kind: "rank", board: "contacts-day", rank: 1 } });
    await send(s, [...contacts("a1", 3), ...contacts("a2", 1)]);
    await drain(s);
    travelTo("2030-03-13T09:00:00Z");
    // Before any event or alarm of the new day, someone asks for goal progress: the object reloads
    // its (stale) configuration and builds its boards in the new period first.
    await json(await api(s.adminKey, "GET", "/v1/goals/progress?teamId=t1"), 200);
    await drain(s);
    await drain(s);
    expect((await badgesOf(s, "a1")).map((a) => [a.badgeId, a.periodStart])).toEqual([["top", "2030-03-11T23:00:00.000Z"]]);
    expect(await badgesOf(s, "a2")).toEqual([]);
    expect((await accountOf(s.adminKey, "a1")).balance).toBe(50);
  });
});

describe("nudges and goals", () => {
  afterEach(() => vi.useRealTimers());

  it("overtaken, within reach and close to goal go to the agent's own socket only", async () => {
    travelTo("2030-03-12T10:00:00Z");
    const s = await liveOrg();
    await json(await api(s.adminKey, "POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 5, agentId: "a2" }), 201);
    const a1 = await connect("contacts-day", s.agent.a1!);
    const a2 = await connect("contacts-day", s.agent.a2!);
    const a3 = await connect("contacts-day", s.agent.a3!);
    await send(s, contacts("a1", 3));
    await send(s, contacts("a2", 2));
    await a2.until(() => nudges(a2.recognition).some((n) => n.kind === "within_reach"));
    expect(nudges(a2.recognition).find((n) => n.kind === "within_reach")?.message).toBe("#1 on Contacts today is within reach: 1 to go");
    expect(nudges(a2.recognition).find((n) => n.kind === "within_reach")).toMatchObject({ board: "contacts-day", rank: 1, gap: 1 });
    await send(s, contacts("a2", 2));
    await a1.until(() => nudges(a1.recognition).some((n) => n.kind === "overtaken"));
    expect(nudges(a1.recognition).find((n) => n.kind === "overtaken")?.message).toBe("You were overtaken on Contacts today: you are now #2");
    expect(nudges(a1.recognition).find((n) => n.kind === "overtaken")?.rank).toBe(2);
    await a2.until(() => nudges(a2.recognition).some((n) => n.kind === "close_to_goal"));
    expect(nudges(a2.recognition).find((n) => n.kind === "close_to_goal")?.message).toBe("1 more Contacts to your goal of 5");
    expect(nudges(a2.recognition).find((n) => n.kind === "close_to_goal")).toMatchObject({ gap: 1, target: 5, metric: { key: "contacts_handled", label: "Contacts" } });
    await settle();
    expect(nudges(a3.recognition)).toEqual([]);
    expect(nudges(a1.recognition).every((n) => n.kind === "overtaken")).toBe(true);

    // First place taken from someone is the team's news (alone on the board, a1 took it from no one).
    expect(celebrations(a3.recognition).filter((c) => c.kind === "first_place").map((c) => c.agent?.id)).toEqual(["a2"]);
    // Scores hidden: the gap would tell the score ahead, so the nudge leaves it out. Only the agent's own row shown: no rank news.
    await json(await api(s.adminKey, "PATCH", "/v1/boards/contacts-day/visibility", { showScores: false }), 200);
    await send(s, contacts("a3", 2)); // a3 at 2, one behind a1 at #2
    await a3.until(() => nudges(a3.recognition).some((n) => n.kind === "within_reach"));
    expect(nudges(a3.recognition).find((n) => n.kind === "within_reach")?.message).toBe("#2 on Contacts today is within reach");
    expect(nudges(a3.recognition).find((n) => n.kind === "within_reach")).not.toHaveProperty("gap");
    await json(await api(s.adminKey, "PATCH", "/v1/boards/contacts-day/visibility", { mode: "only_me", showScores: true }), 200);
    const before = nudges(a2.recognition).length;
    await send(s, contacts("a3", 3)); // a3 at 5 passes a2 at 4, who was never overtaken before
    await settle();
    expect(nudges(a2.recognition)).toHaveLength(before);
    for (const socket of [a1, a2, a3]) socket.ws.close();
  });

  it("progress shows who is behind pace: an agent their own, a lead the team's", async () => {
    travelTo("2030-03-12T11:00:00Z"); // 12:00 in Stockholm: half the day gone
    const s = await liveOrg();
    await json(await api(s.adminKey, "POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 10, teamId: "t1" }), 201);
    await json(await api(s.adminKey, "POST", "/v1/goals", { metric: "handle_time_s", period: "day", target: 300, agentId: "a1" }), 201);
    await send(s, [...contacts("a1", 6), ...contacts("a2", 4), ev("a1", "handle_time_s", 320), ev("a1", "handle_time_s", 340)]);
    const own = (await json<{ progress: GoalProgress[] }>(await api(s.agent.a1!, "GET", "/v1/goals/progress"), 200)).progress;
    expect(own.map((p) => [p.metric, p.score, p.target, p.expected, p.behindPace, p.reached]).sort()).toEqual([
      ["contacts_handled", 6, 10, 5, false, false],
      ["handle_time_s", 330, 300, 300, true, false],
    ]);
    expect(own[0]!.elapsed).toBe(0.5);
    const team = (await json<{ progress: GoalProgress[] }>(await api(s.lead, "GET", "/v1/goals/progress?teamId=t1"), 200)).progress;
    const behind = team.filter((p) => p.metric === "contacts_handled" && p.behindPace).map((p) => p.agentId).sort();
    expect(behind).toEqual(["a2", "a3"]);
    await json(await api(s.otherLead, "GET", "/v1/goals/progress?teamId=t1"), 403);
    await json(await api(s.agent.a2!, "GET", "/v1/goals/progress?agentId=a1"), 403);

    // The team works 09:00-17:00: at 12:00 three of its eight hours are gone, and a2's 4 of 10 is on pace.
    expect(paths(await problem(await api(s.adminKey, "PATCH", "/v1/teams/t1", { shift: { start: "9:00", end: "17:00" } }), 422))).toEqual(["/shift/start"]);
    expect(paths(await problem(await api(s.adminKey, "PATCH", "/v1/teams/t1", { shift: { start: "09:00", end: "09:00" } }), 422))).toEqual(["/shift/end"]);
    expect(await json(await api(s.adminKey, "PATCH", "/v1/teams/t1", { shift: { start: "09:00", end: "17:00" } }), 200)).toMatchObject({ shift: { start: "09:00", end: "17:00" } });
    const shifted = (await json<{ progress: GoalProgress[] }>(await api(s.lead, "GET", "/v1/goals/progress?teamId=t1"), 200)).progress.filter((p) => p.metric === "contacts_handled");
    expect(shifted.find((p) => p.agentId === "a2")).toMatchObject({ elapsed: 0.375, expected: 3.75, behindPace: false });
    expect(shifted.filter((p) => p.behindPace).map((p) => p.agentId)).toEqual(["a3"]);
    expect(await json(await api(s.adminKey, "PATCH", "/v1/teams/t1", { shift: null }), 200)).toMatchObject({ shift: null });

    // Without a team named: every team the caller covers, each agent named.
    await json(await api(s.adminKey, "POST", "/v1/boards", { id: "contacts-day-t2", name: "Contacts today", teamId: "t2", metric: "contacts_handled", period: "day" }), 201);
    await json(await api(s.adminKey, "POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 8, teamId: "t2" }), 201);
    await send(s, contacts("b1", 5));
    const progressOf = async (key: string) =>
      (await json<{ progress: GoalProgress[] }>(await api(key, "GET", "/v1/goals/progress"), 200)).progress
        .filter((p) => p.metric === "contacts_handled")
        .map((p) => [p.teamId, p.agentId, p.agentName, p.target, p.behindPace])
        .sort();
    const t1 = [
      ["t1", "a1", "Agent A1", 10, false],
      ["t1", "a2", "Agent A2", 10, true],
      ["t1", "a3", "Agent A3", 10, true],
    ];
    const t2 = [
      ["t2", "b1", "Agent B1", 8, false],
      ["t2", "b2", "Agent B2", 8, true],
    ];
    expect(await progressOf(s.lead)).toEqual(t1);
    expect(await progressOf(s.otherLead)).toEqual(t2);
    expect(await progressOf(s.manager)).toEqual([...t1, ...t2]);
  });

  it("kudos received are celebrated to the team", async () => {
    travelTo("2030-03-12T10:00:00Z");
    const s = await liveOrg();
    const a3 = await connect("contacts-day", s.agent.a3!);
    await json(await api(s.agent.a1!, "POST", "/v1/kudos", { to: "a2", message: "Thanks for covering" }), 201);
    await a3.until(() => celebrations(a3.recognition).length === 1);
    expect(celebrations(a3.recognition)[0]).toMatchObject({ kind: "kudos", agent: { id: "a2" }, note: "Thanks for covering", message: "Agent A2 received kudos: “Thanks for covering”" });
    a3.ws.close();
  });
});
