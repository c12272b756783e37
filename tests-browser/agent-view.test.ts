/**
 * The agent's view in real Chromium against the real Worker: their rank and score on each of their
 * boards kept live side by side, their points and badges, their rank changes read out, and the
 * page in Swedish, Malay and Arabic (right to left).
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Board, SnapshotFrame } from "../protocol/index.ts";
import { mintToken } from "../scripts/demo.ts";
import { skipBrowserTests, useBrowserHarness } from "./harness.ts";

describe.skipIf(skipBrowserTests)("the agent's view", () => {
  const harness = useBrowserHarness();
  const { post } = harness;

  const agentToken = async (agentId: string) => (await mintToken(harness.worker.url, harness.demo.adminKey, { role: "agent", agentId, name: "agent view" })).token;

  async function openAs(token: string, query = ""): Promise<Page> {
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/${query}#token=${token}`);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    return page;
  }

  const card = (page: Page, boardId: string) => page.locator(`[data-testid=my-board][data-board="${boardId}"]`);

  it("shows the agent's rank and score on each of their boards, live, and opens one with a click", async () => {
    const team = harness.demo.teams.find((t) => t.id === "sales-south")!;
    const [me, rival] = team.agents as [string, string];
    const token = await agentToken(me);
    const { boards } = await harness.get<{ boards: Board[] }>("/v1/boards", token);
    const active = boards.filter((b) => b.active);
    const page = await openAs(token, "?board=sales-south-contacts-handled-day");

    // One card per board the agent may see, the open one marked.
    await expect.poll(() => page.getByTestId("my-board").evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset["board"]))).toEqual(active.map((b) => b.id));
    expect(await card(page, "sales-south-contacts-handled-day").locator("button").getAttribute("aria-current")).toBe("true");

    // Sales moves on a board that is not open: the card follows, as the server ranks it.
    await post([
      { agent: rival, metric: "sales", value: 900 },
      { agent: me, metric: "sales", value: 400 },
    ]);
    const salesCard = card(page, "sales-south-sales-day");
    await salesCard.and(page.locator("[data-rank]")).waitFor({ timeout: 15_000 });
    const served = (await harness.get<{ snapshot: SnapshotFrame }>("/v1/boards/sales-south-sales-day", token)).snapshot;
    const mine = served.rows.find((row) => row.me)!;
    await expect.poll(() => salesCard.getAttribute("data-rank")).toBe(String(mine.rank));
    expect(await salesCard.getAttribute("data-score")).toBe("400");
    expect(await salesCard.getByTestId("my-board-standing").textContent()).toBe(`#${mine.rank} of ${served.total}`);
    expect(await salesCard.getByTestId("my-board-score").textContent()).toBe("$400");

    // Overtaking the rival there is read out, though that board is not open.
    await post([{ agent: me, metric: "sales", value: 600 }]);
    await expect.poll(() => salesCard.getAttribute("data-rank"), { timeout: 15_000 }).toBe("1");
    await expect.poll(() => page.getByTestId("announcer").textContent()).toContain("You moved up to rank 1 on");

    // A click opens the board at once from the connection already live: no new socket, no reload.
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    await salesCard.locator("button").click();
    await page.locator("[data-testid=row][data-me=true][data-score='1000']").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("board-title").textContent()).toContain("Sales");
    expect(await salesCard.locator("button").getAttribute("aria-current")).toBe("true");
    expect(new URL(page.url()).searchParams.get("board")).toBe("sales-south-sales-day");
    expect(sockets).toEqual([]);

    // Keyboard: the cards are buttons in the tab order; Enter opens one.
    await card(page, "sales-south-contacts-handled-day").locator("button").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.get("board")).toBe("sales-south-contacts-handled-day");
    await harness.screenshot(page, "agent-view");
  });

  it("shows the agent's points and badges beside their boards, and the link to the store", async () => {
    const team = harness.demo.teams.find((t) => t.id === "care-day")!;
    const me = team.agents[1]!;
    const adjust = await fetch(`${harness.worker.url}/v1/agents/${me}/points`, {
      method: "POST",
      headers: { authorization: `Bearer ${harness.demo.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "adjustment", points: 120, reason: "Welcome" }),
    });
    expect(adjust.status, await adjust.text()).toBe(201);
    const page = await openAs(await agentToken(me), "?board=care-day-contacts-handled-day");
    const balance = page.getByTestId("my-balance");
    await expect.poll(() => balance.getAttribute("data-balance"), { timeout: 15_000 }).toBe("120");
    expect(await balance.textContent()).toBe("120 points");

    // A badge earned while the page is open shows up without a reload (the demo's first-contact badge or a threshold one).
    const badge = await fetch(`${harness.worker.url}/v1/badges`, {
      method: "POST",
      headers: { authorization: `Bearer ${harness.demo.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "agent-view-first", name: "First of the day", icon: "🌅", points: 10, rule: { kind: "threshold", metric: "contacts_handled", period: "day", value: 1 } }),
    });
    expect(badge.status, await badge.text()).toBe(201);
    await post([{ agent: me, metric: "contacts_handled", value: 1 }]);
    await page.locator("[data-testid=my-badges] [data-badge=agent-view-first]").waitFor({ timeout: 20_000 });
    await expect.poll(() => balance.getAttribute("data-balance"), { timeout: 15_000 }).not.toBe("120");
    expect(await page.getByTestId("rewards-link").getAttribute("href")).toMatch(/^\/rewards\.html#token=/);
  });

  it("renders right to left in Arabic, with Arabic words and the locale's numbers", async () => {
    const team = harness.demo.teams.find((t) => t.id === "sales-north")!;
    const me = team.agents[2]!;
    await post([
      { agent: team.agents[0]!, metric: "contacts_handled", value: 1 },
      { agent: me, metric: "contacts_handled", value: 1 },
    ]);
    const page = await openAs(await agentToken(me), "?lang=ar&board=sales-north-contacts-handled-day");
    expect(await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang])).toEqual(["rtl", "ar"]);
    expect(await page.getByTestId("status").textContent()).toBe("مباشر");
    expect(await page.locator("#my-boards-title").textContent()).toBe("لوحاتي");
    await page.locator("[data-testid=row][data-me=true]").waitFor({ timeout: 15_000 });
    // Laid out right to left: the place column sits right of the name column, the brand at the right edge.
    const row = page.locator("[data-testid=row][data-me=true]");
    const place = (await row.locator("td.place").boundingBox())!;
    const name = (await row.locator("th.name").boundingBox())!;
    expect(place.x).toBeGreaterThan(name.x);
    const brand = (await page.locator(".brand").boundingBox())!;
    expect(brand.x).toBeGreaterThan(640);
    expect(await page.locator("table").evaluate((table) => getComputedStyle(table).direction)).toBe("rtl");
    // Numbers as Arabic formats them (whatever digits the browser's Arabic uses).
    const total = await page.getByTestId("total").textContent();
    const expected = await page.evaluate(() => new Intl.NumberFormat("ar").format(0));
    expect(total).toMatch(new RegExp(`[${expected}-٩0-9]`));
    expect(total).not.toMatch(/agents?/);
    await harness.screenshot(page, "agent-view-ar");
  });

  it("switches language with the picker and keeps the choice; Swedish and Malay words and formats", async () => {
    const team = harness.demo.teams.find((t) => t.id === "care-evening")!;
    const token = await agentToken(team.agents[3]!);
    const page = await openAs(token, "?board=care-evening-contacts-handled-day");
    expect(await page.locator("#my-boards-title").textContent()).toBe("My boards");
    await Promise.all([page.waitForURL((url) => url.searchParams.get("lang") === null && url.pathname === "/"), page.getByTestId("language-select").selectOption("sv")]);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("sv");
    expect(await page.locator("#my-boards-title").textContent()).toBe("Mina tavlor");
    expect(await page.getByTestId("status").textContent()).toBe("Live");
    expect(await page.locator("th", { hasText: "Rang" }).count()).toBe(1);
    // Kept in this browser: a plain reload is still Swedish.
    await page.reload();
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    expect(await page.locator("#my-goals-title").textContent()).toBe("Mina mål");
    // A period in Swedish (day names are the locale's).
    const period = await page.getByTestId("board-period").textContent();
    const swedishDay = await page.evaluate(() => new Date().toLocaleDateString("sv", { weekday: "long", timeZone: "Europe/Stockholm" }));
    expect(period).toContain(swedishDay);

    const malay = await openAs(token, "?lang=ms&board=care-evening-contacts-handled-day");
    expect(await malay.getByTestId("status").textContent()).toBe("Langsung");
    expect(await malay.locator("#my-boards-title").textContent()).toBe("Papan saya");
    await harness.screenshot(malay, "agent-view-ms");
  });
});
