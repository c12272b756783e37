/** Badges, goals and point rules as admins define them, and badges leads award by hand. */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Badge, BadgeAward, Goal, PointRule } from "../protocol/index.ts";
import { api, json, travelTo } from "./helpers.ts";
import { accountOf, agentToken, paths, problem, type Store, storeOrg } from "./recognition-helpers.ts";

/** The store org with two metrics and a day board of contacts for team t1. */
async function recognitionOrg(): Promise<Store> {
  const s = await storeOrg();
  await json(await api(s.adminKey, "POST", "/v1/metrics", { key: "contacts_handled", label: "Contacts", aggregation: "count", direction: "higher" }), 201);
  await json(await api(s.adminKey, "POST", "/v1/metrics", { key: "csat", label: "CSAT", aggregation: "avg", direction: "higher" }), 201);
  await json(await api(s.adminKey, "POST", "/v1/boards", { id: "contacts-day", teamId: "t1", metric: "contacts_handled", period: "day" }), 201);
  return s;
}

const createBadge = async (s: Store, body: Record<string, unknown>) => json<Badge>(await api(s.adminKey, "POST", "/v1/badges", body), 201);

describe("badges", () => {
  it("admins define badges by validated rules of every kind; bad rules are refused at the field", async () => {
    const s = await recognitionOrg();
    const rules = [
      { kind: "threshold", metric: "contacts_handled", period: "day", value: 50 },
      { kind: "streak", metric: "contacts_handled", days: 5 },
      { kind: "rank", board: "contacts-day", rank: 1 },
      { kind: "climb", board: "contacts-day" },
      { kind: "first", metric: "csat" },
      { kind: "manual" },
    ];
    for (const rule of rules) {
      const badge = await createBadge(s, { name: `Badge ${rule.kind}`, points: 10, rule });
      expect(badge).toMatchObject({ rule, points: 10, icon: "🏅", active: true });
    }
    const bad: [Record<string, unknown>, string][] = [
      [{ name: "X", rule: { kind: "lucky" } }, "/rule/kind"],
      [{ name: "X", rule: { kind: "threshold", metric: "contacts_handled", period: "day" } }, "/rule/value"],
      [{ name: "X", rule: { kind: "threshold", metric: "contacts_handled", period: "fortnight", value: 5 } }, "/rule/period"],
      [{ name: "X", rule: { kind: "threshold", metric: "sales", period: "day", value: 5 } }, "/rule/metric"],
      [{ name: "X", rule: { kind: "streak", metric: "contacts_handled", days: 1 } }, "/rule/days"],
      [{ name: "X", rule: { kind: "rank", board: "nope", rank: 1 } }, "/rule/board"],
      [{ name: "X", rule: { kind: "rank", board: "contacts-day", rank: 0 } }, "/rule/rank"],
      [{ name: "X", rule: { kind: "manual", extra: 1 } }, "/rule"],
      [{ name: "X", points: -1, rule: { kind: "manual" } }, "/points"],
      [{ name: "X" }, "/rule"],
    ];
    for (const [body, path] of bad) expect(paths(await problem(await api(s.adminKey, "POST", "/v1/badges", body), 422)), JSON.stringify(body)).toContain(path);
    await problem(await api(s.lead, "POST", "/v1/badges", { name: "X", rule: { kind: "manual" } }), 403);
    expect((await json<{ badges: Badge[] }>(await api(s.agent.a1!, "GET", "/v1/badges"), 200)).badges).toHaveLength(rules.length);
    await problem(await api(s.display, "GET", "/v1/badges"), 403);

    const [first] = (await json<{ badges: Badge[] }>(await api(s.adminKey, "GET", "/v1/badges"), 200)).badges;
    expect(await json(await api(s.adminKey, "PATCH", `/v1/badges/${first!.id}`, { name: "Renamed", points: 25 }), 200)).toMatchObject({ name: "Renamed", points: 25, rule: first!.rule });
    // A rule never changes under the awards made by it.
    expect(paths(await problem(await api(s.adminKey, "PATCH", `/v1/badges/${first!.id}`, { rule: { kind: "manual" } }), 422))).toEqual([""]);
    const audit = await json<{ entries: unknown[] }>(await api(s.adminKey, "GET", `/v1/audit?target=badge:${first!.id}`), 200);
    expect(audit.entries).toHaveLength(2);
  });
});

describe("manual badges", () => {
  afterEach(() => vi.useRealTimers());

  it("a lead awards one to an agent of their team once a day; its points go to the ledger once", async () => {
    travelTo("2030-03-12T10:00:00Z");
    const s = await recognitionOrg();
    const star = await createBadge(s, { id: "star", name: "Customer star", icon: "⭐", points: 30, rule: { kind: "manual" } });
    const auto = await createBadge(s, { id: "fifty", name: "Fifty a day", rule: { kind: "threshold", metric: "contacts_handled", period: "day", value: 50 } });
    const award = (key: string, agentId: string, badge = star.id) => api(key, "POST", `/v1/badges/${badge}/awards`, { agentId, reason: "Saved a cancellation" });

    const given = await json<BadgeAward>(await award(s.lead, "a1"), 201);
    expect(given).toMatchObject({ badgeId: "star", badgeName: "Customer star", icon: "⭐", agentId: "a1", points: 30, reason: "Saved a cancellation", periodStart: "2030-03-11T23:00:00.000Z" });
    expect(paths(await problem(await award(s.lead, "a1"), 409))).toEqual(["/agentId"]);
    await problem(await award(s.otherLead, "a1"), 403);
    await problem(await award(s.agent.a2!, "a1"), 403);
    expect(paths(await problem(await award(s.lead, "a1", auto.id), 422))).toEqual(["path/id"]);
    expect(paths(await problem(await award(s.lead, "ghost"), 404))).toEqual(["/agentId"]);
    expect(await accountOf(s.agent.a1!, "a1")).toMatchObject({ balance: 30 });
    expect((await accountOf(s.agent.a1!, "a1")).movements[0]).toMatchObject({ kind: "badge", points: 30, reason: "Badge: Customer star", ref: given.id });

    travelTo("2030-03-13T08:00:00Z");
    await json(await award(s.adminKey, "a1"), 201);
    expect((await accountOf(s.adminKey, "a1")).balance).toBe(60);
    const mine = await json<{ awards: BadgeAward[] }>(await api(await agentToken(s, "a1"), "GET", "/v1/agents/a1/badges"), 200);
    expect(mine.awards.map((a) => a.periodStart)).toEqual(["2030-03-12T23:00:00.000Z", "2030-03-11T23:00:00.000Z"]);
    await problem(await api(await agentToken(s, "a2"), "GET", "/v1/agents/a1/badges"), 403);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM badge_awards WHERE org_id = ?").bind(s.orgId).first<number>("n");
    expect(rows).toBe(2);

    await json(await api(s.adminKey, "PATCH", "/v1/badges/star", { active: false }), 200);
    expect(paths(await problem(await award(s.adminKey, "a2"), 422))).toEqual(["path/id"]);
  });
});

describe("goals", () => {
  it("per agent or per team; each person sees the goals that are theirs", async () => {
    const s = await recognitionOrg();
    const goal = async (body: Record<string, unknown>) => json<Goal>(await api(s.adminKey, "POST", "/v1/goals", body), 201);
    const teamGoal = await goal({ metric: "contacts_handled", period: "day", target: 40, teamId: "t1" });
    const ownGoal = await goal({ metric: "contacts_handled", period: "day", target: 55, agentId: "a1" });
    const otherTeam = await goal({ metric: "csat", period: "week", target: 4.5, teamId: "t2" });
    expect(teamGoal).toMatchObject({ metric: "contacts_handled", period: "day", target: 40, teamId: "t1", agentId: null, active: true });

    const bad: [Record<string, unknown>, string][] = [
      [{ metric: "contacts_handled", period: "day", target: 5 }, "/agentId"],
      [{ metric: "contacts_handled", period: "day", target: 5, agentId: "a1", teamId: "t1" }, "/agentId"],
      [{ metric: "sales", period: "day", target: 5, agentId: "a1" }, "/metric"],
      [{ metric: "contacts_handled", period: "day", target: 5, teamId: "t9" }, "/teamId"],
      [{ metric: "contacts_handled", period: "contest", target: 5, teamId: "t1" }, "/period"],
      [{ metric: "contacts_handled", period: "day", target: "lots", teamId: "t1" }, "/target"],
    ];
    for (const [body, path] of bad) expect(paths(await problem(await api(s.adminKey, "POST", "/v1/goals", body), 422)), JSON.stringify(body)).toContain(path);
    await problem(await api(s.adminKey, "POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 5, agentId: "ghost" }), 404);
    expect(paths(await problem(await api(s.adminKey, "POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 45, teamId: "t1" }), 409))).toEqual(["/teamId"]);
    await problem(await api(s.lead, "POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 45, teamId: "t1" }), 403);

    const ids = async (key: string, query = "") => (await json<{ goals: Goal[] }>(await api(key, "GET", `/v1/goals${query}`), 200)).goals.map((g) => g.id).sort();
    expect(await ids(s.agent.a1!)).toEqual([teamGoal.id, ownGoal.id].sort());
    expect(await ids(s.agent.a2!)).toEqual([teamGoal.id]);
    expect(await ids(s.agent.b1!)).toEqual([otherTeam.id]);
    expect(await ids(s.otherLead)).toEqual([otherTeam.id]);
    expect(await ids(s.lead)).toEqual([teamGoal.id, ownGoal.id].sort());
    expect(await ids(s.lead, "?agentId=a1")).toEqual([teamGoal.id, ownGoal.id].sort());
    await problem(await api(s.otherLead, "GET", "/v1/goals?agentId=a1"), 403);
    await problem(await api(s.display, "GET", "/v1/goals"), 403);

    expect(await json(await api(s.adminKey, "PATCH", `/v1/goals/${ownGoal.id}`, { target: 60 }), 200)).toMatchObject({ target: 60 });
    await json(await api(s.adminKey, "PATCH", `/v1/goals/${ownGoal.id}`, { active: false }), 200);
    expect(await ids(s.agent.a1!)).toEqual([teamGoal.id]);

    // Ten admins at once set a1's daily goal: one goal is created, the others are told it exists.
    const racing = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api(s.adminKey, "POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 50 + i, agentId: "a1" })),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([201, ...Array<number>(9).fill(409)]);
    // The withdrawn goal cannot be reopened beside the new one.
    expect(paths(await problem(await api(s.adminKey, "PATCH", `/v1/goals/${ownGoal.id}`, { active: true }), 409))).toEqual(["/active"]);
    expect(await ids(s.agent.a1!)).toHaveLength(2);
  });
});

describe("point rules", () => {
  it("admins define points per event or per unit of a metric, optionally within a value range", async () => {
    const s = await recognitionOrg();
    const rule = await json<PointRule>(await api(s.adminKey, "POST", "/v1/point-rules", { id: "csat-5", metric: "csat", points: 5, min: 5 }), 201);
    expect(rule).toMatchObject({ id: "csat-5", metric: "csat", points: 5, per: "event", min: 5, max: null, active: true });
    await json(await api(s.adminKey, "POST", "/v1/point-rules", { metric: "contacts_handled", points: 1, per: "unit" }), 201);
    const bad: [Record<string, unknown>, string][] = [
      [{ metric: "csat", points: 0 }, "/points"],
      [{ metric: "csat", points: 2.5 }, "/points"],
      [{ metric: "csat", points: 2, min: 5, max: 4 }, "/max"],
      [{ metric: "sales", points: 2 }, "/metric"],
      [{ metric: "csat", points: 2, per: "call" }, "/per"],
    ];
    for (const [body, path] of bad) expect(paths(await problem(await api(s.adminKey, "POST", "/v1/point-rules", body), 422)), JSON.stringify(body)).toContain(path);
    expect(paths(await problem(await api(s.adminKey, "POST", "/v1/point-rules", { id: "csat-5", metric: "csat", points: 1 }), 409))).toEqual(["/id"]);
    await problem(await api(s.lead, "POST", "/v1/point-rules", { metric: "csat", points: 1 }), 403);
    expect((await json<{ pointRules: PointRule[] }>(await api(s.agent.a1!, "GET", "/v1/point-rules"), 200)).pointRules).toHaveLength(2);
    expect(await json(await api(s.adminKey, "DELETE", "/v1/point-rules/csat-5"), 200)).toMatchObject({ active: false });
    expect((await json<{ pointRules: PointRule[] }>(await api(s.agent.a1!, "GET", "/v1/point-rules"), 200)).pointRules.map((r) => r.metric)).toEqual(["contacts_handled"]);
  });
});
