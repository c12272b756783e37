/**
 * The live board page in real Chromium against the real Worker in workerd: what a person watching
 * a board sees when events arrive, when the connection drops, and when a frame goes missing.
 * These use a read API key, which sees whole boards, so every row names its agent.
 */
import type { Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Row, SnapshotFrame } from "../protocol/index.ts";
import { skipBrowserTests, useBrowserHarness } from "./harness.ts";

describe.skipIf(skipBrowserTests)("the live board page", () => {
  const harness = useBrowserHarness();
  const { post } = harness;
  let page: Page;

  async function openBoard(boardId: string, route?: (ws: WebSocketRoute) => void): Promise<Page> {
    page = await harness.newPage();
    if (route) await page.routeWebSocket(/\/v1\/boards\/[^/]+\/live/, route);
    await page.goto(`${harness.worker.url}/?board=${boardId}#token=${harness.demo.readKey}`);
    await statusIs("live");
    return page;
  }

  const statusIs = (status: string) => page.locator(`[data-testid=status][data-status=${status}]`).waitFor({ timeout: 15_000 });

  const rowShows = (agent: string, score: number) =>
    page.locator(`[data-testid=row][data-agent-id="${agent}"][data-score="${score}"]`).waitFor({ timeout: 15_000 });

  async function restSnapshot(boardId: string): Promise<SnapshotFrame> {
    return (await harness.get<{ snapshot: SnapshotFrame }>(`/v1/boards/${boardId}`, harness.demo.readKey)).snapshot;
  }

  /** The rows as the page holds them, in the page's order. */
  const rowsOnPage = (): Promise<Row[]> =>
    page.locator("[data-testid=row]").evaluateAll((trs) =>
      trs.map((tr) => {
        const data = (tr as HTMLElement).dataset;
        const label = data["label"] ?? "";
        return {
          rank: Number(data["rank"]),
          place: Number(data["place"]),
          agent: data["agentId"] === undefined ? null : { id: data["agentId"], name: label },
          label,
          ...(data["score"] === undefined ? {} : { score: Number(data["score"]) }),
          ...(data["change"] === undefined ? {} : { change: Number(data["change"]) }),
          ...(data["previousRank"] === undefined ? {} : { previousRank: Number(data["previousRank"]) }),
          ...(data["me"] === "true" ? { me: true as const } : {}),
        };
      }),
    );

  it("shows an event posted to the API on the open page without a reload", async () => {
    const board = "sales-north-handle-time-s-day";
    await post([
      { agent: "agent-1", metric: "handle_time_s", value: 245 },
      { agent: "agent-2", metric: "handle_time_s", value: 402 },
      { agent: "agent-3", metric: "handle_time_s", value: 188 },
      { agent: "agent-4", metric: "handle_time_s", value: 330 },
      { agent: "agent-5", metric: "handle_time_s", value: 615 },
    ]);
    await openBoard(board);
    await rowShows("agent-5", 615);
    await page.evaluate(() => (document.documentElement.dataset["sameDocument"] = "yes"));

    await post([{ agent: "agent-6", metric: "handle_time_s", value: 312 }]);

    await rowShows("agent-6", 312);
    const row = page.locator('[data-testid=row][data-agent-id="agent-6"]');
    expect(await row.locator("[data-testid=score]").textContent()).toBe("5:12");
    expect(await row.getAttribute("data-place")).toBe("3");
    expect(await page.evaluate(() => document.documentElement.dataset["sameDocument"])).toBe("yes");
    await harness.screenshot(page, "live-page");
  });

  it("reconnects with backoff after the server's socket drops, and shows events posted meanwhile", async () => {
    const board = "sales-south-contacts-handled-day";
    await post([{ agent: "agent-11", metric: "contacts_handled", value: 1 }]);
    // Connection 1 is forwarded; 2 and 3 are refused at once; 4 and later are forwarded.
    const attempts: number[] = [];
    const servers: WebSocketRoute[] = [];
    await openBoard(board, (ws) => {
      attempts.push(Date.now());
      if (attempts.length === 2 || attempts.length === 3) {
        void ws.close({ code: 4000, reason: "test: still down" });
        return;
      }
      servers.push(ws.connectToServer());
    });
    await rowShows("agent-11", 1);

    const droppedAt = Date.now();
    await servers[0]!.close({ code: 4000, reason: "test: connection dropped" });
    await statusIs("reconnecting");
    await post([{ agent: "agent-12", metric: "contacts_handled", value: 1 }, { agent: "agent-12", metric: "contacts_handled", value: 1 }]);

    await statusIs("live");
    await rowShows("agent-12", 2);
    expect(attempts).toHaveLength(4);
    // Each wait is at least the SDK's backoff for that attempt (500 ms, 1 s, 2 s) plus jitter.
    const waits = [attempts[1]! - droppedAt, attempts[2]! - attempts[1]!, attempts[3]! - attempts[2]!];
    expect(waits[0]).toBeGreaterThanOrEqual(450);
    expect(waits[1]).toBeGreaterThanOrEqual(950);
    expect(waits[2]).toBeGreaterThanOrEqual(1900);
    expect(await page.getByTestId("reconnects").textContent()).toBe("1");
  });

  it("detects a lost frame by its skipped sequence number, sends resync, and ends up showing exactly what GET /v1/boards/:id returns", async () => {
    const board = "care-day-contacts-handled-day";
    await post([{ agent: "agent-21", metric: "contacts_handled", value: 1 }]);
    const fromPage: string[] = [];
    let dropNextUpdate = false;
    let droppedSeq: number | null = null;
    await openBoard(board, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        fromPage.push(message.toString());
        server.send(message);
      });
      server.onMessage((message) => {
        const frame = JSON.parse(message.toString()) as { type: string; seq?: number };
        if (dropNextUpdate && frame.type === "update") {
          dropNextUpdate = false;
          droppedSeq = frame.seq ?? null;
          return;
        }
        ws.send(message);
      });
    });
    await rowShows("agent-21", 1);

    dropNextUpdate = true;
    await post([{ agent: "agent-22", metric: "contacts_handled", value: 1 }]);
    await expect.poll(() => droppedSeq, { timeout: 10_000 }).not.toBeNull();
    await post([{ agent: "agent-23", metric: "contacts_handled", value: 1 }, { agent: "agent-21", metric: "contacts_handled", value: 1 }]);

    await expect.poll(() => fromPage.filter((m) => m === '{"type":"resync"}').length, { timeout: 10_000 }).toBe(1);
    const expected = await restSnapshot(board);
    expect(expected.rows.map((r) => r.agent?.id).sort()).toEqual(["agent-21", "agent-22", "agent-23"]);
    await expect.poll(rowsOnPage, { timeout: 10_000 }).toEqual(expected.rows);
    expect(await page.getByTestId("total").textContent()).toBe(`${expected.total} agents`);
    expect(await page.getByTestId("resyncs").textContent()).toBe("1");
    expect(Number(await page.getByTestId("seq").textContent())).toBeGreaterThan(droppedSeq!);
  });

  it("an agent sees their badge celebrated and a colleague's too, once each, as the events arrive", async () => {
    const { url } = harness.worker;
    const admin = (method: string, apiPath: string, body: unknown) =>
      fetch(`${url}${apiPath}`, { method, headers: { authorization: `Bearer ${harness.demo.adminKey}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const team = harness.demo.teams.find((t) => t.id === "sales-south")!;
    const [me, colleague] = team.agents;
    expect((await admin("POST", "/v1/badges", { id: "browser-first-contact", name: "First contact of the day", icon: "📞", rule: { kind: "threshold", metric: "contacts_handled", period: "day", value: 1 } })).status).toBe(201);
    const minted = await admin("POST", "/v1/tokens", { role: "agent", agentId: me });
    const { token } = (await minted.json()) as { token: string };
    page = await harness.newPage();
    await page.goto(`${url}/?board=sales-south-contacts-handled-day#token=${token}`);
    await statusIs("live");

    await post([{ agent: me!, metric: "contacts_handled", value: 1 }]);
    const mine = page.locator("[data-testid=celebration][data-kind=badge]", { hasText: "You earned 📞 First contact of the day" });
    await mine.waitFor({ timeout: 15_000 });
    await page.locator("[data-testid=nudge][data-kind=badge_earned]").waitFor({ timeout: 15_000 });
    await post([{ agent: colleague!, metric: "contacts_handled", value: 1 }]);
    await page.locator("[data-testid=celebration][data-kind=badge]", { hasText: "earned 📞 First contact of the day", hasNotText: "You earned" }).waitFor({ timeout: 15_000 });
    expect(await mine.count()).toBe(1);
    expect(await page.locator("[data-testid=nudge]").count()).toBe(1);
  });

  it("an agent's goal moves with their own row as events arrive, and shows reached once it is", async () => {
    const { url } = harness.worker;
    const team = harness.demo.teams.find((t) => t.id === "care-evening")!;
    const me = team.agents[0]!;
    const minted = await fetch(`${url}/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${harness.demo.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "agent", agentId: me }),
    });
    const { token } = (await minted.json()) as { token: string };
    page = await harness.newPage();
    await page.goto(`${url}/?board=care-evening-contacts-handled-day#token=${token}`);
    await statusIs("live");
    // The demo's daily goal: 30 contacts.
    const goal = page.locator("[data-testid=my-goals] [data-testid=goal][data-metric=contacts_handled]");
    await goal.waitFor({ timeout: 15_000 });
    expect(await goal.getByTestId("goal-figures").textContent()).toBe("0 / 30");

    await post(Array.from({ length: 4 }, () => ({ agent: me, metric: "contacts_handled", value: 1 })));
    // Moved by the board's frames, not by a reload of the goals (those come once a minute).
    await page.locator("[data-testid=my-goals] [data-testid=goal][data-metric=contacts_handled][data-score='4']").waitFor({ timeout: 15_000 });
    expect(await goal.getByTestId("goal-figures").textContent()).toBe("4 / 30");

    await post(Array.from({ length: 26 }, () => ({ agent: me, metric: "contacts_handled", value: 1 })));
    await page.locator("[data-testid=my-goals] [data-testid=goal][data-metric=contacts_handled][data-state=reached]").waitFor({ timeout: 15_000 });
    expect(await goal.getByTestId("goal-state").textContent()).toBe("Reached");
  });
});
