/** Points, kudos, the rewards catalog and redemptions, through the API with real D1. */
import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Redemption, Reward } from "../protocol/index.ts";
import { api, BASE, json, travelTo } from "./helpers.ts";
import { accountOf, agentToken, grant, paths, problem, storeOrg } from "./recognition-helpers.ts";

const createReward = async (adminKey: string, body: Record<string, unknown>) => json<Reward>(await api(adminKey, "POST", "/v1/rewards", body), 201);
const redeem = (key: string, rewardId: string, extra: Record<string, unknown> = {}) => api(key, "POST", "/v1/redemptions", { rewardId, ...extra });
/** The ledger straight from D1: the sum of an agent's movements. */
async function ledgerSum(orgId: string, agentId: string): Promise<number> {
  return (await env.DB.prepare("SELECT COALESCE(SUM(points), 0) AS s FROM points_ledger WHERE org_id = ? AND agent_id = ?").bind(orgId, agentId).first<number>("s"))!;
}
async function stockOf(orgId: string, rewardId: string): Promise<number | null> {
  return env.DB.prepare("SELECT stock FROM reward_items WHERE org_id = ? AND id = ?").bind(orgId, rewardId).first<number | null>("stock");
}

describe("points", () => {
  it("leads give spot awards to their teams' agents, admins adjust; the balance is the ledger's sum and every movement says who and why", async () => {
    const s = await storeOrg();
    expect((await json(await grant(s.lead, "a1", { kind: "spot_award", points: 50, reason: "Calm on a hard call" }), 201)).balance).toBe(50);
    expect((await json(await grant(s.manager, "b1", { kind: "spot_award", points: 20, reason: "Covered a shift" }), 201)).balance).toBe(20);
    expect((await json(await grant(s.adminKey, "a1", { kind: "adjustment", points: -15, reason: "Duplicate award" }), 201)).balance).toBe(35);

    // Not their team, not their role, not their own points.
    await problem(await grant(s.lead, "b1", { kind: "spot_award", points: 5, reason: "x" }), 403);
    await problem(await grant(s.lead, "a1", { kind: "adjustment", points: 5, reason: "x" }), 403);
    await problem(await grant(s.agent.a2!, "a1", { kind: "spot_award", points: 5, reason: "x" }), 403);
    await problem(await grant(s.agent.a1!, "a1", { kind: "spot_award", points: 5, reason: "x" }), 403);

    const mine = await accountOf(s.agent.a1!, "a1");
    expect(mine).toMatchObject({ agentId: "a1", balance: 35, held: 0, earned: 50, nextCursor: null });
    expect(mine.movements.map((m) => [m.kind, m.points, m.reason])).toEqual([
      ["adjustment", -15, "Duplicate award"],
      ["spot_award", 50, "Calm on a hard call"],
    ]);
    expect(mine.movements.every((m) => /^(key|token):/.test(m.actor))).toBe(true);
    expect(mine.balance).toBe(await ledgerSum(s.orgId, "a1"));
    await problem(await api(s.agent.a1!, "GET", "/v1/agents/a2/points"), 403);
    await problem(await api(s.display, "GET", "/v1/agents/a1/points"), 403);
    await problem(await api(s.otherLead, "GET", "/v1/agents/a1/points"), 403);
    expect((await accountOf(s.lead, "a1")).balance).toBe(35);
  });

  it("refuses bad grants with the field named and changes nothing; a retry with the same Idempotency-Key counts once", async () => {
    const s = await storeOrg();
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: "spot_award", points: 0, reason: "x" }, "/points"],
      [{ kind: "spot_award", points: -5, reason: "x" }, "/points"],
      [{ kind: "spot_award", points: 1.5, reason: "x" }, "/points"],
      [{ kind: "spot_award", points: 5 }, "/reason"],
      [{ kind: "spot_award", points: 5, reason: "  " }, "/reason"],
      [{ kind: "bonus", points: 5, reason: "x" }, "/kind"],
      [{ kind: "spot_award", points: 5, reason: "x", extra: true }, ""],
    ];
    for (const [body, path] of cases) expect(paths(await problem(await grant(s.adminKey, "a1", body), 422)), JSON.stringify(body)).toContain(path);
    await problem(await grant(s.adminKey, "ghost", { kind: "spot_award", points: 5, reason: "x" }), 404);
    expect(await ledgerSum(s.orgId, "a1")).toBe(0);

    const once = { kind: "spot_award", points: 25, reason: "Top QA score" };
    const post = () => api(s.lead, "POST", "/v1/agents/a1/points", once).then(async (r) => r);
    const headers = { authorization: `Bearer ${s.lead}`, "content-type": "application/json", "idempotency-key": "qa-2026-11" };
    const send = () => fetchWith(headers, "/v1/agents/a1/points", once);
    expect((await json(await send(), 201)).balance).toBe(25);
    expect((await json(await send(), 201)).balance).toBe(25);
    await problem(await fetchWith(headers, "/v1/agents/a1/points", { ...once, points: 30 }), 409);
    expect(await ledgerSum(s.orgId, "a1")).toBe(25);
    expect((await json(await post(), 201)).balance).toBe(50);
  });
});

function fetchWith(headers: Record<string, string>, path: string, body: unknown): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

describe("the points ledger", () => {
  it("is append-only: a movement is never changed or taken back, even by SQL", async () => {
    const s = await storeOrg();
    await json(await grant(s.adminKey, "a1", { kind: "adjustment", points: 40, reason: "Welcome bonus" }), 201);
    await expect(env.DB.prepare("UPDATE points_ledger SET points = 4000 WHERE org_id = ?").bind(s.orgId).run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare("DELETE FROM points_ledger WHERE org_id = ?").bind(s.orgId).run()).rejects.toThrow(/append-only/);
    expect(await ledgerSum(s.orgId, "a1")).toBe(40);
  });
});

describe("kudos", () => {
  afterEach(() => vi.useRealTimers());

  it("go from an agent to a colleague, worth the org's points, at most the daily cap a day, never to oneself", async () => {
    travelTo("2030-03-12T09:00:00Z");
    const s = await storeOrg();
    await json(await api(s.adminKey, "PATCH", "/v1/org", { kudosPoints: 7, kudosDailyCap: 2 }), 200);
    const give = (from: string, to: string, message = "Thanks for the help with the refund") => api(s.agent[from]!, "POST", "/v1/kudos", { to, message });
    expect(await json(await give("a1", "a2"), 201)).toMatchObject({ from: "a1", to: "a2", points: 7 });
    await json(await give("a1", "b1", "Great handover"), 201);
    const capped = await problem(await give("a1", "a3"), 429);
    expect(capped.errors?.[0]?.message).toContain("daily kudos cap (2)");
    expect(paths(await problem(await give("a2", "a2"), 422))).toEqual(["/to"]);
    expect(paths(await problem(await give("a2", "ghost"), 404))).toEqual(["/to"]);
    expect(paths(await problem(await api(s.agent.a2!, "POST", "/v1/kudos", { to: "a1", message: "" }), 422))).toEqual(["/message"]);
    await problem(await api(s.lead, "POST", "/v1/kudos", { to: "a1", message: "Well done" }), 403);
    await problem(await api(s.adminKey, "POST", "/v1/kudos", { to: "a1", message: "Well done" }), 403);

    const a2 = await accountOf(s.agent.a2!, "a2");
    expect(a2.balance).toBe(7);
    expect(a2.movements[0]).toMatchObject({ kind: "kudos", points: 7, reason: "Kudos from Agent A1: Thanks for the help with the refund" });
    expect(await ledgerSum(s.orgId, "a3")).toBe(0);
    const received = await json<{ kudos: { from: string; message: string }[] }>(await api(s.agent.a2!, "GET", "/v1/kudos?agentId=a2"), 200);
    expect(received.kudos).toEqual([expect.objectContaining({ from: "a1", message: "Thanks for the help with the refund" })]);
    await problem(await api(s.agent.a2!, "GET", "/v1/kudos?agentId=a1"), 403);

    // The cap is per day in the org's zone (Stockholm): the next morning a1 may give again.
    travelTo("2030-03-12T22:59:00Z");
    await problem(await give("a1", "a3"), 429);
    travelTo("2030-03-12T23:00:00Z");
    await json(await give("a1", "a3"), 201);
    expect(await ledgerSum(s.orgId, "a3")).toBe(7);
  });

  it("go to the people the giver may address: an agent's teammates, a lead's agents (GET /v1/people)", async () => {
    const s = await storeOrg();
    const people = async (key: string) => (await json<{ people: { id: string; teamId: string }[] }>(await api(key, "GET", "/v1/people"), 200)).people.map((p) => `${p.teamId}/${p.id}`).sort();
    expect(await people(s.agent.a1!)).toEqual(["t1/a2", "t1/a3"]);
    expect(await people(s.agent.b1!)).toEqual(["t2/b2"]);
    expect(await people(s.lead)).toEqual(["t1/a1", "t1/a2", "t1/a3"]);
    expect(await people(s.otherLead)).toEqual(["t2/b1", "t2/b2"]);
    expect(await people(s.adminKey)).toEqual(["t1/a1", "t1/a2", "t1/a3", "t2/b1", "t2/b2"]);
    await problem(await api(s.display, "GET", "/v1/people"), 403);
    // A deactivated agent is no one to thank.
    await json(await api(s.adminKey, "DELETE", "/v1/agents/a3"), 200);
    expect(await people(s.agent.a1!)).toEqual(["t1/a2"]);
  });

  it("retried with the same Idempotency-Key are given and counted once; the key reused for other kudos is a 409", async () => {
    travelTo("2030-03-12T09:00:00Z");
    const s = await storeOrg();
    await json(await api(s.adminKey, "PATCH", "/v1/org", { kudosPoints: 5, kudosDailyCap: 2 }), 200);
    const headers = { authorization: `Bearer ${s.agent.a1}`, "content-type": "application/json", "idempotency-key": "kudos-7f3a" };
    const body = { to: "a2", message: "Thanks for taking my call" };
    const first = await json<{ id: string }>(await fetchWith(headers, "/v1/kudos", body), 201);
    const again = await json<{ id: string }>(await fetchWith(headers, "/v1/kudos", body), 200);
    expect(again.id).toBe(first.id);
    expect(await ledgerSum(s.orgId, "a2")).toBe(5);
    expect(paths(await problem(await fetchWith(headers, "/v1/kudos", { ...body, to: "a3" }), 409))).toEqual(["header/idempotency-key"]);
    expect(paths(await problem(await fetchWith({ ...headers, "idempotency-key": "no spaces" }, "/v1/kudos", body), 422))).toEqual(["header/idempotency-key"]);
    // The retry used none of the daily cap (2): one more may be given.
    await json(await api(s.agent.a1!, "POST", "/v1/kudos", { to: "a3", message: "Cheers" }), 201);
    await problem(await api(s.agent.a1!, "POST", "/v1/kudos", { to: "b1", message: "Cheers" }), 429);
    expect(await ledgerSum(s.orgId, "a3")).toBe(5);
  });
});

describe("rewards catalog", () => {
  afterEach(() => vi.useRealTimers());

  it("admins create, edit and withdraw rewards (audited); people see what can be requested now", async () => {
    travelTo("2030-03-12T09:00:00Z");
    const s = await storeOrg();
    const bad: [Record<string, unknown>, string][] = [
      [{ name: "Break", cost: 0, category: "extra_break" }, "/cost"],
      [{ name: "Break", cost: 10, category: "holiday" }, "/category"],
      [{ name: "", cost: 10, category: "voucher" }, "/name"],
      [{ name: "Break", cost: 10, category: "voucher", stock: -1 }, "/stock"],
      [{ name: "Break", cost: 10, category: "voucher", perAgentLimit: { count: 0, per: "week" } }, "/perAgentLimit/count"],
      [{ name: "Break", cost: 10, category: "voucher", perAgentLimit: { count: 1, per: "fortnight" } }, "/perAgentLimit/per"],
      [{ name: "Break", cost: 10, category: "voucher", availableFrom: "2030-04-01T00:00:00Z", availableUntil: "2030-03-01T00:00:00Z" }, "/availableUntil"],
      [{ name: "Break", cost: 10, category: "voucher", price: 3 }, ""],
    ];
    for (const [body, path] of bad) expect(paths(await problem(await api(s.adminKey, "POST", "/v1/rewards", body), 422)), JSON.stringify(body)).toContain(path);
    await problem(await api(s.agent.a1!, "POST", "/v1/rewards", { name: "Break", cost: 10, category: "extra_break" }), 403);
    await problem(await api(s.lead, "POST", "/v1/rewards", { name: "Break", cost: 10, category: "extra_break" }), 403);

    const nowItem = await createReward(s.adminKey, { id: "break-15", name: "15-minute break", cost: 100, category: "extra_break", perAgentLimit: { count: 1, per: "week" } });
    expect(nowItem).toMatchObject({ id: "break-15", requiresApproval: true, stock: null, available: true, perAgentLimit: { count: 1, per: "week" } });
    await createReward(s.adminKey, { id: "course", name: "Negotiation course", cost: 900, category: "learning", availableFrom: "2030-04-01T00:00:00Z" });
    await createReward(s.adminKey, { id: "mug", name: "Team mug", cost: 50, category: "merchandise", stock: 0 });
    await problem(await api(s.adminKey, "POST", "/v1/rewards", { id: "mug", name: "Mug", cost: 5, category: "merchandise" }), 409);

    const listed = async (key: string, query = "") => (await json<{ rewards: Reward[] }>(await api(key, "GET", `/v1/rewards${query}`), 200)).rewards.map((r) => r.id);
    expect(await listed(s.agent.a1!)).toEqual(["break-15"]);
    expect(await listed(s.adminKey, "?include=all")).toEqual(["mug", "break-15", "course"]);
    expect(await listed(s.agent.a1!, "?include=all")).toEqual(["break-15"]);
    await problem(await api(s.display, "GET", "/v1/rewards"), 403);

    expect(await json(await api(s.adminKey, "PATCH", "/v1/rewards/mug", { stock: 10, cost: 60 }), 200)).toMatchObject({ stock: 10, cost: 60, name: "Team mug", available: true });
    expect(await json(await api(s.adminKey, "PATCH", "/v1/rewards/break-15", { active: false }), 200)).toMatchObject({ active: false, available: false });
    expect(await listed(s.agent.a1!)).toEqual(["mug"]);
    expect(paths(await problem(await api(s.adminKey, "PATCH", "/v1/rewards/course", { availableUntil: "2030-03-01T00:00:00Z" }), 422))).toEqual(["/availableUntil"]);
    await problem(await api(s.adminKey, "PATCH", "/v1/rewards/nope", { cost: 5 }), 404);
    travelTo("2030-04-01T00:00:00Z");
    expect(await listed(await agentToken(s, "a1"))).toEqual(["mug", "course"]);

    const audit = await json<{ entries: { before: { cost?: number }; after: { cost?: number } }[] }>(await api(s.adminKey, "GET", "/v1/audit?target=reward:mug"), 200);
    expect(audit.entries.map((e) => [e.before.cost, e.after.cost])).toEqual([[50, 60], [undefined, 50]]);
  });
});

describe("redemptions", () => {
  afterEach(() => vi.useRealTimers());

  it("a request holds the points and a unit of stock; a lead approves it, or rejects it and the points come back once", async () => {
    const s = await storeOrg();
    await json(await grant(s.adminKey, "a1", { kind: "adjustment", points: 100, reason: "Opening balance" }), 201);
    await createReward(s.adminKey, { id: "voucher", name: "Coffee voucher", cost: 30, category: "voucher", stock: 2 });

    const first = await json<Redemption>(await redeem(s.agent.a1!, "voucher", { note: "Oat milk please" }), 201);
    expect(first).toMatchObject({ agentId: "a1", rewardId: "voucher", cost: 30, status: "pending", note: "Oat milk please", decidedAt: null });
    expect(await accountOf(s.agent.a1!, "a1")).toMatchObject({ balance: 70, held: 30 });
    expect(await stockOf(s.orgId, "voucher")).toBe(1);

    // The approval queue: the lead of a1's team sees it, the other team's lead does not.
    const queue = async (key: string) => (await json<{ redemptions: Redemption[] }>(await api(key, "GET", "/v1/redemptions?status=pending"), 200)).redemptions.map((r) => r.id);
    expect(await queue(s.lead)).toEqual([first.id]);
    expect(await queue(s.otherLead)).toEqual([]);
    expect(await queue(s.agent.a2!)).toEqual([]);
    await problem(await api(s.otherLead, "POST", `/v1/redemptions/${first.id}/approve`), 403);
    await problem(await api(s.agent.a1!, "POST", `/v1/redemptions/${first.id}/approve`), 403);

    const approved = await json<Redemption>(await api(s.lead, "POST", `/v1/redemptions/${first.id}/approve`, { note: "Enjoy" }), 200);
    expect(approved).toMatchObject({ status: "fulfilled", decisionNote: "Enjoy" });
    expect(await accountOf(s.agent.a1!, "a1")).toMatchObject({ balance: 70, held: 0 });
    expect((await problem(await api(s.lead, "POST", `/v1/redemptions/${first.id}/reject`), 409)).errors?.[0]?.message).toBe("already fulfilled");
    await problem(await api(s.agent.a1!, "POST", `/v1/redemptions/${first.id}/cancel`), 409);

    const second = await json<Redemption>(await redeem(s.agent.a1!, "voucher"), 201);
    expect(await stockOf(s.orgId, "voucher")).toBe(0);
    await json(await api(s.manager, "POST", `/v1/redemptions/${second.id}/reject`, { note: "Out of oat milk" }), 200);
    for (let retry = 0; retry < 2; retry++) await problem(await api(s.manager, "POST", `/v1/redemptions/${second.id}/reject`), 409);
    expect(await accountOf(s.agent.a1!, "a1")).toMatchObject({ balance: 70, held: 0 });
    expect(await stockOf(s.orgId, "voucher")).toBe(1);
    const movements = (await accountOf(s.agent.a1!, "a1")).movements.map((m) => [m.kind, m.points]);
    expect(movements).toEqual([
      ["redemption_release", 30],
      ["redemption", -30],
      ["redemption", -30],
      ["adjustment", 100],
    ]);
    expect(await ledgerSum(s.orgId, "a1")).toBe(70);
  });

  it("the agent may cancel while pending (the points come back); a reward without approval is fulfilled at once", async () => {
    const s = await storeOrg();
    await json(await grant(s.adminKey, "a2", { kind: "adjustment", points: 60, reason: "Opening balance" }), 201);
    await createReward(s.adminKey, { id: "break", name: "Extra break", cost: 40, category: "extra_break", stock: 3 });
    await createReward(s.adminKey, { id: "ebook", name: "E-book", cost: 20, category: "learning", requiresApproval: false });
    const pending = await json<Redemption>(await redeem(s.agent.a2!, "break"), 201);
    await problem(await api(s.agent.a1!, "POST", `/v1/redemptions/${pending.id}/cancel`), 403);
    await problem(await api(s.lead, "POST", `/v1/redemptions/${pending.id}/cancel`), 403);
    expect(await json(await api(s.agent.a2!, "POST", `/v1/redemptions/${pending.id}/cancel`), 200)).toMatchObject({ status: "cancelled" });
    expect(await accountOf(s.agent.a2!, "a2")).toMatchObject({ balance: 60, held: 0 });
    expect(await stockOf(s.orgId, "break")).toBe(3);

    const instant = await json<Redemption>(await redeem(s.agent.a2!, "ebook"), 201);
    expect(instant).toMatchObject({ status: "fulfilled", decidedBy: "system" });
    expect(await accountOf(s.agent.a2!, "a2")).toMatchObject({ balance: 40, held: 0 });
    expect(await json(await api(s.agent.a2!, "GET", `/v1/redemptions/${instant.id}`), 200)).toMatchObject({ status: "fulfilled" });
    await problem(await api(s.agent.a1!, "GET", `/v1/redemptions/${instant.id}`), 403);
  });

  it("refuses what cannot be had with a 409 naming why, and changes nothing", async () => {
    travelTo("2030-03-12T09:00:00Z");
    const s = await storeOrg();
    await json(await grant(s.adminKey, "a3", { kind: "adjustment", points: 100, reason: "Opening balance" }), 201);
    await createReward(s.adminKey, { id: "pricey", name: "Headset", cost: 500, category: "merchandise" });
    await createReward(s.adminKey, { id: "gone", name: "Mug", cost: 10, category: "merchandise", stock: 0 });
    await createReward(s.adminKey, { id: "later", name: "Course", cost: 10, category: "learning", availableFrom: "2030-04-01T00:00:00Z" });
    await createReward(s.adminKey, { id: "weekly", name: "Break", cost: 10, category: "extra_break", perAgentLimit: { count: 1, per: "week" }, requiresApproval: false });
    const refused = async (rewardId: string) => (await problem(await redeem(s.agent.a3!, rewardId), 409)).errors?.[0]?.message;
    expect(await refused("pricey")).toBe("costs 500, balance 100");
    expect(await refused("gone")).toBe("is out of stock");
    expect(await refused("later")).toBe("is not available now");
    await json(await redeem(s.agent.a3!, "weekly"), 201);
    expect(await refused("weekly")).toBe("is limited to 1 per week per agent");
    expect(paths(await problem(await redeem(s.agent.a3!, "nope"), 404))).toEqual(["/rewardId"]);
    expect(paths(await problem(await redeem(s.agent.a3!, "weekly", { agentId: "a1" }), 403))).toEqual(["header/authorization"]);
    expect(paths(await problem(await redeem(s.adminKey, "weekly"), 422))).toEqual(["/agentId"]);
    await problem(await redeem(s.lead, "weekly", { agentId: "a3" }), 403);
    expect(await ledgerSum(s.orgId, "a3")).toBe(90);
    // The next week (Monday in Stockholm) the limit starts again.
    travelTo("2030-03-17T23:00:00Z");
    await json(await redeem(await agentToken(s, "a3"), "weekly"), 201);
    expect(await ledgerSum(s.orgId, "a3")).toBe(80);
  });

  it("50 concurrent requests against a balance that affords one: exactly one succeeds, stock never goes negative, the ledger balances", async () => {
    const s = await storeOrg();
    await json(await grant(s.adminKey, "a1", { kind: "adjustment", points: 100, reason: "Opening balance" }), 201);
    await createReward(s.adminKey, { id: "day-off", name: "Half day off", cost: 100, category: "time_off", stock: 10 });
    const responses = await Promise.all(Array.from({ length: 50 }, () => redeem(s.agent.a1!, "day-off")));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((st) => st === 201)).toHaveLength(1);
    expect(statuses.filter((st) => st === 409)).toHaveLength(49);
    await Promise.all(responses.map((r) => r.body?.cancel()));
    expect(await accountOf(s.agent.a1!, "a1")).toMatchObject({ balance: 0, held: 100 });
    expect(await ledgerSum(s.orgId, "a1")).toBe(0);
    expect(await stockOf(s.orgId, "day-off")).toBe(9);

    // Many agents who can all afford it, racing for the last three units.
    for (const id of ["a2", "a3", "b1", "b2"]) await json(await grant(s.adminKey, id, { kind: "adjustment", points: 1000, reason: "Opening balance" }), 201);
    await createReward(s.adminKey, { id: "tickets", name: "Cinema tickets", cost: 100, category: "experience", stock: 3 });
    const racers = ["a2", "a3", "b1", "b2"].flatMap((id) => Array.from({ length: 12 }, () => id));
    const race = await Promise.all(racers.map((id) => redeem(s.agent[id]!, "tickets")));
    expect(race.filter((r) => r.status === 201)).toHaveLength(3);
    expect(race.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    await Promise.all(race.map((r) => r.body?.cancel()));
    expect(await stockOf(s.orgId, "tickets")).toBe(0);
    let total = 0;
    for (const id of ["a2", "a3", "b1", "b2"]) total += await ledgerSum(s.orgId, id);
    expect(total).toBe(4000 - 300);
  });
});

describe("the ledger under random operations", () => {
  it("the balance always equals the sum of the movements, holds equal pending requests, stock never goes negative", async () => {
    const s = await storeOrg();
    await json(await api(s.adminKey, "PATCH", "/v1/org", { kudosPoints: 5, kudosDailyCap: 100 }), 200);
    await createReward(s.adminKey, { id: "r1", name: "Break", cost: 15, category: "extra_break", stock: 4 });
    await createReward(s.adminKey, { id: "r2", name: "Voucher", cost: 40, category: "voucher" });
    await createReward(s.adminKey, { id: "r3", name: "E-book", cost: 25, category: "learning", requiresApproval: false, stock: 2 });
    const agents = ["a1", "a2"] as const;
    const cost: Record<string, number> = { r1: 15, r2: 40, r3: 25 };
    // The model: what each agent should have, and the requests still pending.
    const balance: Record<string, number> = { a1: 0, a2: 0 };
    const pending = new Map<string, { agent: string; cost: number }>();
    const stock: Record<string, number | null> = { r1: 4, r2: null, r3: 2 };

    const agent = fc.constantFrom(...agents);
    const op = fc.oneof(
      fc.record({ op: fc.constant("award" as const), agent, points: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ op: fc.constant("adjust" as const), agent, points: fc.integer({ min: -30, max: 30 }).filter((p) => p !== 0) }),
      fc.record({ op: fc.constant("kudos" as const), agent }),
      fc.record({ op: fc.constant("redeem" as const), agent, reward: fc.constantFrom("r1", "r2", "r3") }),
      fc.record({ op: fc.constantFrom("approve" as const, "reject" as const, "cancel" as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const o of ops) {
          if (o.op === "award" || o.op === "adjust") {
            const kind = o.op === "award" ? "spot_award" : "adjustment";
            await json(await grant(s.adminKey, o.agent, { kind, points: o.points, reason: "property" }), 201);
            balance[o.agent]! += o.points;
          } else if (o.op === "kudos") {
            const to = o.agent === "a1" ? "a2" : "a1";
            await json(await api(s.agent[o.agent]!, "POST", "/v1/kudos", { to, message: "thanks" }), 201);
            balance[to]! += 5;
          } else if (o.op === "redeem") {
            const affordable = balance[o.agent]! >= cost[o.reward]! && (stock[o.reward] === null || stock[o.reward]! > 0);
            const response = await redeem(s.agent[o.agent]!, o.reward);
            expect(response.status, `${o.agent} ${o.reward} balance ${balance[o.agent]}`).toBe(affordable ? 201 : 409);
            if (affordable) {
              const r = await response.json<Redemption>();
              balance[o.agent]! -= cost[o.reward]!;
              if (stock[o.reward] !== null) stock[o.reward]! -= 1;
              if (r.status === "pending") pending.set(r.id, { agent: o.agent, cost: cost[o.reward]! });
            } else await response.body?.cancel();
          } else if (pending.size > 0) {
            const [id, request] = [...pending][o.pick % pending.size]!;
            const key = o.op === "cancel" ? s.agent[request.agent]! : s.lead;
            const r = await json<Redemption>(await api(key, "POST", `/v1/redemptions/${id}/${o.op}`), 200);
            pending.delete(id);
            if (o.op !== "approve") {
              balance[request.agent]! += request.cost;
              if (r.rewardId !== "r2") stock[r.rewardId]! += 1;
            }
          }
        }
        for (const id of agents) {
          const a = await accountOf(s.adminKey, id);
          expect(a.balance).toBe(balance[id]);
          expect(a.balance).toBe(a.movements.reduce((sum, m) => sum + m.points, 0));
          expect(a.balance).toBe(await ledgerSum(s.orgId, id));
          expect(a.held).toBe([...pending.values()].filter((p) => p.agent === id).reduce((sum, p) => sum + p.cost, 0));
        }
        for (const r of ["r1", "r3"]) {
          const left = await stockOf(s.orgId, r);
          expect(left).toBe(stock[r]);
          expect(left!).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 12 },
    );
  });
});
