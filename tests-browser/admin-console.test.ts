/**
 * The admin console in real Chromium against the real Worker: an admin imports agents from a CSV
 * file, defines metrics and boards, connects a webhook source, issues an API key, adds a badge and
 * a reward and approves a request, each checked through the API afterwards; what the server
 * refuses is shown at the field (or CSV line) it names; the console speaks Arabic right to left.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Badge, Board, Redemption, Reward } from "../protocol/index.ts";
import { mintToken } from "../scripts/demo.ts";
import { skipBrowserTests, useBrowserHarness } from "./harness.ts";

describe.skipIf(skipBrowserTests)("the admin console", () => {
  const harness = useBrowserHarness();

  /** Calls the API and answers the status and JSON, whatever the status (harness.get fails on errors). */
  async function request(method: string, apiPath: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${harness.worker.url}${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function openSection(section: string, options: { lang?: string } = {}): Promise<Page> {
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/admin.html${options.lang ? `?lang=${options.lang}` : ""}#token=${harness.demo.adminKey}`);
    await page.getByTestId(`nav-${section}`).click();
    await page.locator(`[data-section="${section}"]`).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId(`nav-${section}`).getAttribute("aria-current")).toBe("page");
    return page;
  }

  /** A screenshot of the whole section, from the top (the side navigation sticks to where the page was scrolled). */
  async function screenshot(page: Page, name: string): Promise<void> {
    await page.evaluate(() => scrollTo(0, 0));
    await harness.screenshot(page, name);
  }

  /** A CSV file for the file input. */
  const csvFile = (name: string, lines: string[]) => ({ name, mimeType: "text/csv", buffer: Buffer.from(`${lines.join("\n")}\n`) });
  const csvRow = (page: Page, line: number) => page.locator(`[data-testid=csv-row][data-line="${line}"]`);
  const agentStatus = async (id: string) => (await request("GET", `/v1/agents/${id}`, harness.demo.adminKey)).status;

  it("shows the visibility settings first, with the sections a keyboard can reach", async () => {
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/admin.html#token=${harness.demo.adminKey}`);
    await page.locator("[data-testid=board-visibility][data-board]").waitFor({ timeout: 15_000 });
    await expect(page.getByTestId("nav-visibility").getAttribute("aria-current")).resolves.toBe("page");
    await expect(page.locator("[data-section=directory]").isHidden()).resolves.toBe(true);
    await screenshot(page, "admin-visibility");

    // The navigation is made of links: Tab reaches them, Enter opens a section.
    await page.getByTestId("nav-metrics").focus();
    await page.keyboard.press("Enter");
    await page.locator("[data-section=metrics]").waitFor();
    await expect(page.getByTestId("nav-metrics").getAttribute("aria-current")).resolves.toBe("page");
    await expect(page.getByTestId("nav-visibility").getAttribute("aria-current")).resolves.toBe(null);
    await expect(page.locator("[data-section=visibility]").isHidden()).resolves.toBe(true);
    expect(new URL(page.url()).hash).toBe("#metrics");
  });

  it("a CSV file with bad rows shows each problem and sends nothing; fixed, it imports every agent", async () => {
    const page = await openSection("directory");
    await page.getByTestId("agent-import-file").setInputFiles(
      csvFile("agents.csv", [
        "id,name,teamId,externalIds.twilio",
        "csv-1,Astrid Holm,care-day,WKCSV0001",
        "csv-2,,nowhere,",
        "",
        "csv-1,Bo Ek,sales-north,",
      ]),
    );
    await expect.poll(() => page.getByTestId("csv-row").count()).toBe(3);
    await expect(csvRow(page, 2).getAttribute("data-status")).resolves.toBe("ok");
    await expect(csvRow(page, 3).getAttribute("data-status")).resolves.toBe("bad");
    const line3 = await csvRow(page, 3).getByTestId("csv-row-problems").textContent();
    expect(line3).toContain("name: missing");
    expect(line3).toContain("teamId: no active team 'nowhere'");
    // A blank line is skipped, and the next row keeps its own line number.
    await expect(csvRow(page, 5).getByTestId("csv-row-problems").textContent()).resolves.toContain("id: the same id as line 2");
    await expect(csvRow(page, 5).locator("td.bad[data-column=id]").count()).resolves.toBe(1);
    await expect(page.getByTestId("agent-import-summary").textContent()).resolves.toContain("3 rows: 1 ready, 2 with problems.");
    await expect(page.getByTestId("agent-import-submit").isDisabled()).resolves.toBe(true);
    await screenshot(page, "admin-import-problems");
    expect(await agentStatus("csv-1")).toBe(404);

    await page.getByTestId("agent-import-file").setInputFiles(
      csvFile("agents-fixed.csv", ["id,name,teamId,twilio", "csv-1,Astrid Holm,care-day,WKCSV0001", "csv-2,Bo Ek,sales-north,"]),
    );
    await expect.poll(() => page.locator("[data-testid=csv-row][data-status=ok]").count()).toBe(2);
    await expect(page.getByTestId("agent-import-submit").textContent()).resolves.toBe("Import 2 agents");
    await page.getByTestId("agent-import-submit").click();
    await expect.poll(() => page.getByTestId("agent-import-result").textContent(), { timeout: 15_000 }).toBe("Imported 2 agents.");

    const astrid = await harness.get<{ name: string; teamId: string; externalIds: Record<string, string> }>("/v1/agents/csv-1", harness.demo.adminKey);
    expect(astrid).toMatchObject({ name: "Astrid Holm", teamId: "care-day", externalIds: { twilio: "WKCSV0001" } });
    await expect(harness.get("/v1/agents/csv-2", harness.demo.adminKey)).resolves.toMatchObject({ name: "Bo Ek", teamId: "sales-north", externalIds: {} });
    // The directory lists them.
    await page.locator("[data-testid=agent-row][data-id=csv-1]").waitFor();
    await screenshot(page, "admin-directory");
  });

  it("the server's refusal of an import is shown on the CSV line and column it names, and nothing of the request is imported", async () => {
    const page = await openSection("directory");
    await page.getByTestId("agent-import-text").fill("id,name,teamId\ncsv-3,Cai Lund,care-day\nbad id!,Dee Moss,care-day\n");
    await page.getByTestId("agent-import-check").click();
    // The id's form is the server's to check: the preview lets it through.
    await expect.poll(() => page.locator("[data-testid=csv-row][data-status=ok]").count()).toBe(2);
    await page.getByTestId("agent-import-submit").click();

    await expect.poll(() => csvRow(page, 3).getAttribute("data-status"), { timeout: 15_000 }).toBe("bad");
    await expect(csvRow(page, 3).locator("td.bad[data-column=id]").count()).resolves.toBe(1);
    const result = await page.getByTestId("agent-import-result").textContent();
    expect(result).toMatch(/^The server refused the import: Line 3, id: must be 1-64 letters/);
    expect(result).toContain("Nothing was imported.");
    await expect(page.getByTestId("agent-import-submit").isDisabled()).resolves.toBe(true);
    expect(await agentStatus("csv-3")).toBe(404);
    await screenshot(page, "admin-import-refused");
  });

  it("a file of more than 1,000 agents goes in requests of 1,000, says so, and says which were imported when a later one is refused", async () => {
    const page = await openSection("directory");
    // Ids after every other agent's, so that the directory's first page stays as the other tests expect.
    const rows = Array.from({ length: 1000 }, (_, i) => `zz-bulk-${String(i + 1).padStart(4, "0")},Bulk Agent ${i + 1},care-evening`);
    await page.getByTestId("agent-import-file").setInputFiles(csvFile("bulk.csv", ["id,name,teamId", ...rows, "zz bulk 1001,Bulk Agent 1001,care-evening"]));
    await expect.poll(() => page.getByTestId("agent-import-requests").textContent()).toBe(
      "They will be sent in 2 requests of up to 1,000 agents; each request is imported whole or not at all.",
    );
    // Every row with a problem is listed, and the first hundred of the others.
    await expect(page.getByTestId("csv-row").count()).resolves.toBe(100);
    await page.getByTestId("agent-import-submit").click();

    await expect.poll(() => page.getByTestId("agent-import-result").getAttribute("data-state"), { timeout: 60_000 }).toBe("refused");
    await expect(page.getByTestId("agent-import-result").textContent()).resolves.toMatch(
      /^The server refused the import: Line 1,002, id: .*The first 1 of 2 requests \(1,000 agents\) were imported; the rest were not\.$/,
    );
    await expect(csvRow(page, 1002).getAttribute("data-status")).resolves.toBe("bad");
    await expect(harness.get("/v1/agents/zz-bulk-1000", harness.demo.adminKey)).resolves.toMatchObject({ name: "Bulk Agent 1000", teamId: "care-evening" });
    const { agents } = await harness.get<{ agents: unknown[] }>("/v1/agents?teamId=care-evening&limit=1000&cursor=zz-bulk-0000", harness.demo.adminKey);
    expect(agents).toHaveLength(1000);
  });

  it("adds a department and a team with a shift, renames the team and deactivates it after confirming", async () => {
    const page = await openSection("directory");
    await page.getByTestId("department-create-id").fill("outbound");
    await page.getByTestId("department-create-name").fill("Outbound");
    await page.getByTestId("department-create-submit").click();
    await page.locator("[data-testid=department-row][data-id=outbound]").waitFor({ timeout: 15_000 });

    await page.getByTestId("team-create-id").fill("outbound-night");
    await page.getByTestId("team-create-name").fill("Outbound Night");
    await page.getByTestId("team-create-departmentId").selectOption("outbound");
    await page.getByTestId("team-create-shift-start").fill("22:00");
    await page.getByTestId("team-create-submit").click();
    // Half a shift is refused here, at its field.
    await expect.poll(() => page.getByTestId("team-create-shift-end-error").textContent()).toBe("Enter both times, or neither.");
    await page.getByTestId("team-create-shift-end").fill("06:00");
    await page.getByTestId("team-create-submit").click();
    const team = page.locator("[data-testid=team-row][data-id=outbound-night]");
    await team.waitFor({ timeout: 15_000 });
    await expect(harness.get("/v1/teams/outbound-night", harness.demo.adminKey)).resolves.toMatchObject({ departmentId: "outbound", shift: { start: "22:00", end: "06:00" } });

    await team.getByTestId("edit").click();
    await page.getByTestId("team-edit-name").fill("Outbound Nights");
    await page.getByTestId("team-edit-submit").click();
    await page.getByTestId("edit-dialog").waitFor({ state: "detached" });
    await expect.poll(async () => (await harness.get<{ name: string }>("/v1/teams/outbound-night", harness.demo.adminKey)).name).toBe("Outbound Nights");

    // Dismissing the confirmation changes nothing; accepting it deactivates.
    page.once("dialog", (dialog) => void dialog.dismiss());
    await team.getByTestId("deactivate").click();
    await expect(harness.get("/v1/teams/outbound-night", harness.demo.adminKey)).resolves.toMatchObject({ active: true });
    page.once("dialog", (dialog) => void dialog.accept());
    await team.getByTestId("deactivate").click();
    await page.locator("[data-testid=team-row][data-id=outbound-night][data-active=false]").waitFor({ timeout: 15_000 });
    await expect(harness.get("/v1/teams/outbound-night", harness.demo.adminKey)).resolves.toMatchObject({ active: false });
  });

  it("creates a metric (the server's refusal shown at its field) and a contest board on it", async () => {
    const page = await openSection("metrics");
    await page.getByTestId("metric-create-key").fill("First contact");
    await page.getByTestId("metric-create-label").fill("First contact resolution");
    await page.getByTestId("metric-create-submit").click();
    await expect.poll(() => page.getByTestId("metric-create-key-error").textContent()).toContain("snake_case");
    await expect(page.getByTestId("metric-create-key").getAttribute("aria-invalid")).resolves.toBe("true");
    expect((await request("GET", "/v1/metrics/first_contact", harness.demo.adminKey)).status).toBe(404);

    await page.getByTestId("metric-create-key").fill("first_contact");
    await page.getByTestId("metric-create-unit").fill("%");
    await page.getByTestId("metric-create-aggregation").selectOption("ratio");
    await page.getByTestId("metric-create-minVolume").fill("5");
    await page.getByTestId("metric-create-submit").click();
    await page.locator("[data-testid=metric-row][data-id=first_contact]").waitFor({ timeout: 15_000 });
    await expect(page.getByTestId("metric-create-key-error").isHidden()).resolves.toBe(true);
    await expect(harness.get("/v1/metrics/first_contact", harness.demo.adminKey)).resolves.toMatchObject({
      label: "First contact resolution",
      unit: "%",
      aggregation: "ratio",
      direction: "higher",
      minVolume: 5,
    });
    await screenshot(page, "admin-metrics");

    await page.getByTestId("nav-boards").click();
    await page.locator("[data-section=boards]").waitFor();
    await page.getByTestId("board-create-id").fill("care-day-fcr-contest");
    await page.getByTestId("board-create-name").fill("FCR sprint");
    await page.getByTestId("board-create-teamId").selectOption("care-day");
    await page.getByTestId("board-create-metric").selectOption("first_contact");
    await page.getByTestId("board-create-period").selectOption("contest");
    const day = 86_400_000;
    const local = (ms: number) => {
      const at = new Date(ms);
      const pad = (x: number) => String(x).padStart(2, "0");
      return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:00`;
    };
    const [starts, ends] = [local(Date.now() - day), local(Date.now() + 6 * day)];
    await page.getByTestId("board-create-startsAt").fill(starts);
    await page.getByTestId("board-create-endsAt").fill(ends);
    await page.getByTestId("board-create-submit").click();
    await page.locator("[data-testid=board-row][data-id=care-day-fcr-contest]").waitFor({ timeout: 15_000 });

    const { boards } = await harness.get<{ boards: Board[] }>("/v1/boards", harness.demo.adminKey);
    expect(boards.find((b) => b.id === "care-day-fcr-contest")).toMatchObject({
      name: "FCR sprint",
      scope: "team",
      teamId: "care-day",
      metric: "first_contact",
      period: "contest",
      startsAt: new Date(starts).toISOString(),
      endsAt: new Date(ends).toISOString(),
      active: true,
    });
    // The new board can be given its visibility at once.
    await expect(page.locator('#admin-board-select option[value="care-day-fcr-contest"]').count()).resolves.toBe(1);
    await screenshot(page, "admin-boards");
  });

  it("creates a webhook source whose URL the Copy button puts on the clipboard, shows its secret on request (audited) and rotates it", async () => {
    const page = await openSection("sources");
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: harness.worker.url });

    // Twilio issues the secret: without it the server refuses the source, at the secret's field.
    await page.getByTestId("source-create-name").fill("Twilio Flex EU");
    await page.getByTestId("source-create-platform").selectOption("twilio");
    await page.getByTestId("source-create-submit").click();
    await expect.poll(() => page.getByTestId("source-create-secret-error").textContent()).toContain("required");

    await page.getByTestId("source-create-name").fill("CRM orders");
    await page.getByTestId("source-create-platform").selectOption("generic");
    await page.getByTestId("source-create-submit").click();
    await page.getByTestId("source-created").waitFor({ timeout: 15_000 });
    const url = await page.getByTestId("source-created-url").inputValue();
    expect(url).toMatch(new RegExp(`^${harness.worker.url}/v1/webhooks/src_[\\w-]+$`));
    const sourceId = url.split("/").at(-1)!;
    const secret = await page.getByTestId("source-created-secret").inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(16);

    await page.getByTestId("source-created-url-copy").click();
    await expect.poll(() => page.getByTestId("source-created-url-copied").textContent()).toBe("Copied.");
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(url);

    // In the list: the same URL with its own Copy button, and the secret only when asked for.
    const row = page.locator(`[data-testid=source-row][data-id="${sourceId}"]`);
    await expect(row.getByTestId("source-url").inputValue()).resolves.toBe(url);
    await expect(row.getByTestId("source-secret").count()).resolves.toBe(0);
    await row.getByTestId("source-show-secret").click();
    await expect.poll(() => row.getByTestId("source-secret").inputValue(), { timeout: 15_000 }).toBe(secret);
    await row.getByTestId("source-secret-copy").click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    const { entries } = await harness.get<{ entries: { after: unknown }[] }>(`/v1/audit?target=source:${sourceId}`, harness.demo.adminKey);
    expect(entries.filter((e) => JSON.stringify(e.after) === '{"secret":"shown"}')).toHaveLength(1);
    await screenshot(page, "admin-sources");

    await row.getByTestId("source-rotate").click();
    await page.getByTestId("rotate-secret-previousSecretValidSeconds").selectOption("0");
    await page.getByTestId("rotate-secret-submit").click();
    await page.getByTestId("edit-dialog").waitFor({ state: "detached", timeout: 15_000 });
    await expect.poll(() => row.getByTestId("source-secret").inputValue(), { timeout: 15_000 }).not.toBe(secret);
    const rotated = await row.getByTestId("source-secret").inputValue();
    expect(rotated).not.toBe(secret);
    await expect(harness.get(`/v1/sources/${sourceId}/secret`, harness.demo.adminKey)).resolves.toEqual({ secret: rotated });

    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByTestId("source-deactivate").click();
    await page.locator(`[data-testid=source-row][data-id="${sourceId}"][data-active=false]`).waitFor({ timeout: 15_000 });
    await expect(harness.get(`/v1/sources/${sourceId}`, harness.demo.adminKey)).resolves.toMatchObject({ active: false });
  });

  it("creates an API key that is shown once and works against the API, and revokes it", async () => {
    const page = await openSection("keys");
    await page.getByTestId("key-create-name").fill("Stats exporter");
    await page.getByTestId("key-create-submit").click();
    // No scope: the server says so at the scopes.
    await expect.poll(() => page.getByTestId("key-create-scopes-error").isVisible()).toBe(true);

    await page.getByTestId("key-create-scopes-read").check();
    await page.getByTestId("key-create-submit").click();
    await page.getByTestId("key-created").waitFor({ timeout: 15_000 });
    await expect(page.getByTestId("key-created").textContent()).resolves.toContain("you will not see it again");
    const key = await page.getByTestId("key-created-key").inputValue();
    expect(key).toMatch(/^fb_/);
    expect((await request("GET", "/v1/boards", key)).status).toBe(200);
    expect((await request("POST", "/v1/metrics", key, { key: "nope", label: "Nope", aggregation: "sum" })).status).toBe(403);
    await screenshot(page, "admin-keys");

    // Opened again, the console lists the key but never shows it.
    await page.reload();
    await page.getByTestId("nav-keys").click();
    const row = page.locator("[data-testid=key-row]", { hasText: "Stats exporter" });
    await row.waitFor({ timeout: 15_000 });
    expect(await page.content()).not.toContain(key);

    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByTestId("key-revoke").click();
    await page.locator("[data-testid=key-row][data-status=revoked]", { hasText: "Stats exporter" }).waitFor({ timeout: 15_000 });
    await expect.poll(async () => (await request("GET", "/v1/boards", key)).status, { timeout: 15_000 }).toBe(401);
  });

  it("creates a threshold badge and withdraws it", async () => {
    const page = await openSection("badges");
    await page.getByTestId("badge-create-id").fill("forty-today");
    await page.getByTestId("badge-create-name").fill("Forty in a shift");
    await page.getByTestId("badge-create-icon").fill("⚡");
    await page.getByTestId("badge-create-points").fill("80");
    await page.getByTestId("badge-create-rule-kind").selectOption("threshold");
    await page.getByTestId("badge-create-rule-metric").selectOption("contacts_handled");
    await page.getByTestId("badge-create-rule-period").selectOption("day");
    await page.getByTestId("badge-create-submit").click();
    // The value is missing: the server names /rule/value, shown at that field.
    await expect.poll(() => page.getByTestId("badge-create-rule-value-error").isVisible()).toBe(true);
    await page.getByTestId("badge-create-rule-value").fill("40");
    await page.getByTestId("badge-create-submit").click();
    const row = page.locator("[data-testid=badge-row][data-id=forty-today]");
    await row.waitFor({ timeout: 15_000 });
    await expect(row.textContent()).resolves.toContain("Contacts handled reaches 40 in a day");
    await expect(harness.get<Badge>("/v1/badges/forty-today", harness.demo.adminKey)).resolves.toMatchObject({
      icon: "⚡",
      points: 80,
      rule: { kind: "threshold", metric: "contacts_handled", period: "day", value: 40 },
    });
    await screenshot(page, "admin-badges");

    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByTestId("withdraw").click();
    await page.locator("[data-testid=badge-row][data-id=forty-today][data-active=false]").waitFor({ timeout: 15_000 });
    await expect(harness.get("/v1/badges/forty-today", harness.demo.adminKey)).resolves.toMatchObject({ active: false });
  });

  it("adds a reward to the catalog, edits it and withdraws it", async () => {
    const page = await openSection("catalog");
    // The demo's rewards are listed, withdrawn or not.
    await page.locator("[data-testid=reward-row][data-id=coffee]").waitFor({ timeout: 15_000 });
    await page.getByTestId("reward-create-id").fill("team-lunch");
    await page.getByTestId("reward-create-name").fill("Team lunch");
    await page.getByTestId("reward-create-cost").fill("800");
    await page.getByTestId("reward-create-category").selectOption("experience");
    await page.getByTestId("reward-create-stock").fill("5");
    await page.getByTestId("reward-create-perAgentLimit-count").fill("1");
    await page.getByTestId("reward-create-perAgentLimit-per").selectOption("month");
    await page.getByTestId("reward-create-submit").click();
    const row = page.locator("[data-testid=reward-row][data-id=team-lunch]");
    await row.waitFor({ timeout: 15_000 });
    await expect(row.getAttribute("data-status")).resolves.toBe("available");
    const { rewards } = await harness.get<{ rewards: Reward[] }>("/v1/rewards", harness.demo.adminKey);
    expect(rewards.find((r) => r.id === "team-lunch")).toMatchObject({ name: "Team lunch", cost: 800, category: "experience", stock: 5, perAgentLimit: { count: 1, per: "month" }, requiresApproval: true });

    await row.getByTestId("edit").click();
    await page.getByTestId("reward-edit-cost").fill("750");
    await page.getByTestId("reward-edit-stock").fill("");
    await page.getByTestId("reward-edit-submit").click();
    await page.getByTestId("edit-dialog").waitFor({ state: "detached" });
    await expect.poll(async () => (await harness.get<Reward>("/v1/rewards/team-lunch", harness.demo.adminKey)).cost).toBe(750);
    await expect(harness.get<Reward>("/v1/rewards/team-lunch", harness.demo.adminKey)).resolves.toMatchObject({ stock: null, perAgentLimit: { count: 1, per: "month" } });
    await screenshot(page, "admin-catalog");

    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByTestId("withdraw").click();
    await page.locator("[data-testid=reward-row][data-id=team-lunch][data-status=withdrawn]").waitFor({ timeout: 15_000 });
    const listed = await harness.get<{ rewards: Reward[] }>("/v1/rewards", harness.demo.adminKey);
    expect(listed.rewards.some((r) => r.id === "team-lunch")).toBe(false);
  });

  it("approves a pending request with a note", async () => {
    const agentId = "agent-12";
    const admin = harness.demo.adminKey;
    expect((await request("POST", `/v1/agents/${agentId}/points`, admin, { kind: "adjustment", points: 400, reason: "Top week" })).status).toBe(201);
    const agentToken = (await mintToken(harness.worker.url, admin, { role: "agent", agentId })).token;
    const asked = await request("POST", "/v1/redemptions", agentToken, { rewardId: "extra-break", note: "Friday afternoon?" });
    expect(asked.status).toBe(201);
    const redemptionId = asked.json["id"] as string;

    const page = await openSection("approvals");
    const queued = page.locator(`[data-testid=queued][data-id="${redemptionId}"]`);
    await queued.waitFor({ timeout: 15_000 });
    await expect(queued.textContent()).resolves.toContain("Friday afternoon?");
    await screenshot(page, "admin-approvals");
    await queued.getByTestId("decision-note").fill("Enjoy it");
    await queued.getByTestId("approve").click();
    await queued.waitFor({ state: "detached", timeout: 15_000 });
    await expect(page.getByTestId("approvals-status").textContent()).resolves.toContain("Approved");
    await expect(harness.get<Redemption>(`/v1/redemptions/${redemptionId}`, admin)).resolves.toMatchObject({ status: "fulfilled", decisionNote: "Enjoy it" });
  });

  it("speaks Arabic right to left", async () => {
    const page = await openSection("sources", { lang: "ar" });
    await expect(page.evaluate(() => document.documentElement.dir)).resolves.toBe("rtl");
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toMatch(/^ar/);
    const heading = await page.locator("#sources-heading").textContent();
    expect(heading).not.toBe("Webhook sources");
    expect(heading).toMatch(/[\u0600-\u06FF]/);
    await expect(page.getByTestId("source-create-submit").textContent()).resolves.toMatch(/[\u0600-\u06FF]/);
    await expect(page.getByTestId("language-select").inputValue()).resolves.toBe("ar");
    // The side navigation sits on the right.
    const [nav, sections] = await Promise.all([page.locator(".console-nav").boundingBox(), page.locator(".sections").boundingBox()]);
    expect(nav!.x).toBeGreaterThan(sections!.x);
    await screenshot(page, "admin-arabic");
  });
});
