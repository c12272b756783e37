/**
 * Every platform end to end, through `POST /v1/webhooks/:sourceId` into real team boards: a
 * delivery counts once however often the platform retries it, and anything forged, stale, mistyped
 * or incomplete is refused with a problem naming what is wrong and changes nothing. One test file
 * per platform (tests/webhooks/) runs this suite, so that platforms run in parallel on fresh storage.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, json } from "./helpers.ts";
import type { DeliveryInput, PlatformSample } from "./platforms/types.ts";
import { allStandings, createSource, deliver, expectedScores, type WebhookOrg, webhookOrg } from "./webhook-helpers.ts";

/** Platforms whose signature covers the body (the others prove themselves with a key or token only). */
const BODY_SIGNED = new Set(["twilio", "zendesk", "generic"]);
const ackStatus = (sample: PlatformSample) => (sample.platform === "twilio" ? 204 : 200);
let deliveries = 0;

/**
 * One org per platform (creating orgs is the slow part of these tests): agents a1..a6 carry platform
 * ids 7001…, one agent per test, so a test's standings are its own. The source refuses unknown
 * agents until the last test switches it to provisioning.
 */
function platformOrg(sample: PlatformSample) {
  const state = {} as { org: WebhookOrg; source: { id: string; url: string } };
  const externalIds = Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [`a${n}`, { [sample.platform]: `70010${n}` }]));
  beforeAll(async () => {
    state.org = await webhookOrg(externalIds);
    state.source = await createSource(state.org.adminKey, { name: `${sample.platform} test`, platform: sample.platform, secret: sample.secret, options: sample.options ?? {} });
  });
  const input = (agent: string, over: Partial<DeliveryInput> = {}): DeliveryInput => ({
    url: state.source.url,
    secret: sample.secret,
    agent,
    deliveryId: `d${++deliveries}x${Math.random().toString(36).slice(2, 8)}`,
    now: Date.now(),
    ...over,
  });
  return { state, input };
}

async function problem(response: Response, status: number) {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return json<{ status: number; errors?: { path: string; message: string }[] }>(response, status);
}

/** The end-to-end checks every platform passes, for one platform's sample. */
export function webhookSuite(sample: PlatformSample): void {
  describe(`${sample.platform} webhooks`, () => {
  const { state, input } = platformOrg(sample);
  /** One agent's row on every standard metric's board. */
  const rowsOf = async (agentId: string) =>
    Object.fromEntries(Object.entries(await allStandings(state.org.readKey)).map(([metric, rows]) => [metric, rows.filter((r) => r[0] === agentId)]));

  it("count a contact once, however often the platform retries the delivery", async () => {
    const { source } = state;
    const delivery = await sample.countable(input("700101"));
    const first = await deliver(source.url, delivery);
    expect(first.status, await first.clone().text()).toBe(ackStatus(sample));
    if (first.status === 200) expect(await first.json()).toMatchObject({ accepted: Object.keys(sample.expected).length, duplicates: 0 });

    const expected = expectedScores(sample);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const after = await rowsOf("a1");
    for (const [metric, score] of Object.entries(expected)) {
      expect(after[metric]!.length, metric).toBe(1);
      expect(after[metric]![0]![1]!, metric).toBeCloseTo(score, 4);
    }
    for (const metric of Object.keys(after)) if (!(metric in expected)) expect(after[metric], metric).toEqual([]);

    for (let retry = 0; retry < 2; retry++) {
      const again = await deliver(source.url, delivery);
      expect(again.status).toBe(ackStatus(sample));
      if (again.status === 200) expect(await again.json()).toMatchObject({ accepted: 0, duplicates: Object.keys(sample.expected).length });
    }
    expect(await rowsOf("a1")).toEqual(after);
  });

  it("acknowledge a delivery with nothing countable, and record nothing", async () => {
    const before = await allStandings(state.org.readKey);
    const response = await deliver(state.source.url, await sample.uncountable(input("700102")));
    expect(response.status, await response.clone().text()).toBe(ackStatus(sample));
    if (response.status === 200) expect(await response.json()).toMatchObject({ accepted: 0, duplicates: 0 });
    expect(await allStandings(state.org.readKey)).toEqual(before);
  });

  it("refuse a tampered body, a tampered signature, a wrong content type and a missing field, changing nothing", async () => {
    const { source } = state;
    const before = await allStandings(state.org.readKey);
    const good = await sample.countable(input("700103"));

    if (BODY_SIGNED.has(sample.platform)) {
      // One digit of the body changed after signing (a duration, a time or the agent's id).
      const tampered = good.body.replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10));
      expect(tampered).not.toBe(good.body);
      const t = await problem(await deliver(source.url, { ...good, body: tampered }), 401);
      expect(t.errors?.[0]?.path).toBe(`header/${sample.signatureHeader}`);
    }
    if (sample.platform === "aircall") {
      // Aircall signs nothing: the token in the body is the proof, and a wrong one is refused.
      const forged = good.body.replace(sample.secret, `${sample.secret.slice(0, -1)}x`);
      expect(forged).not.toBe(good.body);
      expect((await problem(await deliver(source.url, { ...good, body: forged }), 401)).errors?.[0]?.path).toBe("/token");
    }

    if (sample.signatureHeader) {
      const header = sample.signatureHeader;
      const value = good.headers[header] ?? good.headers[Object.keys(good.headers).find((h) => h.toLowerCase() === header)!]!;
      // Hex signatures are compared without regard to case: the replacement differs in any case.
      const flipped = value.slice(0, -2) + (value.at(-2) === "0" ? "1" : "0") + value.at(-1);
      const headers = Object.fromEntries(Object.entries(good.headers).map(([k, v]) => [k, k.toLowerCase() === header ? flipped : v]));
      const s = await problem(await deliver(source.url, { headers, body: good.body }), 401);
      expect(s.errors?.[0]?.path).toBe(`header/${header}`);
      const withoutHeader = Object.fromEntries(Object.entries(good.headers).filter(([k]) => k.toLowerCase() !== header));
      expect((await problem(await deliver(source.url, { headers: withoutHeader, body: good.body }), 401)).errors?.[0]?.path).toBe(`header/${header}`);
    }

    const wrongType = Object.fromEntries(Object.entries(good.headers).map(([k, v]) => [k, k.toLowerCase() === "content-type" ? "text/plain" : v]));
    const w = await problem(await deliver(source.url, { headers: wrongType, body: good.body }), 415);
    expect(w.errors?.[0]?.path).toBe("header/content-type");

    const missing = await sample.missingField(input("700103"));
    const m = await problem(await deliver(source.url, missing), 422);
    expect(m.errors?.map((e) => e.path)).toContain(missing.path);

    expect(await allStandings(state.org.readKey)).toEqual(before);
  });

  // Only schemes with a signed timestamp have a replay window of their own (Zendesk, generic).
  if (sample.signedAt) it("refuse a delivery signed outside the replay window, changing nothing", async () => {
    const before = await allStandings(state.org.readKey);
    for (const ageMs of [6 * 60_000, -6 * 60_000]) {
      const stale = await sample.signedAt!(input("700104"), ageMs);
      const p = await problem(await deliver(state.source.url, stale), 401);
      expect(p.errors?.[0]?.path).toMatch(/^header\//);
    }
    expect(await allStandings(state.org.readKey)).toEqual(before);
    // Within the window it counts.
    expect((await deliver(state.source.url, await sample.signedAt!(input("700104"), 60_000))).status).toBe(ackStatus(sample));
    expect((await rowsOf("a4")).contacts_handled).toHaveLength(1);
  });

  it("refuse an agent the directory does not know with a 422 naming the field, or provision them when the source says so", async () => {
    const { org, source } = state;
    const before = await allStandings(org.readKey);
    const stranger = await sample.countable(input("799901"));
    const refused = await problem(await deliver(source.url, stranger), 422);
    expect(refused.errors?.[0]?.message).toContain("799901");
    expect(refused.errors?.[0]?.path).toMatch(/^(\/|form\/|query\/)/);
    expect(await allStandings(org.readKey)).toEqual(before);

    await json(await api(org.adminKey, "PATCH", `/v1/sources/${source.id}`, { unknownAgents: "provision" }), 200);
    const r1 = await deliver(source.url, stranger);
    expect(r1.status, await r1.clone().text()).toBe(ackStatus(sample));
    expect((await deliver(source.url, stranger)).status).toBe(ackStatus(sample));
    const { agents } = await json<{ agents: { id: string; teamId: string; externalIds: Record<string, string> }[] }>(
      await api(org.adminKey, "GET", "/v1/agents?limit=100"),
      200,
    );
    const provisioned = agents.filter((a) => a.externalIds[sample.platform] === "799901");
    expect(provisioned).toHaveLength(1);
    expect(provisioned[0]!.teamId).toBe("unassigned");
    // The team boards of t1 are untouched: the new agent's work is in the unassigned team.
    expect(await allStandings(org.readKey)).toEqual(before);
  });
});
}
