/**
 * What every browser test file needs: the Worker in workerd with a fresh demo org, Debian's
 * Chromium, pages whose uncaught errors fail the test, events posted through the API, and
 * screenshots under test-results/. Call `useBrowserHarness()` inside a `describe`.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import type { ScoreEventInput } from "../protocol/index.ts";
import { type DemoOrg, seedDemo } from "../scripts/demo.ts";
import { type LocalWorker, PROJECT_ROOT, startLocalWorker } from "../scripts/local-worker.ts";

const CHROMIUM = "/usr/bin/chromium";
const BOOTSTRAP_SECRET = "browser-test-bootstrap";
const VIEWER_TOKEN_SECRET = "browser-test-viewer-token-secret-0123456789";
const SOURCE_SECRETS_KEY = "browser-test-source-secrets-key-0123456789";
const inCI = process.env["CI"] === "true" || process.env["CI"] === "1";
const haveChromium = existsSync(CHROMIUM);

/** Without Chromium the browser tests are skipped, except in CI, where they fail. */
export const skipBrowserTests = !haveChromium && !inCI;
if (skipBrowserTests) {
  console.warn(`Skipping the browser tests: ${CHROMIUM} is missing. Install it with \`apt-get install -y chromium\` (with CI=true this fails instead).`);
}

export interface BrowserHarness {
  readonly worker: LocalWorker;
  readonly demo: DemoOrg;
  /** A page in a browser context of its own (its own localStorage), 1280×800. */
  newPage(): Promise<Page>;
  /** Posts events through `POST /v1/events` with the demo's ingest key; ids and times are filled in. */
  post(events: Array<{ agent: string; metric: string; value: number }>): Promise<void>;
  /** Calls the API with a credential and returns the JSON answer, failing the test on an error status. */
  get<T>(path: string, token: string): Promise<T>;
  screenshot(page: Page, name: string): Promise<void>;
}

export function useBrowserHarness(): BrowserHarness {
  let worker: LocalWorker | undefined;
  let persistDir: string | undefined;
  let demo: DemoOrg | undefined;
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  let pageErrors: string[] = [];
  let eventCount = 0;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`Chromium is required at ${CHROMIUM}: install it with \`apt-get install -y chromium\`.`);
    persistDir = await mkdtemp(path.join(os.tmpdir(), "floorboard-browser-"));
    worker = await startLocalWorker({ port: 0, persistTo: persistDir, bindings: { BOOTSTRAP_SECRET, VIEWER_TOKEN_SECRET, SOURCE_SECRETS_KEY }, logLevel: "warn" });
    demo = await seedDemo(worker.url, BOOTSTRAP_SECRET);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    if (persistDir) await rm(persistDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    contexts = [];
    // An uncaught error in a page fails the test that caused it, even if the assertions passed.
    expect(pageErrors).toEqual([]);
    pageErrors = [];
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started (used outside a test?)`);
    return value;
  };

  const harness: BrowserHarness = {
    get worker() {
      return started(worker, "the Worker");
    },
    get demo() {
      return started(demo, "the demo org");
    },
    async newPage() {
      const context = await started(browser, "Chromium").newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      const page = await context.newPage();
      page.on("pageerror", (error) => pageErrors.push(error.message));
      return page;
    },
    async post(events) {
      const batch: ScoreEventInput[] = events.map((e) => ({ ...e, id: `browser-${Date.now()}-${++eventCount}`, occurredAt: new Date().toISOString() }));
      const response = await fetch(`${harness.worker.url}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${harness.demo.ingestKey}`, "content-type": "application/json" },
        body: JSON.stringify({ events: batch }),
      });
      expect(response.status, await response.text()).toBe(202);
    },
    async get<T>(apiPath: string, token: string) {
      const response = await fetch(`${harness.worker.url}${apiPath}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await response.text();
      expect(response.status, text).toBe(200);
      return JSON.parse(text) as T;
    },
    async screenshot(page, name) {
      const file = path.join(PROJECT_ROOT, "test-results", `${name}.png`);
      await mkdir(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
    },
  };
  return harness;
}
