// Runs the Floorboard Worker locally in workerd, for `npm start` and the bench/ harness.
//
// Why not `wrangler dev`: the CLI always attaches the DevTools inspector to the runtime and logs
// every request through Node, which caps a local run at a few hundred requests/s and runs out of
// file descriptors under load. wrangler's programmatic `unstable_startWorker` (used here through
// its DevEnv class, which it wraps) takes `dev.inspector: false`: no inspector socket is opened.
//
// It always starts two workerd processes:
//   - the user worker's Miniflare (worker, static assets, D1, Durable Objects) on 127.0.0.1 at a
//     random port that wrangler chooses and does not let callers set; a reload would move it.
//   - wrangler's ProxyWorker Miniflare on `port`, which forwards every request, WebSocket upgrades
//     included, through one Durable Object to the user worker and holds requests during reloads.
//     `worker.url` and `worker.ready` from unstable_startWorker describe only this proxy.
// `url` is the user worker's own address by default (about 1.5x the throughput of the proxy hop);
// `proxyUrl` is the stable address on `port`. Reloads do not happen here: config watching is off
// and wrangler only re-runs the custom build when `build.watch_dir` (default ./src, absent) changes.
//
// Run under tsx (ESM). Example:
//   const w = await startLocalWorker({ port: 0, bindings: { BOOTSTRAP_SECRET: "dev" }, logLevel: "warn" });
//   await fetch(`${w.url}/v1/health`);
//   await w.stop();
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_DevEnv, unstable_readConfig } from "wrangler";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONFIG_PATH = path.join(PROJECT_ROOT, "wrangler.jsonc");
const D1_BINDING = "DB";

export interface LocalWorkerOptions {
  /** Local state directory (D1, Durable Objects, cache), relative to the project root. Default `.wrangler/state`, as `wrangler dev`. */
  persistTo?: string;
  /** Port for the ProxyWorker on 127.0.0.1; 0 picks a free one. Default 8787. Fails if the port is taken. */
  port?: number;
  /** Extra string bindings (secrets/vars) for the worker, e.g. `{ BOOTSTRAP_SECRET: "..." }`. Override wrangler.jsonc vars and .dev.vars. */
  bindings?: Record<string, string>;
  /** Which address `url` is: "direct" (default) = the user worker itself, "proxy" = wrangler's ProxyWorker on `port`. */
  via?: "direct" | "proxy";
  /** wrangler's log level for startup and worker console output. Default "log". */
  logLevel?: "debug" | "info" | "log" | "warn" | "error" | "none";
  /** Skip `wrangler d1 migrations apply`. Default false. */
  skipMigrations?: boolean;
  /** Give up if the worker is not answering GET /v1/health after this long. Default 60 s. */
  startTimeoutMs?: number;
}

export interface LocalWorker {
  /** Base URL without trailing slash, e.g. "http://127.0.0.1:41234". */
  url: string;
  /** The user worker itself (no proxy hop). Changes if wrangler reloads the worker; see `onReload`. */
  directUrl: string;
  /** wrangler's ProxyWorker on `port`: stable across reloads, one extra hop through a single Durable Object. */
  proxyUrl: string;
  /** Absolute path of the persistence directory (Miniflare stores data in `<persistDir>/v3/{d1,do,cache}`). */
  persistDir: string;
  /** Called with the new direct URL if wrangler reloads the worker after start (wrangler.jsonc edited with watching on, etc.). */
  onReload(listener: (directUrl: string) => void): void;
  /** Stops both workerd processes and the file watchers. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Applies the local D1 migrations to `persistDir` with the wrangler CLI, non-interactively.
 * Returns the CLI's output. Throws with that output if the command fails.
 */
export async function applyLocalMigrations(persistDir: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const wranglerBin = path.join(path.dirname(require.resolve("wrangler/package.json")), "bin/wrangler.js");
  const args = [wranglerBin, "d1", "migrations", "apply", D1_BINDING, "--local", "--persist-to", persistDir, "--config", CONFIG_PATH];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      // No TTY (stdin ignored) plus CI=true: wrangler answers its "continue?" prompt with the fallback "yes".
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...offlineEnv(), CI: "true", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`wrangler d1 migrations apply exited with ${code}:\n${output}`));
    });
  });
}

/** Environment that keeps wrangler/Miniflare off the network (wrangler itself only reads these). */
function offlineEnv(): Record<string, string> {
  return {
    // Miniflare otherwise downloads https://workers.cloudflare.com/cf.json for `request.cf`
    // (3 s timeout, then a warning and a built-in placeholder). The placeholder is fine locally.
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
  };
}

function migrationsDir(): string | undefined {
  const config = unstable_readConfig({ config: CONFIG_PATH }, { hideWarnings: true });
  // wrangler's Config type comes from a package it bundles without its .d.ts, so it is `any` here.
  const databases: Array<{ binding: string; migrations_dir?: string }> = config.d1_databases;
  const db = databases.find((d) => d.binding === D1_BINDING);
  if (!db) return undefined;
  return path.resolve(PROJECT_ROOT, db.migrations_dir ?? "migrations");
}

type ReloadCompleteEvent = Parameters<unstable_DevEnv["proxy"]["onReloadComplete"]>[0];

export async function startLocalWorker(opts: LocalWorkerOptions = {}): Promise<LocalWorker> {
  const persistDir = path.resolve(PROJECT_ROOT, opts.persistTo ?? ".wrangler/state");
  const port = opts.port ?? 8787;
  const logLevel = opts.logLevel ?? "log";
  const timeoutMs = opts.startTimeoutMs ?? 60_000;

  // Read lazily by wrangler and Miniflare in this process (so this mutates process.env, and child
  // processes of the caller inherit it). Explicit settings win. Config watching would reload the
  // worker, and a reload moves the direct URL to a new port.
  for (const [key, value] of Object.entries({ ...offlineEnv(), WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true" })) {
    process.env[key] ??= value;
  }

  if (!opts.skipMigrations) {
    const dir = migrationsDir();
    // An empty migrations/ is not tracked by git; wrangler fails on a missing folder, so skip it.
    if (dir && existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".sql"))) {
      const output = await applyLocalMigrations(persistDir);
      if (logLevel !== "none" && logLevel !== "error" && logLevel !== "warn") process.stdout.write(output);
    }
  }

  const devEnv = new unstable_DevEnv();
  let directUrl: URL | undefined;
  let firstReload!: (url: URL) => void;
  const firstReloadDone = new Promise<URL>((resolve) => (firstReload = resolve));
  const reloadListeners: Array<(url: string) => void> = [];
  // The user worker's own address is only announced in the reloadComplete event that the
  // ProxyController receives; wrap its handler (public in wrangler's types) to observe it.
  const proxy = devEnv.proxy;
  const onReloadComplete = proxy.onReloadComplete.bind(proxy);
  proxy.onReloadComplete = (event: ReloadCompleteEvent) => {
    const { protocol, hostname, port: p } = event.proxyData.userWorkerUrl;
    const next = new URL(`${protocol}//${hostname}:${p}`);
    const changed = directUrl !== undefined && next.origin !== directUrl.origin;
    directUrl = next;
    onReloadComplete(event);
    firstReload(next);
    if (changed) for (const listener of reloadListeners) listener(next.origin);
  };

  // Fail fast while starting. wrangler only logs some errors (a failed bundle or custom build)
  // instead of emitting them on the DevEnv, so watch the event bus too.
  let starting = true;
  let failed: (err: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => (failed = reject));
  failure.catch(() => {}); // only observed while starting
  const fail = (reason: string, cause: unknown) => {
    if (!starting) {
      if (!reason.startsWith("BundlerController")) console.error(`[local-worker] ${reason}`, cause ?? ""); // wrangler logs bundler errors itself
      return;
    }
    const detail = cause instanceof Error ? `: ${cause.message.split("\n")[0]}` : "";
    failed(new Error(`local worker failed to start (${reason}${detail})`, { cause }));
  };
  devEnv.on("error", (event: { reason?: string; cause?: unknown } | Error) => {
    if (event instanceof Error) fail(event.message, event);
    else fail(event.reason ?? "wrangler error", event.cause);
  });
  const dispatch = devEnv.dispatch.bind(devEnv);
  devEnv.dispatch = (event: Parameters<typeof dispatch>[0]) => {
    if (event.type === "error") {
      // The same errors that wrangler's DevEnv merely debug-logs (retried internal messages).
      const benign = event.source === "ProxyController" &&
        (event.reason.startsWith("Failed to send message to") || event.reason.startsWith("Could not connect to InspectorProxyWorker"));
      if (!benign) fail(`${event.source}: ${event.reason}`, event.cause);
    }
    dispatch(event);
  };

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= devEnv.teardown());

  // wrangler runs the first custom build (`node scripts/build-client.mjs`) in process.cwd(), from
  // the config file's settings, so start from the project root and go back once it has run.
  const callerCwd = process.cwd();
  if (callerCwd !== PROJECT_ROOT) process.chdir(PROJECT_ROOT);
  try {
    const started = devEnv.startWorker({
      config: CONFIG_PATH,
      bindings: Object.fromEntries(
        Object.entries(opts.bindings ?? {}).map(([name, value]) => [name, { type: "secret_text", value }]),
      ),
      sendMetrics: false,
      // Later custom builds use these: run in the project root; watch `build.watch_dir`'s default
      // (./src, which does not exist) by absolute path, so the caller's cwd cannot trigger rebuilds.
      build: { custom: { workingDirectory: PROJECT_ROOT, watch: path.join(PROJECT_ROOT, "src") } },
      dev: {
        inspector: false,
        remote: false,
        persist: persistDir,
        liveReload: false,
        // (`dev.watch` is accepted but unused by wrangler 4.86; see WRANGLER_CI_DISABLE_CONFIG_WATCHING above.)
        logLevel,
        enableContainers: false,
        generateTypes: false,
        server: { hostname: "127.0.0.1", port },
      },
    });
    const worker = await started.finally(() => {
      if (process.cwd() !== callerCwd) process.chdir(callerCwd);
    });

    const deadline = AbortSignal.timeout(timeoutMs);
    const timedOut = new Promise<never>((_, reject) =>
      deadline.addEventListener("abort", () =>
        reject(new Error(`local worker did not answer GET /v1/health within ${timeoutMs} ms`)),
      ),
    );
    timedOut.catch(() => {});
    const [proxyUrl, direct] = await Promise.race([
      Promise.all([worker.url, firstReloadDone]),
      failure,
      timedOut,
    ]);
    const url = opts.via === "proxy" ? proxyUrl.origin : direct.origin;
    await Promise.race([waitForHealth(url, deadline), failure, timedOut]);
    starting = false;

    return {
      url,
      get directUrl() {
        return (directUrl ?? direct).origin;
      },
      proxyUrl: proxyUrl.origin,
      persistDir,
      onReload: (listener) => void reloadListeners.push(listener),
      stop,
    };
  } catch (err) {
    if (process.cwd() !== callerCwd) process.chdir(callerCwd);
    await stop().catch(() => {});
    throw err;
  }
}

async function waitForHealth(base: string, signal: AbortSignal): Promise<void> {
  let lastError: unknown;
  while (!signal.aborted) {
    try {
      const res = await fetch(`${base}/v1/health`, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
      await res.arrayBuffer();
      if (res.ok) return;
      lastError = new Error(`GET /v1/health answered ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`local worker did not become healthy at ${base}`, { cause: lastError });
}
