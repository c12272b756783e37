/**
 * The admin page and an agent's live page side by side in real Chromium against the real Worker:
 * a change an admin makes by clicking reaches the agent's open page, and the agent's page never
 * holds what the new settings hide.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Me, SnapshotFrame, VisibilitySettings } from "../protocol/index.ts";
import { mintToken } from "../scripts/demo.ts";
import { skipBrowserTests, useBrowserHarness } from "./harness.ts";

describe.skipIf(skipBrowserTests)("the admin page", () => {
  const harness = useBrowserHarness();
  const { post } = harness;

  const token = async (body: Parameters<typeof mintToken>[2]) => (await mintToken(harness.worker.url, harness.demo.adminKey, body)).token;

  async function openLivePage(boardId: string, viewerToken: string): Promise<Page> {
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/?board=${boardId}#token=${viewerToken}`);
    await page.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    return page;
  }

  async function openAdminPage(boardId: string): Promise<Page> {
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}/admin.html#token=${await token({ role: "admin", name: "admin page" })}`);
    await page.getByTestId("admin-board-select").selectOption(boardId);
    await page.locator(`[data-testid=board-visibility][data-board="${boardId}"]`).waitFor({ timeout: 15_000 });
    return page;
  }

  async function saveBoardSettings(admin: Page): Promise<void> {
    await admin.getByTestId("board-save").click();
    await admin.getByTestId("board-saved").getByText("Saved.").waitFor({ timeout: 15_000 });
  }

  const boardSetting = (admin: Page, key: string) => admin.getByTestId("board-visibility").locator(`[data-setting=${key}]`);

  /** The rows as the live page holds them: only what the row's data attributes say. */
  const rowsOn = (page: Page) =>
    page.locator("[data-testid=row]").evaluateAll((trs) =>
      trs.map((tr) => {
        const { place, label, agentId, score, me } = (tr as HTMLElement).dataset;
        return { place: Number(place), label, agentId, score, me };
      }),
    );

  it("an agent's open page turns into the anonymous top 3 when an admin sets that on the admin page, and the agent can opt out of being named", async () => {
    const board = "sales-north-sales-day";
    const agent = "agent-5";
    const sales = [700, 600, 500, 400, 300, 200, 100];
    await post(sales.map((value, i) => ({ agent: `agent-${i + 1}`, metric: "sales", value })));
    const { agents } = await harness.get<{ agents: { id: string; name: string }[] }>("/v1/agents", harness.demo.adminKey);
    const nameOf = new Map(agents.map((a) => [a.id, a.name]));
    const agentToken = await token({ role: "agent", agentId: agent, name: "agent page" });

    const agentPage = await openLivePage(board, agentToken);
    // The default: the top 3 and the agent's own row, at place 5.
    await expect.poll(async () => (await rowsOn(agentPage)).map((r) => r.place), { timeout: 15_000 }).toEqual([1, 2, 3, 5]);
    await expect(agentPage.getByTestId("mode-notice").textContent()).resolves.toBe("Showing the top 3 and you.");

    const admin = await openAdminPage(board);
    await expect(admin.getByTestId("board-mode").inputValue()).resolves.toBe("top_n_and_me");
    await expect(boardSetting(admin, "mode").getAttribute("data-inherited")).resolves.toBe("true");

    await admin.getByTestId("board-mode").selectOption("everyone");
    await saveBoardSettings(admin);

    await expect.poll(async () => (await rowsOn(agentPage)).map((r) => r.place), { timeout: 15_000 }).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await rowsOn(agentPage)).toEqual(
      sales.map((score, i) => ({
        place: i + 1,
        label: nameOf.get(`agent-${i + 1}`),
        agentId: `agent-${i + 1}`,
        score: String(score),
        me: i + 1 === 5 ? "true" : undefined,
      })),
    );
    await expect(agentPage.getByTestId("mode-notice").textContent()).resolves.toBe("Showing everyone on the board.");
    await harness.screenshot(agentPage, "admin-toggle-agent-everyone");
    await expect(boardSetting(admin, "mode").getAttribute("data-inherited")).resolves.toBe("false");

    await admin.getByTestId("board-mode").selectOption("top_n");
    await admin.getByTestId("board-n").fill("3");
    await admin.getByTestId("board-anonymise").check();
    await saveBoardSettings(admin);

    const anonymousTop3 = [1, 2, 3].map((place) => ({ place, label: `Agent #${place}`, agentId: undefined, score: String(sales[place - 1]), me: undefined }));
    await expect.poll(() => rowsOn(agentPage), { timeout: 15_000 }).toEqual(anonymousTop3);
    await expect(agentPage.getByTestId("mode-notice").textContent()).resolves.toBe("Showing the top 3. Other agents are not named.");
    const html = await agentPage.evaluate(() => document.documentElement.outerHTML);
    const namesShown = [...nameOf].filter(([id, name]) => id !== agent && html.includes(name)).map(([, name]) => name);
    expect(namesShown).toEqual([]);
    // The settings frame kept the sequence: no frame was missed and no resync was needed.
    await expect(agentPage.getByTestId("resyncs").textContent()).resolves.toBe("0");
    await expect(agentPage.getByTestId("status").getAttribute("data-status")).resolves.toBe("live");

    // The admin page shows what is set on the board, and both changes in its audit.
    await expect(boardSetting(admin, "anonymise").getAttribute("data-inherited")).resolves.toBe("false");
    await expect(boardSetting(admin, "showScores").getAttribute("data-inherited")).resolves.toBe("true");
    await expect.poll(() => admin.getByTestId("audit-entry").count()).toBe(2);
    await expect(admin.getByTestId("audit-entry").first().textContent()).resolves.toContain("mode: The top N");
    await harness.screenshot(agentPage, "admin-toggle-agent");
    await harness.screenshot(admin, "admin-toggle-admin");

    const optOut = agentPage.getByLabel("Hide my name from colleagues");
    await expect(optOut.isChecked()).resolves.toBe(false);
    await optOut.check();
    await expect.poll(async () => (await harness.get<Me>("/v1/me", agentToken)).agent?.optedOut).toBe(true);
    // The switch is re-enabled once the page has the answer (which may come after the API shows the change).
    await expect.poll(() => optOut.isEnabled()).toBe(true);
    await expect(optOut.isChecked()).resolves.toBe(true);
    // A lead (here a read key, which sees the full board) still sees the name, marked as opted out.
    const { snapshot } = await harness.get<{ snapshot: SnapshotFrame }>(`/v1/boards/${board}`, harness.demo.readKey);
    expect(snapshot.rows.find((r) => r.agent?.id === agent)?.optedOut).toBe(true);
  });

  it("shows the server's validation errors next to the fields they concern, and changes nothing", async () => {
    const board = "care-day-csat-day";
    const admin = await openAdminPage(board);

    await admin.getByTestId("board-n").fill("500");
    await admin.getByTestId("board-save").click();
    await expect.poll(() => admin.getByTestId("board-n-error").textContent()).toMatch(/100/);
    await expect(admin.getByTestId("board-n").getAttribute("aria-invalid")).resolves.toBe("true");
    const settings = await harness.get<VisibilitySettings>(`/v1/boards/${board}/visibility`, harness.demo.adminKey);
    expect(settings.overrides).toEqual({});

    // An agent link needs an agent; the server says so about that field.
    await admin.getByTestId("token-role").selectOption("agent");
    await admin.getByTestId("token-issue").click();
    await expect.poll(() => admin.getByTestId("token-agentId-error").textContent()).toBe("required for role 'agent'");
    await admin.getByTestId("token-agentId").fill("nobody");
    await admin.getByTestId("token-issue").click();
    await expect.poll(() => admin.getByTestId("token-agentId-error").textContent()).toBe("unknown agent 'nobody'");
    await expect(admin.getByTestId("token-result").isHidden()).resolves.toBe(true);
  });

  it("issues a wallboard link that opens the live board, and revoking it closes the open board", async () => {
    const board = "care-evening-contacts-handled-day";
    await post([{ agent: "agent-31", metric: "contacts_handled", value: 1 }]);
    const admin = await openAdminPage(board);

    await admin.getByTestId("token-role").selectOption("display");
    await admin.getByTestId("token-name").fill("Floor 2 TV");
    await admin.getByTestId("token-boardIds").fill(board);
    await admin.getByTestId("token-issue").click();
    await admin.getByTestId("token-result").waitFor();
    const link = await admin.getByTestId("token-link").inputValue();
    expect(link).toMatch(new RegExp(`^${harness.worker.url}/\\?board=${board}#token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));

    const wallboard = await harness.newPage();
    await wallboard.goto(link);
    await wallboard.locator("[data-testid=status][data-status=live]").waitFor({ timeout: 15_000 });
    await wallboard.locator('[data-testid=row][data-agent-id="agent-31"]').waitFor();
    await expect(wallboard.getByTestId("mode-notice").textContent()).resolves.toBe("Showing the top 3.");

    admin.once("dialog", (dialog) => void dialog.accept());
    await admin.locator("[data-testid=token-row]", { hasText: "Floor 2 TV" }).getByTestId("revoke-token").click();
    await wallboard.locator("[data-testid=status][data-status=closed]").waitFor({ timeout: 15_000 });
    await expect(wallboard.getByTestId("notice").textContent()).resolves.toBe("The viewer token was revoked.");
    await admin.locator('[data-testid=token-row][data-status=revoked]', { hasText: "Floor 2 TV" }).waitFor();
  });
});
