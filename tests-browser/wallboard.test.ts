/**
 * The wallboard in real Chromium against the real Worker: a TV opened with a display token shows
 * the podium as events arrive, celebrates, rotates through the boards the token may see, and comes
 * back by itself after the network drops.
 */
import type { WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { skipBrowserTests, useBrowserHarness } from "./harness.ts";

describe.skipIf(skipBrowserTests)("the wallboard", () => {
  const harness = useBrowserHarness();

  const displayToken = async (teamId: string) => {
    const response = await fetch(`${harness.worker.url}/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${harness.demo.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "display", teamIds: [teamId] }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { token: string }).token;
  };

  it("shows an event posted to the API on the podium, and celebrates a badge earned", async () => {
    const team = harness.demo.teams.find((t) => t.id === "sales-south")!;
    const [first, second, third, fourth] = team.agents as [string, string, string, string];
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/wallboard.html?board=sales-south-contacts-handled-day#token=${await displayToken(team.id)}`);
    await page.locator("[data-testid=wall-status][data-status=live]").waitFor({ timeout: 15_000 });
    const { snapshot } = await harness.get<{ snapshot: { header: { name: string } } }>("/v1/boards/sales-south-contacts-handled-day", harness.demo.adminKey);
    expect(await page.getByTestId("wall-title").textContent()).toBe(snapshot.header.name);
    // The token never stays in the address bar.
    expect(page.url()).not.toContain("token=");

    const contacts = (agent: string, n: number) => Array.from({ length: n }, () => ({ agent, metric: "contacts_handled", value: 1 }));
    await harness.post([...contacts(first, 4), ...contacts(second, 3), ...contacts(third, 2), ...contacts(fourth, 1)]);
    const steps = page.locator("[data-testid=podium-step]");
    await page.locator(`[data-testid=podium-step][data-rank="1"][data-score="4"]`).waitFor({ timeout: 15_000 });
    expect(await steps.evaluateAll((els) => els.map((e) => [e.getAttribute("data-rank"), e.getAttribute("data-score")]))).toEqual([
      ["1", "4"],
      ["2", "3"],
      ["3", "2"],
    ]);

    // Twenty in a shift is one of the demo's badges: the room hears of it.
    await harness.post(contacts(second, 17));
    await page.locator("[data-testid=cheer][data-kind=badge]", { hasText: "Twenty in a shift" }).waitFor({ timeout: 15_000 });
    await page.locator(`[data-testid=podium-step][data-rank="1"][data-score="20"]`).waitFor({ timeout: 15_000 });
    await harness.screenshot(page, "wallboard");
  });

  it("takes its language from the link: Arabic, right to left, with the celebration in Arabic", async () => {
    const team = harness.demo.teams.find((t) => t.id === "care-day")!;
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/wallboard.html?lang=ar&board=care-day-contacts-handled-day#token=${await displayToken(team.id)}`);
    await page.locator("[data-testid=wall-status][data-status=live]").waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang])).toEqual(["rtl", "ar"]);
    expect(await page.getByTestId("wall-status").textContent()).toBe("مباشر");
    expect(await page.getByTestId("podium").getAttribute("aria-label")).toBe("المراكز الثلاثة الأولى");
    const [first, second] = team.agents as [string, string];
    await harness.post([
      ...Array.from({ length: 3 }, () => ({ agent: first, metric: "contacts_handled", value: 1 })),
      { agent: second, metric: "contacts_handled", value: 1 },
    ]);
    await page.locator(`[data-testid=podium-step][data-rank="2"]`).waitFor({ timeout: 15_000 });
    // Mirrored: second place stands to the right of first in a right-to-left room.
    const firstBox = (await page.locator(`[data-testid=podium-step][data-rank="1"]`).boundingBox())!;
    const secondBox = (await page.locator(`[data-testid=podium-step][data-rank="2"]`).boundingBox())!;
    expect(secondBox.x).toBeGreaterThan(firstBox.x);
    // Taking first place is celebrated in the room's language, naming the board.
    await page.locator("[data-testid=cheer][data-kind=first_place]", { hasText: "احتل المركز الأول في" }).waitFor({ timeout: 15_000 });
    await harness.screenshot(page, "wallboard-ar");
  });

  it("rotates through the boards its token may see", async () => {
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/wallboard.html?rotate=5#token=${await displayToken("care-day")}`);
    const title = page.getByTestId("wall-title");
    await page.locator("[data-testid=wall-status][data-status=live]").waitFor({ timeout: 15_000 });
    const firstTitle = await title.textContent();
    expect(await page.getByTestId("wall-rotation").textContent()).toMatch(/^1 \/ \d+$/);
    await expect.poll(() => title.textContent(), { timeout: 15_000 }).not.toBe(firstTitle);
    expect(await page.getByTestId("wall-rotation").textContent()).toMatch(/^2 \/ \d+$/);
  });

  it("comes back by itself after the connection drops, showing what was posted meanwhile", async () => {
    const team = harness.demo.teams.find((t) => t.id === "care-evening")!;
    const [agent] = team.agents as [string];
    const servers: WebSocketRoute[] = [];
    const page = await harness.newPage();
    await page.routeWebSocket(/\/v1\/boards\/[^/]+\/live/, (ws) => {
      servers.push(ws.connectToServer());
    });
    await page.goto(`${harness.worker.url}/wallboard.html?board=care-evening-contacts-handled-day#token=${await displayToken(team.id)}`);
    const live = page.locator("[data-testid=wall-status][data-status=live]");
    await live.waitFor({ timeout: 15_000 });

    await servers[0]!.close({ code: 4000, reason: "test: network dropped" });
    await page.locator("[data-testid=wall-status][data-status=reconnecting]").waitFor({ timeout: 15_000 });
    await harness.post([{ agent, metric: "contacts_handled", value: 1 }, { agent, metric: "contacts_handled", value: 1 }]);
    await live.waitFor({ timeout: 15_000 });
    await page.locator(`[data-testid=podium-step][data-agent-id="${agent}"][data-score="2"]`).waitFor({ timeout: 15_000 });
    expect(servers.length).toBeGreaterThanOrEqual(2);
  });
});
