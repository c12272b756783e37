/**
 * The recognition page in real Chromium against the real Worker: an agent spends points in the
 * store, their lead approves the request in the approval queue, and the agent sees the outcome; a
 * lead sees which of their agents are behind pace on their goals.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { skipBrowserTests, useBrowserHarness } from "./harness.ts";

describe.skipIf(skipBrowserTests)("the recognition page", () => {
  const harness = useBrowserHarness();

  const admin = async (method: string, apiPath: string, body: unknown) => {
    const response = await fetch(`${harness.worker.url}${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${harness.demo.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    expect(response.ok, text).toBe(true);
    return JSON.parse(text) as Record<string, unknown>;
  };

  async function open(token: string): Promise<Page> {
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/rewards.html#token=${token}`);
    return page;
  }

  it("an agent requests a reward, the lead approves it in the queue, and the agent sees it approved", async () => {
    const team = harness.demo.teams.find((t) => t.id === "care-day")!;
    const agentId = team.agents[2]!;
    await admin("POST", `/v1/agents/${agentId}/points`, { kind: "adjustment", points: 500, reason: "Welcome bonus" });
    const agentToken = (await admin("POST", "/v1/tokens", { role: "agent", agentId })).token as string;
    const leadToken = (await admin("POST", "/v1/tokens", { role: "lead", teamIds: [team.id] })).token as string;

    const agent = await open(agentToken);
    await agent.locator("[data-testid=balance][data-balance='500']").waitFor({ timeout: 15_000 });
    expect(await agent.locator("[data-testid=movement][data-kind=adjustment]").textContent()).toContain("Welcome bonus");
    // What the balance cannot buy cannot be requested.
    expect(await agent.locator("[data-testid=redeem][data-reward=course]").isDisabled()).toBe(true);
    const goal = agent.locator("[data-testid=goal][data-metric=contacts_handled]");
    await goal.waitFor();

    await agent.locator("[data-testid=redeem][data-reward=extra-break]").click();
    await agent.locator("[data-testid=request][data-reward=extra-break][data-status=pending]").waitFor({ timeout: 15_000 });
    await agent.locator("[data-testid=balance][data-balance='200']").waitFor();
    expect(await agent.getByTestId("held").textContent()).toContain("300 held");
    // A reward that needs no approval is fulfilled at once.
    await agent.locator("[data-testid=redeem][data-reward=coffee]").click();
    await agent.locator("[data-testid=request][data-reward=coffee][data-status=fulfilled]").waitFor({ timeout: 15_000 });
    await agent.locator("[data-testid=balance][data-balance='50']").waitFor();

    const lead = await open(leadToken);
    const queued = lead.locator(`[data-testid=queued][data-agent="${agentId}"][data-reward=extra-break]`);
    await queued.waitFor({ timeout: 15_000 });
    await queued.getByTestId("decision-note").fill("Take it after the 3 pm peak");
    await queued.getByTestId("approve").click();
    await queued.waitFor({ state: "detached", timeout: 15_000 });

    await agent.reload();
    const approved = agent.locator("[data-testid=request][data-reward=extra-break][data-status=fulfilled]");
    await approved.waitFor({ timeout: 15_000 });
    expect(await approved.getByTestId("request-status").textContent()).toBe("Approved · Take it after the 3 pm peak");
    await agent.locator("[data-testid=balance][data-balance='50']").waitFor();
    await harness.screenshot(agent, "recognition-page");
    await harness.screenshot(agent, "rewards-agent");
  });

  it("an agent cancels a pending request and gets the points back; a wallboard link is turned away", async () => {
    const team = harness.demo.teams.find((t) => t.id === "care-evening")!;
    const agentId = team.agents[1]!;
    await admin("POST", `/v1/agents/${agentId}/points`, { kind: "adjustment", points: 400, reason: "Welcome bonus" });
    const agentToken = (await admin("POST", "/v1/tokens", { role: "agent", agentId })).token as string;
    const agent = await open(agentToken);
    await agent.locator("[data-testid=redeem][data-reward=extra-break]").click();
    const pending = agent.locator("[data-testid=request][data-reward=extra-break][data-status=pending]");
    await pending.waitFor({ timeout: 15_000 });
    await pending.getByTestId("cancel").click();
    await agent.locator("[data-testid=request][data-reward=extra-break][data-status=cancelled]").waitFor({ timeout: 15_000 });
    await agent.locator("[data-testid=balance][data-balance='400']").waitFor();

    const displayToken = (await admin("POST", "/v1/tokens", { role: "display", teamIds: [team.id] })).token as string;
    const wall = await open(displayToken);
    await wall.getByTestId("notice").filter({ hasText: "for agents and their leads" }).waitFor({ timeout: 15_000 });
  });

  it("a lead sees who is behind pace on the team's goal, and who has reached it", async () => {
    const team = harness.demo.teams.find((t) => t.id === "sales-south")!;
    const [ahead, behind] = [team.agents[0]!, team.agents[1]!];
    // The demo's daily goal is 30 contacts: one agent reaches it, the rest have none yet.
    await harness.post(Array.from({ length: 30 }, () => ({ agent: ahead, metric: "contacts_handled", value: 1 })));
    const leadToken = (await admin("POST", "/v1/tokens", { role: "lead", teamIds: [team.id] })).token as string;
    const lead = await open(leadToken);

    const behindRow = lead.locator(`[data-testid=pace-row][data-agent="${behind}"][data-metric=contacts_handled]`);
    await behindRow.waitFor({ timeout: 15_000 });
    expect(await behindRow.getAttribute("data-state")).toBe("behind");
    expect(await behindRow.textContent()).toContain("Sales South");
    // Only the team the lead covers, and only those behind pace until asked for everyone.
    const rows = lead.locator("[data-testid=pace-row]");
    const agents = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-agent")));
    expect(new Set(agents)).toEqual(new Set(team.agents.filter((a) => a !== ahead)));
    expect(await lead.getByTestId("pace-summary").textContent()).toBe(`${team.agents.length - 1} of ${team.agents.length} goals behind pace (${team.agents.length} agents).`);

    await lead.getByTestId("pace-behind-only").uncheck();
    const reached = lead.locator(`[data-testid=pace-row][data-agent="${ahead}"]`);
    await reached.waitFor();
    expect(await reached.getAttribute("data-state")).toBe("reached");
    expect(await rows.count()).toBe(team.agents.length);
    // Reached goals come last.
    expect(await rows.last().getAttribute("data-agent")).toBe(ahead);
    await harness.screenshot(lead, "recognition-lead-pace");
    await harness.screenshot(lead, "rewards-lead");
  });

  it("an agent thanks a colleague from the page; a lead gives a spot award and a manual badge", async () => {
    const team = harness.demo.teams.find((t) => t.id === "sales-north")!;
    const [giver, colleague] = [team.agents[0]!, team.agents[1]!];
    const balance = async (agentId: string) => (await harness.get<{ balance: number }>(`/v1/agents/${agentId}/points`, harness.demo.adminKey)).balance;
    const [colleagueBefore, giverBefore] = [await balance(colleague), await balance(giver)];
    const agentToken = (await admin("POST", "/v1/tokens", { role: "agent", agentId: giver })).token as string;
    const leadToken = (await admin("POST", "/v1/tokens", { role: "lead", teamIds: [team.id] })).token as string;

    const agent = await open(agentToken);
    const to = agent.getByTestId("kudos-to");
    await to.locator(`option[value="${colleague}"]`).waitFor({ state: "attached", timeout: 15_000 });
    // Only teammates, never oneself.
    expect(await to.locator(`option[value="${giver}"]`).count()).toBe(0);
    await to.selectOption(colleague);
    await agent.getByTestId("kudos-message").fill("Thanks for taking the escalation");
    await agent.getByTestId("kudos-send").click();
    await agent.locator("[data-testid=kudos-result]", { hasText: "Kudos sent to" }).waitFor({ timeout: 15_000 });
    expect(await balance(colleague)).toBeGreaterThan(colleagueBefore);

    const lead = await open(leadToken);
    await lead.locator(`[data-testid=award-agent] option[value="${giver}"]`).waitFor({ state: "attached", timeout: 15_000 });
    await lead.getByTestId("award-agent").selectOption(giver);
    await lead.getByTestId("award-points").fill("40");
    await lead.getByTestId("award-reason").fill("Stayed late to clear the queue");
    await lead.getByTestId("award-give").click();
    await lead.locator("[data-testid=award-result]", { hasText: "40 points given to" }).waitFor({ timeout: 15_000 });
    expect(await balance(giver)).toBe(giverBefore + 40);

    await lead.getByTestId("award-agent").selectOption(giver);
    await lead.getByTestId("award-kind").selectOption("badge:customer-hero");
    expect(await lead.getByTestId("award-points").isVisible()).toBe(false);
    await lead.getByTestId("award-reason").fill("Turned a complaint into a thank-you letter");
    await lead.getByTestId("award-give").click();
    await lead.locator("[data-testid=award-result]", { hasText: "Customer hero awarded to" }).waitFor({ timeout: 15_000 });
    const awards = await harness.get<{ awards: { badgeId: string }[] }>(`/v1/agents/${giver}/badges`, harness.demo.adminKey);
    expect(awards.awards.map((a) => a.badgeId)).toContain("customer-hero");
    // The same badge twice in a day is refused, and the page says why.
    await lead.getByTestId("award-agent").selectOption(giver);
    await lead.getByTestId("award-kind").selectOption("badge:customer-hero");
    await lead.getByTestId("award-reason").fill("Again");
    await lead.getByTestId("award-give").click();
    await lead.locator("[data-testid=award-result]", { hasNotText: "awarded to" }).waitFor({ timeout: 15_000 });
    expect(await balance(giver)).toBe(giverBefore + 40 + 75);
    await harness.screenshot(lead, "recognition-lead-award");
  });

  it("shows the latest 50 movements of an agent's points and older ones on request", async () => {
    const team = harness.demo.teams.find((t) => t.id === "care-day")!;
    const agentId = team.agents[5]!;
    for (let i = 1; i <= 55; i++) await admin("POST", `/v1/agents/${agentId}/points`, { kind: "adjustment", points: i, reason: `Correction ${i}` });
    const agent = await open((await admin("POST", "/v1/tokens", { role: "agent", agentId })).token as string);
    const rows = agent.locator("[data-testid=movement]");
    await agent.locator("[data-testid=balance][data-balance='1540']").waitFor({ timeout: 15_000 });
    expect(await rows.count()).toBe(50);
    expect(await rows.first().textContent()).toContain("Correction 55");
    await agent.getByTestId("older-movements").click();
    await expect.poll(() => rows.count()).toBe(55);
    expect(await rows.last().textContent()).toContain("Correction 1");
    expect(await agent.getByTestId("older-movements").isVisible()).toBe(false);
  });

  it("shows an agent's page right to left in Arabic, with Arabic words and the locale's numbers", async () => {
    const team = harness.demo.teams.find((t) => t.id === "care-evening")!;
    const agentId = team.agents[4]!;
    await admin("POST", `/v1/agents/${agentId}/points`, { kind: "adjustment", points: 1250, reason: "Welcome bonus" });
    const token = (await admin("POST", "/v1/tokens", { role: "agent", agentId })).token as string;
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/rewards.html?lang=ar#token=${token}`);

    const balance = page.locator("[data-testid=balance][data-balance='1250']");
    await balance.waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang])).toEqual(["rtl", "ar"]);
    expect(await page.locator("#points-title").textContent()).toBe("نقاطي");
    expect(await page.locator("#store-title").textContent()).toBe("المتجر");
    expect(await page.getByTestId("language-select").inputValue()).toBe("ar");
    // The balance as Arabic formats it, whatever digits the browser's Arabic uses.
    const format = (n: number) => page.evaluate((value) => new Intl.NumberFormat("ar").format(value), n);
    expect(await balance.textContent()).toBe(await format(1250));
    expect(await page.locator("table[data-testid=movements]").evaluate((table) => getComputedStyle(table).direction)).toBe("rtl");
    const signed = await page.evaluate(() => new Intl.NumberFormat("ar", { signDisplay: "exceptZero" }).format(1250));
    expect(await page.locator("[data-testid=movement][data-kind=adjustment] td.num").textContent()).toBe(signed);
    // What the balance cannot buy says, in Arabic, how many more points it needs.
    expect(await page.locator("[data-testid=redeem][data-reward=course]").getAttribute("title")).toBe(`تحتاج إلى ${await format(750)} نقطة أخرى`);

    await page.locator("[data-testid=redeem][data-reward=extra-break]").click();
    const pending = page.locator("[data-testid=request][data-reward=extra-break][data-status=pending]");
    await pending.waitFor({ timeout: 15_000 });
    expect(await pending.getByTestId("request-status").textContent()).toBe("بانتظار الموافقة");
    await page.locator("[data-testid=balance][data-balance='950']").waitFor();
    expect(await page.getByTestId("balance").textContent()).toBe(await format(950));
    expect(await page.getByTestId("held").textContent()).toBe(`(${await format(300)} محجوزة لطلبات تنتظر الموافقة)`);
    await harness.screenshot(page, "rewards-ar");
  });

  it("shows a lead's page in Swedish: headings, the pace table and its summary", async () => {
    const team = harness.demo.teams.find((t) => t.id === "sales-north")!;
    const ahead = team.agents[9]!;
    await harness.post(Array.from({ length: 30 }, () => ({ agent: ahead, metric: "contacts_handled", value: 1 })));
    const leadToken = (await admin("POST", "/v1/tokens", { role: "lead", teamIds: [team.id] })).token as string;
    const lead = await harness.newPage();
    await lead.goto(`${harness.worker.url}/rewards.html?lang=sv#token=${leadToken}`);

    const behindRow = lead.locator(`[data-testid=pace-row][data-agent="${team.agents[0]!}"][data-metric=contacts_handled]`);
    await behindRow.waitFor({ timeout: 15_000 });
    expect(await lead.evaluate(() => [document.documentElement.dir, document.documentElement.lang])).toEqual(["ltr", "sv"]);
    expect(await lead.getByTestId("who").textContent()).toBe("Teamledare");
    expect(await lead.locator("#queue-title").textContent()).toBe("Förfrågningar som väntar på godkännande");
    expect(await lead.locator("#pace-title").textContent()).toBe("Mål: vem ligger efter takten");
    expect(await lead.locator("#award-title").textContent()).toBe("Uppmärksamma en agent");
    expect(await lead.locator("th", { hasText: "Takten kräver" }).count()).toBe(1);
    expect(await behindRow.locator(".goal-state").textContent()).toBe("Efter takten");
    const total = team.agents.length;
    expect(await lead.getByTestId("pace-summary").textContent()).toBe(`${total - 1} av ${total} mål efter takten (${total} agenter).`);
    expect(await lead.getByTestId("queue-empty").textContent()).toBe("Inget väntar på dig.");
    expect(await lead.locator("[data-testid=award-kind] option[value=spot]").textContent()).toBe("Spontanbelöning (poäng)");

    await lead.getByTestId("pace-behind-only").uncheck();
    const reached = lead.locator(`[data-testid=pace-row][data-agent="${ahead}"]`);
    await reached.waitFor();
    expect(await reached.locator(".goal-state").textContent()).toBe("Uppnått");
    await harness.screenshot(lead, "rewards-lead-sv");
  });
});
