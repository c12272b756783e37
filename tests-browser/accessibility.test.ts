/**
 * Every screen checked by axe-core (WCAG 2 A and AA rules: names and roles, labels, landmarks,
 * colour contrast, language and direction attributes) in real Chromium, in English and in Arabic,
 * with live data on them. A rule broken anywhere fails the test with the element and the rule.
 */
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { mintToken } from "../scripts/demo.ts";
import { skipBrowserTests, useBrowserHarness } from "./harness.ts";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

describe.skipIf(skipBrowserTests)("accessibility of every screen", () => {
  const harness = useBrowserHarness();

  const token = async (body: Parameters<typeof mintToken>[2]) => (await mintToken(harness.worker.url, harness.demo.adminKey, body)).token;

  /** axe's WCAG 2 A/AA violations on the page as it stands, in a form that names what broke. */
  async function violations(page: Page): Promise<string[]> {
    await page.addScriptTag({ path: AXE });
    const found = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: Violation[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"] });
      return result.violations;
    });
    return found.flatMap((v) => v.nodes.map((node) => `${v.id} (${v.impact}): ${v.help} at ${node.target.join(" ")}${node.failureSummary ? ` — ${node.failureSummary.replace(/\s+/g, " ")}` : ""}`));
  }

  async function open(path: string, ready: string): Promise<Page> {
    const page = await harness.newPage();
    await page.goto(`${harness.worker.url}${path}`);
    await page.locator(ready).first().waitFor({ timeout: 20_000 });
    // Let highlights and transitions settle: axe judges contrast as drawn.
    await page.waitForTimeout(2_500);
    return page;
  }

  const team = () => harness.demo.teams.find((t) => t.id === "sales-north")!;

  it("the agent's view, in English and in Arabic", async () => {
    const agents = team().agents;
    await harness.post(agents.slice(0, 5).map((agent, i) => ({ agent, metric: "contacts_handled", value: 1 + i })));
    const agentToken = await token({ role: "agent", agentId: agents[3]!, name: "a11y agent" });
    for (const lang of ["en", "ar"]) {
      const page = await open(`/?lang=${lang}&board=sales-north-contacts-handled-day#token=${agentToken}`, "[data-testid=row][data-me=true]");
      expect(await violations(page)).toEqual([]);
    }
  });

  it("the wallboard", async () => {
    await harness.post([{ agent: team().agents[0]!, metric: "contacts_handled", value: 1 }]);
    const display = await token({ role: "display", teamIds: [team().id], name: "a11y wallboard" });
    const page = await open(`/wallboard.html?board=sales-north-contacts-handled-day#token=${display}`, "[data-testid=podium-step]");
    expect(await violations(page)).toEqual([]);
  });

  it("the recognition page, an agent's and a lead's", async () => {
    const agentToken = await token({ role: "agent", agentId: team().agents[1]!, name: "a11y rewards" });
    const agentPage = await open(`/rewards.html#token=${agentToken}`, "#agent-view:not([hidden])");
    expect(await violations(agentPage)).toEqual([]);
    const lead = await token({ role: "lead", teamIds: [team().id], name: "a11y lead" });
    const leadPage = await open(`/rewards.html?lang=ar#token=${lead}`, "#lead-view:not([hidden])");
    expect(await violations(leadPage)).toEqual([]);
  });

  it("the manager dashboard", async () => {
    const manager = await token({ role: "manager", departmentIds: [team().departmentId], name: "a11y manager" });
    for (const lang of ["en", "ar"]) {
      const page = await open(`/dashboard.html?lang=${lang}#token=${manager}`, "#dashboard:not([hidden])");
      expect(await violations(page)).toEqual([]);
    }
  });

  it("the admin console", async () => {
    const admin = await token({ role: "admin", name: "a11y admin" });
    const page = await open(`/admin.html#token=${admin}`, "#console:not([hidden])");
    expect(await violations(page)).toEqual([]);
  });
});
