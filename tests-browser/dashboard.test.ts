/**
 * The manager dashboard in real Chromium against the real Worker: a manager's and a lead's boards,
 * live; who is behind pace; team against team; a board's periods charted; and the page turning
 * agents and wallboards away, and reading right to left in Arabic.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Board, SnapshotFrame, TokenCreate } from "../protocol/index.ts";
import { mintToken } from "../scripts/demo.ts";
import { skipBrowserTests, useBrowserHarness } from "./harness.ts";

describe.skipIf(skipBrowserTests)("the manager dashboard", () => {
  const harness = useBrowserHarness();
  const { post } = harness;

  const token = async (body: TokenCreate) => (await mintToken(harness.worker.url, harness.demo.adminKey, body)).token;
  const team = (id: string) => harness.demo.teams.find((t) => t.id === id)!;

  async function admin<T>(method: string, apiPath: string, body?: unknown): Promise<T> {
    const response = await fetch(`${harness.worker.url}${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${harness.demo.adminKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    expect(response.ok, text).toBe(true);
    return JSON.parse(text) as T;
  }

  async function open(viewerToken: string, query = ""): Promise<Page> {
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/dashboard.html${query}#token=${viewerToken}`);
    return page;
  }

  const card = (page: Page, boardId: string) => page.locator(`[data-testid=card][data-board="${boardId}"]`);
  const dataOf = (page: Page, selector: string, key: string) => page.locator(selector).evaluateAll((nodes, k) => nodes.map((n) => (n as HTMLElement).dataset[k] ?? ""), key);

  /** The sum of the scores on a board, as the server has them now (a read key sees whole boards). */
  async function boardTotal(boardId: string): Promise<{ total: number; ranked: number | null }> {
    const { snapshot } = await harness.get<{ snapshot: SnapshotFrame }>(`/v1/boards/${boardId}`, harness.demo.readKey);
    return { total: snapshot.rows.reduce((sum, r) => sum + (r.score ?? 0), 0), ranked: snapshot.total };
  }

  it("shows a manager the full boards of their department's teams, live: an event posted lands on the right card", async () => {
    const page = await open(await token({ role: "manager", departmentIds: ["care"], name: "care manager" }));

    // Their department's teams, its roll-ups and the org's; nothing of Inbound Sales.
    await expect.poll(() => dataOf(page, "[data-testid=group]", "group"), { timeout: 15_000 }).toEqual(["team:care-day", "team:care-evening", "department:care", "org"]);
    await page.locator("[data-testid=group][data-group='team:care-day']", { hasText: "Care Day Shift" }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("who").textContent()).toBe("Manager");

    // The first team's boards, each live and whole (a full view, not the public one).
    const dayBoards = harness.demo.boards.filter((b) => b.teamId === "care-day").map((b) => b.id);
    expect(await dataOf(page, "[data-testid=card]", "board")).toEqual(expect.arrayContaining(dayBoards));
    expect(await page.getByTestId("card").count()).toBe(dayBoards.length);
    await expect.poll(() => page.locator("[data-testid=card-status][data-status=live]").count(), { timeout: 15_000 }).toBe(dayBoards.length);

    const agent = team("care-day").agents[3]!;
    const before = (await boardTotal("care-day-contacts-handled-day")).total;
    await post([
      { agent, metric: "contacts_handled", value: 1 },
      { agent, metric: "contacts_handled", value: 1 },
      { agent, metric: "contacts_handled", value: 1 },
    ]);
    const contacts = card(page, "care-day-contacts-handled-day");
    await contacts.locator(`[data-testid=card-row][data-agent-id="${agent}"][data-score="3"]`).waitFor({ timeout: 15_000 });
    expect(await contacts.getByTestId("card-meta").textContent()).toContain("Contacts handled");
    expect(await contacts.getByTestId("card-count").textContent()).not.toContain("public view");
    expect((await boardTotal("care-day-contacts-handled-day")).total).toBe(before + 3);
    // The same event counts on the week's board too; boards of other metrics stay as they were.
    await card(page, "care-day-contacts-handled-week").locator(`[data-testid=card-row][data-agent-id="${agent}"]`).waitFor({ timeout: 15_000 });
    expect(await card(page, "care-day-csat-day").locator(`[data-testid=card-row][data-agent-id="${agent}"]`).count()).toBe(0);

    // The full board opens below the cards; the card links to the live page.
    await contacts.getByTestId("card-open").click();
    await page.locator(`[data-testid=detail-row][data-agent-id="${agent}"][data-score="3"]`).waitFor();
    expect(await contacts.getByTestId("card-open").getAttribute("aria-expanded")).toBe("true");
    expect(await contacts.getByTestId("card-live").getAttribute("href")).toBe("/?board=care-day-contacts-handled-day");

    // Another team's boards replace these: only the chosen group's boards hold sockets.
    await page.locator("[data-testid=group][data-group='team:care-evening']").click();
    const eveningBoards = harness.demo.boards.filter((b) => b.teamId === "care-evening").map((b) => b.id);
    await expect.poll(() => dataOf(page, "[data-testid=card]", "board")).toEqual(expect.arrayContaining(eveningBoards));
    expect(await page.getByTestId("card").count()).toBe(eveningBoards.length);
    expect(await page.getByTestId("detail").isHidden()).toBe(true);
    expect(new URL(page.url()).searchParams.get("group")).toBe("team:care-evening");
    await harness.screenshot(page, "dashboard");
  });

  it("shows a lead only their own team's boards whole, and the roll-ups they may see publicly", async () => {
    const page = await open(await token({ role: "lead", teamIds: ["sales-south"], name: "sales south lead" }));
    await expect.poll(() => dataOf(page, "[data-testid=group]", "group"), { timeout: 15_000 }).toEqual(["team:sales-south", "department:sales", "org"]);
    const southBoards = harness.demo.boards.filter((b) => b.teamId === "sales-south").map((b) => b.id);
    await expect.poll(() => dataOf(page, "[data-testid=card]", "board"), { timeout: 15_000 }).toEqual(expect.arrayContaining(southBoards));
    expect(await page.getByTestId("card").count()).toBe(southBoards.length);
    expect(await page.getByTestId("who").textContent()).toBe("Team lead");

    // The department's roll-ups reach a lead as the public view.
    await page.locator("[data-testid=group][data-group='department:sales']").click();
    const rollup = card(page, "sales-teams-contacts-day");
    await rollup.getByTestId("card-count").filter({ hasText: "public view" }).waitFor({ timeout: 15_000 });
    expect(await page.locator("[data-testid=card][data-board^='sales-north']").count()).toBe(0);
  });

  it("compares the teams from the department's roll-up of teams, live", async () => {
    const page = await open(await token({ role: "manager", departmentIds: ["sales"], name: "sales manager" }));
    const table = page.locator("[data-testid=versus-table][data-source=rollup][data-board=sales-teams-contacts-day]");
    await table.waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("versus-source").textContent()).toContain("Sales: team against team");
    expect(await page.getByTestId("versus-source").textContent()).toContain("total");

    await post([
      ...team("sales-north").agents.slice(0, 4).map((agent) => ({ agent, metric: "contacts_handled", value: 1 })),
      { agent: team("sales-south").agents[0]!, metric: "contacts_handled", value: 1 },
    ]);
    const [north, south] = [await boardTotal("sales-north-contacts-handled-day"), await boardTotal("sales-south-contacts-handled-day")];
    expect(north.total).toBeGreaterThan(0);
    // The roll-up's team score is the total of the team's agents, as the team's own board has them.
    await page.locator(`[data-testid=versus-row][data-team=sales-north][data-score="${north.total}"]`).waitFor({ timeout: 15_000 });
    await page.locator(`[data-testid=versus-row][data-team=sales-south][data-score="${south.total}"]`).waitFor({ timeout: 15_000 });
    if (north.total !== south.total) {
      expect(await dataOf(page, "[data-testid=versus-row]", "team")).toEqual(north.total > south.total ? ["sales-north", "sales-south"] : ["sales-south", "sales-north"]);
    }
  });

  it("compares the teams from their own boards where no roll-up ranks them, and says so", async () => {
    const page = await open(await token({ role: "manager", departmentIds: ["care"], name: "care manager" }));
    const table = page.locator("[data-testid=versus-table][data-source=team-boards]");
    await table.waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("versus-select").inputValue()).toBe("teams:contacts_handled|day||");
    expect(await page.getByTestId("versus-source").textContent()).toContain("From each team's own board");

    await post([
      { agent: team("care-day").agents[7]!, metric: "contacts_handled", value: 1 },
      { agent: team("care-evening").agents[0]!, metric: "contacts_handled", value: 1 },
      { agent: team("care-evening").agents[1]!, metric: "contacts_handled", value: 1 },
    ]);
    const [day, evening] = [await boardTotal("care-day-contacts-handled-day"), await boardTotal("care-evening-contacts-handled-day")];
    await page.getByTestId("versus-refresh").click();
    const row = (teamId: string, figures: { total: number; ranked: number | null }) =>
      page.locator(`[data-testid=versus-row][data-team=${teamId}][data-total="${figures.total}"][data-ranked="${figures.ranked}"]`);
    await row("care-day", day).waitFor({ timeout: 15_000 });
    await row("care-evening", evening).waitFor({ timeout: 15_000 });
    expect(await row("care-evening", evening).locator("th").textContent()).toBe("Care Evening Shift");
    expect(await row("care-evening", evening).getAttribute("data-average")).toBe(String(Math.round((evening.total / evening.ranked!) * 100) / 100));

    // Another metric of the same teams: CSAT is compared by its average.
    await page.getByTestId("versus-select").selectOption("teams:csat|week||");
    await page.locator("[data-testid=versus-table] thead th.primary", { hasText: "Average" }).waitFor({ timeout: 15_000 });
  });

  it("lists the agents behind pace on their goals, furthest behind first", async () => {
    const south = team("sales-south");
    const [idle, started] = [south.agents[8]!, south.agents[9]!];
    // Goals of an agent's own (over the team's 30 a day): far out of reach today.
    for (const agentId of [idle, started]) await admin("POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 1000, agentId });
    await post([{ agent: started, metric: "contacts_handled", value: 1 }]);
    const page = await open(await token({ role: "manager", departmentIds: ["sales"], name: "sales manager" }));

    const items = page.getByTestId("pace-item");
    await items.first().waitFor({ timeout: 15_000 });
    // The ten furthest behind at first; everyone behind pace on request.
    const behind = Number((await page.getByTestId("pace-summary").textContent())!.split(" ")[0]);
    expect(behind).toBeGreaterThan(10);
    expect(await items.count()).toBe(10);
    expect(await page.getByTestId("pace-more").textContent()).toBe(`Show all ${behind}`);
    await page.getByTestId("pace-more").click();
    await expect.poll(() => items.count()).toBe(behind);
    expect(await page.getByTestId("pace-more").getAttribute("aria-expanded")).toBe("true");
    const order = await dataOf(page, "[data-testid=pace-item]", "agent");
    expect(order.indexOf(idle)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(idle)).toBeLessThan(order.indexOf(started));
    const mine = page.locator(`[data-testid=pace-item][data-agent="${started}"]`);
    expect(await mine.getAttribute("data-state")).toBe("behind");
    expect(await mine.textContent()).toContain("Sales South");
    expect(await mine.getByTestId("goal-figures").textContent()).toBe("1 / 1,000");
    // Only goals behind pace, and only of the manager's department's agents.
    expect(await page.locator("[data-testid=pace-item]:not([data-state=behind])").count()).toBe(0);
    const teams = new Set(await dataOf(page, "[data-testid=pace-item]", "team"));
    expect([...teams].every((t) => t.startsWith("sales-"))).toBe(true);
    expect(await page.getByTestId("pace-summary").textContent()).toMatch(/^\d+ goals of \d+ behind pace \(\d+ agents\)\.$/);
  });

  it("charts a board's closed periods from its history beside the current one so far, and an agent's trend", async () => {
    const evening = team("care-evening");
    const [first, second] = [evening.agents[2]!, evening.agents[3]!];
    // A contest that ends in a few seconds (and starts now, so the team's earlier contacts are not
    // in it): when it closes, its final standings go to history.
    const now = Date.now();
    const ends = new Date(now + 6_000).toISOString();
    await admin("POST", "/v1/boards", { id: "evening-sprint", name: "Evening sprint", teamId: "care-evening", metric: "contacts_handled", period: "contest", startsAt: new Date(now - 1_000).toISOString(), endsAt: ends });
    await post([first, first, first, second].map((agent) => ({ agent, metric: "contacts_handled", value: 1 })));
    await expect
      .poll(async () => (await harness.get<{ periods: { total: number }[] }>("/v1/boards/evening-sprint/history", harness.demo.readKey)).periods.map((p) => p.total), { timeout: 40_000, interval: 1_000 })
      .toEqual([2]);
    // The next contest starts where the first ended.
    await admin("PATCH", "/v1/boards/evening-sprint", { startsAt: ends, endsAt: new Date(Date.now() + 7_200_000).toISOString() });
    await post([{ agent: second, metric: "contacts_handled", value: 1 }]);

    const page = await open(await token({ role: "manager", departmentIds: ["care"], name: "care manager" }), "?group=team:care-evening");
    const sprint = card(page, "evening-sprint");
    await sprint.locator(`[data-testid=card-row][data-agent-id="${second}"][data-score="1"]`).waitFor({ timeout: 15_000 });
    const historyAsked = page.waitForRequest((request) => /\/v1\/boards\/evening-sprint\/history\?limit=8$/.test(request.url()));
    await sprint.getByTestId("card-open").click();
    await historyAsked;

    // Contacts are a count: each period's total, the closed one and the current one "so far".
    const bars = page.getByTestId("periods-chart-bar");
    await expect.poll(() => bars.count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByTestId("chart-measure").inputValue()).toBe("total");
    expect(await bars.evaluateAll((gs) => gs.map((g) => [g.getAttribute("data-current"), g.getAttribute("data-value")]))).toEqual([
      ["false", "4"],
      ["true", "1"],
    ]);
    expect(await bars.last().textContent()).toContain("so far");
    expect(await page.getByTestId("periods-chart").locator("svg").getAttribute("role")).toBe("img");
    expect(await page.getByTestId("periods-chart-table").locator("tbody tr").last().textContent()).toContain("so far");
    expect(await page.getByTestId("chart-status").textContent()).toBe("1 closed period and the current one.");

    // The current period moves with the board.
    await post([{ agent: first, metric: "contacts_handled", value: 1 }]);
    await page.locator("[data-testid=periods-chart-bar][data-current=true][data-value='2']").waitFor({ timeout: 15_000 });
    await page.getByTestId("chart-measure").selectOption("best");
    await page.locator("[data-testid=periods-chart-bar][data-current=false][data-value='3']").waitFor();

    // An agent picked in the full table: their score in each period, and their rank then.
    const trendAsked = page.waitForResponse((r) => r.url().includes(`/v1/agents/${first}/trend?board=evening-sprint`));
    await page.locator(`[data-testid=trend-open][data-agent-id="${first}"]`).click();
    expect((await trendAsked).ok()).toBe(true);
    const trendBars = page.getByTestId("trend-chart-bar");
    await expect.poll(() => trendBars.evaluateAll((gs) => gs.map((g) => [g.getAttribute("data-current"), g.getAttribute("data-value")])), { timeout: 15_000 }).toEqual([
      ["false", "3"],
      ["true", "1"],
    ]);
    expect(await page.getByTestId("trend-chart-table").locator("tbody tr").first().textContent()).toContain("1 of 2");
    await harness.screenshot(page, "dashboard-chart");
  });

  it("tells an agent and a wallboard that the dashboard is for leads and managers, and where to go", async () => {
    const agentId = team("care-day").agents[0]!;
    const page = await open(await token({ role: "agent", agentId, name: "agent" }));
    await page.getByTestId("elsewhere-text").filter({ hasText: "for team leads and managers" }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("elsewhere-link").getAttribute("href")).toMatch(/^\/#token=/);
    expect(await page.getByTestId("dashboard").isHidden()).toBe(true);
    expect(await page.getByTestId("card").count()).toBe(0);

    const wall = await open(await token({ role: "display", teamIds: ["care-day"], name: "wallboard" }));
    await wall.getByTestId("elsewhere-text").filter({ hasText: "for team leads and managers" }).waitFor({ timeout: 15_000 });
    expect(await wall.getByTestId("elsewhere-link").getAttribute("href")).toMatch(/^\/wallboard\.html#token=/);
  });

  it("reads right to left in Arabic, with the words, numbers and chart in Arabic", async () => {
    const page = await open(await token({ role: "manager", departmentIds: ["sales"], name: "sales manager" }), "?lang=ar");
    await page.locator("[data-testid=card-status][data-status=live]").first().waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang.split("-")[0]])).toEqual(["rtl", "ar"]);
    expect(await page.locator("h1.page-title").textContent()).toBe("لوحة المتابعة");
    expect(await page.getByTestId("who").textContent()).toBe("مدير");
    expect(await page.getByTestId("language-select").inputValue()).toBe("ar");
    await card(page, "sales-north-contacts-handled-day").getByTestId("card-open").click();
    await page.getByTestId("periods-chart").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("periods-chart").locator("svg").getAttribute("aria-label")).toContain("مخطط أعمدة");
    expect(await page.locator("[data-testid=periods-chart-bar][data-current=true] .so-far").textContent()).toBe("حتى الآن");
    // The board's card opens in the reading direction: its start edge is on the right.
    const box = await page.getByTestId("cards").boundingBox();
    const firstCard = await page.getByTestId("card").first().boundingBox();
    expect(firstCard!.x + firstCard!.width).toBeCloseTo(box!.x + box!.width, 0);
    await harness.screenshot(page, "dashboard-ar");
  });
});
