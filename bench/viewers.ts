// A worker thread that holds a share of the bench's WebSocket viewers and timestamps, per viewer,
// when each (agent, score) first appears in a frame. Every viewer of a view receives the identical
// frame text, so a frame is read once per distinct text (a small cache) and each viewer's work is a
// Map lookup plus a loop over the changed rows. Each viewer also keeps its rows by place, as a
// client does (snapshots replace, updates patch by place), so the end state can be checked.
//
// Where every viewer has a view of its own (agents under `everyone`), each frame is distinct and
// large (a 1,000-row board), and JSON.parse (~1 ms per 100 KB) would make this thread, not the
// Worker, the bottleneck. Snapshots and updates are therefore read by a scanner that takes only
// place, agent id and score from each row (~4x faster), checked against the number of rows in the
// text; a frame it cannot account for is JSON-parsed instead (counted as `fallbacks`).
//
// Protocol (parentPort messages): see ViewerCommand / ViewerReply in ./viewer-protocol.ts.
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";
import type { ViewerCommand, ViewerInit, ViewerReply, ViewerTarget, WindowResult } from "./viewer-protocol.ts";
import { nowMs } from "./lib/stats.ts";

const init = workerData as ViewerInit;
const port = parentPort!;
const A = init.agentIds.length;
const agentIndex = new Map(init.agentIds.map((id, i) => [id, i]));
/** 1 for the agents every viewer may see (ViewerInit.shared). */
const sharedMask = new Uint8Array(A).fill(init.shared === null ? 1 : 0);
for (const a of init.shared ?? []) sharedMask[a] = 1;
/** In a viewer's rows by place: no row there, and a row whose agent is not named (anonymous). */
const NO_ROW = -1;
const ANONYMOUS = -2;

/** One frame's rows as indices; `agents[i]` is ANONYMOUS for an unnamed or unknown agent, `scores[i]` NaN when hidden. */
interface Parsed {
  type: string;
  seq: number;
  places: Int32Array;
  agents: Int32Array;
  scores: Float64Array;
  removed: Int32Array;
  code?: string;
}

interface Viewer {
  ws: WebSocket;
  open: boolean;
  /** Its own agent's index, -1 for none. */
  me: number;
  seq: number;
  /** Highest score seen per agent. */
  seen: Float64Array;
  /** Its rows by place (index = place): the agent index (or NO_ROW / ANONYMOUS) and the score. */
  agentAt: Int32Array;
  scoreAt: Float64Array;
  frames: number;
  snapshots: number;
  gotSnapshot: boolean;
  /** The `error` frame's code, if the server refused the socket before any snapshot. */
  refusal?: string;
}

const viewers: Viewer[] = [];
/** Frames read so far, by cacheKey(); `bytes` is kept where the key is only a sample of them. */
const cache = new Map<string, { parsed: Parsed; bytes: Buffer | null }>();
/** V8 hashes strings up to 16,383 characters in full; longer keys would all collide by length. */
const EXACT_KEY_MAX = 16_000;
let distinctFrames = 0;

// Measurement window state.
let measuring = false;
let base = new Float64Array(A);
let cap = 0;
let last = new Float64Array(0);
let first = new Float64Array(0);
let count = new Int32Array(0);
let windowErrors = 0;
let windowCloses = 0;
let gaps = 0;
let regressions = 0;
let bytes = 0;
let frames = 0;
let beyondCapacity = 0;
let unexpected = 0;
const errorSamples: string[] = [];
const closeCodes = new Map<string, number>();
let elu0 = performance.eventLoopUtilization();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function note(kind: string, detail: string): void {
  if (errorSamples.length < 8) errorSamples.push(`${kind}: ${detail}`);
}

/** Whether this viewer may see agent a's row. */
function visible(v: Viewer, a: number): boolean {
  return sharedMask[a] === 1 || a === v.me;
}

const HEAD = /^\{"type":"(update|snapshot)","board":"[^"\\]*","period":\{[^}]*\},"seq":(\d+),/;
const ROW = /"place":(\d+),"agent":(?:null|\{"id":"([^"\\]*)","name":"(?:[^"\\]|\\.)*"\}),"label":"(?:[^"\\]|\\.)*"(?:,"score":(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))?/g;
const REMOVED = /"removed":\[([\d,]*)\]/;
const PLACE_KEY = '"place":';
let fallbacks = 0;

/**
 * The scanner: `text` is the frame decoded as Latin-1 (bytes as they are, so quotes and backslashes
 * are found exactly whatever UTF-8 the names hold). Null when the frame is not a snapshot or update
 * in the expected shape, or when the rows it matched are not all the rows the text has.
 */
function scan(text: string): Parsed | null {
  const head = HEAD.exec(text);
  if (!head) return null;
  let expected = 0;
  for (let i = text.indexOf(PLACE_KEY); i >= 0; i = text.indexOf(PLACE_KEY, i + PLACE_KEY.length)) expected++;
  const places = new Int32Array(expected);
  const agents = new Int32Array(expected);
  const scores = new Float64Array(expected);
  let n = 0;
  ROW.lastIndex = 0;
  for (let m = ROW.exec(text); m; m = ROW.exec(text)) {
    if (n === expected) return null;
    places[n] = Number(m[1]);
    agents[n] = m[2] === undefined ? ANONYMOUS : (agentIndex.get(m[2]) ?? ANONYMOUS);
    scores[n] = m[3] === undefined ? NaN : Number(m[3]);
    n++;
  }
  if (n !== expected) return null;
  let removed = new Int32Array(0);
  if (head[1] === "update") {
    const list = REMOVED.exec(text);
    if (!list) return null;
    removed = Int32Array.from(list[1]!.split(",").filter(Boolean), Number);
  }
  return { type: head[1]!, seq: Number(head[2]), places, agents, scores, removed };
}

function parse(text: string): Parsed {
  let frame: { type?: string; seq?: number; rows?: unknown; changed?: unknown; removed?: unknown; code?: string };
  try {
    frame = JSON.parse(text);
  } catch {
    return { type: "invalid", seq: -1, places: new Int32Array(0), agents: new Int32Array(0), scores: new Float64Array(0), removed: new Int32Array(0) };
  }
  const rows = (frame.type === "snapshot" ? frame.rows : frame.type === "update" ? frame.changed : []) as
    | { place?: number; agent?: { id?: string } | null; score?: number }[]
    | undefined;
  const list = Array.isArray(rows) ? rows.filter((row) => typeof row.place === "number") : [];
  return {
    type: frame.type ?? "unknown",
    seq: frame.seq ?? -1,
    places: Int32Array.from(list, (row) => row.place!),
    agents: Int32Array.from(list, (row) => agentIndex.get(row.agent?.id ?? "") ?? ANONYMOUS),
    scores: Float64Array.from(list, (row) => (typeof row.score === "number" ? row.score : NaN)),
    removed: Int32Array.from(Array.isArray(frame.removed) ? (frame.removed as number[]) : []),
    code: frame.code,
  };
}

/** Applies a snapshot or update to the viewer's rows by place, as a client would. */
function applyRows(v: Viewer, f: Parsed): void {
  if (f.type === "snapshot") v.agentAt.fill(NO_ROW);
  for (const place of f.removed) if (place < v.agentAt.length) v.agentAt[place] = NO_ROW;
  for (let i = 0; i < f.places.length; i++) {
    const place = f.places[i]!;
    if (place >= v.agentAt.length) continue;
    v.agentAt[place] = f.agents[i]!;
    v.scoreAt[place] = f.scores[i]!;
  }
}

/**
 * Latin-1 decoding is a plain byte copy: a cheap, exact key for identical frames. A long frame is
 * keyed by its length and a sample of its bytes instead, and confirmed by comparing the bytes.
 */
function cacheKey(buf: Buffer): string {
  if (buf.length <= EXACT_KEY_MAX) return buf.toString("latin1");
  let key = `${buf.length}|`;
  const step = Math.floor(buf.length / 512);
  for (let i = 0; i < buf.length; i += step) key += String.fromCharCode(buf[i]!);
  return key;
}

/** The frame read once per distinct text: scanned, or JSON-parsed if the scanner cannot. */
function read(buf: Buffer): Parsed {
  const key = cacheKey(buf);
  const cached = cache.get(key);
  if (cached && (cached.bytes === null || cached.bytes.equals(buf))) return cached.parsed;
  const text = buf.length <= EXACT_KEY_MAX ? key : buf.toString("latin1");
  const scanned = scan(text);
  const parsed = scanned ?? parse(buf.toString());
  if (!scanned && (parsed.type === "snapshot" || parsed.type === "update")) fallbacks++;
  distinctFrames++;
  if (cache.size >= 512) cache.delete(cache.keys().next().value!);
  cache.set(key, { parsed, bytes: buf.length > EXACT_KEY_MAX ? buf : null });
  return parsed;
}

function onFrame(v: Viewer, data: WebSocket.RawData): void {
  const t = nowMs();
  const buf = data as Buffer;
  bytes += buf.length;
  const f = read(buf);
  v.frames++;
  if (measuring) frames++;
  if (f.type === "update" || f.type === "settings" || f.type === "period") {
    // Every frame of a view but a snapshot continues its sequence; a snapshot may restart it.
    if (v.seq >= 0 && f.seq !== v.seq + 1) gaps++;
    v.seq = f.seq;
    if (f.type !== "update") return;
  } else if (f.type === "snapshot") {
    v.seq = f.seq;
    v.snapshots++;
    v.gotSnapshot = true;
  } else if (f.type === "error") {
    if (!v.gotSnapshot) v.refusal = f.code ?? "error";
    if (measuring) windowErrors++;
    note("error frame", f.code ?? buf.toString().slice(0, 120));
    return;
  } else {
    return;
  }
  applyRows(v, f);
  const seen = v.seen;
  const { agents, scores } = f;
  for (let i = 0; i < agents.length; i++) {
    const a = agents[i]!;
    const s = scores[i]!;
    if (a < 0 || Number.isNaN(s)) continue;
    if (!visible(v, a)) {
      if (unexpected++ === 0) note("unexpected row", `${init.agentIds[a]} shown to ${v.me < 0 ? "a viewer without an agent" : init.agentIds[v.me]}`);
      continue;
    }
    const prev = seen[a]!;
    if (s <= prev) {
      if (s < prev && f.type === "update") regressions++;
      continue;
    }
    seen[a] = s;
    if (!measuring) continue;
    const b = base[a]!;
    // Every score in (max(prev, base), s] is now visible to this viewer: the k-th event since the
    // window started (k = score - base) reached it at t.
    for (let k = Math.max(prev, b) + 1; k <= s; k++) {
      const j = k - b - 1;
      if (j >= cap) {
        beyondCapacity++;
        break;
      }
      const at = a * cap + j;
      count[at]!++;
      if (t > last[at]!) last[at] = t;
      if (t < first[at]!) first[at] = t;
    }
  }
}

function openOne(target: ViewerTarget, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.url, { perMessageDeflate: init.deflate, handshakeTimeout: timeoutMs });
    const v: Viewer = {
      ws,
      open: false,
      me: target.me,
      seq: -1,
      seen: new Float64Array(A),
      agentAt: new Int32Array(A + 1).fill(NO_ROW),
      scoreAt: new Float64Array(A + 1),
      frames: 0,
      snapshots: 0,
      gotSnapshot: false,
    };
    let settled = false;
    const timer = setTimeout(() => settle(new Error(`no snapshot within ${timeoutMs} ms`)), timeoutMs);
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        ws.terminate();
        reject(error);
      } else {
        viewers.push(v);
        resolve();
      }
    };
    ws.on("open", () => (v.open = true));
    ws.on("message", (data) => {
      onFrame(v, data);
      if (!settled && v.gotSnapshot) settle();
    });
    ws.on("unexpected-response", (_req, res) => settle(new Error(`HTTP ${res.statusCode} instead of 101`)));
    ws.on("error", (err) => {
      if (settled) {
        if (measuring) windowErrors++;
        note("socket error", err.message);
      } else settle(err);
    });
    ws.on("close", (code, reason) => {
      const wasOpen = v.open;
      v.open = false;
      if (!settled) return settle(new Error(`closed ${code} before the snapshot${v.refusal ? ` (error frame '${v.refusal}')` : ""}`));
      if (wasOpen) {
        const key = `${code}${reason.length ? ` ${reason.toString()}` : ""}`;
        closeCodes.set(key, (closeCodes.get(key) ?? 0) + 1);
        if (measuring) windowCloses++;
      }
    });
  });
}

async function open(targets: ViewerTarget[], concurrency: number, timeoutMs: number): Promise<ViewerReply> {
  const started = nowMs();
  let ok = 0;
  let failed = 0;
  const failures: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < targets.length) {
      const target = targets[next++]!;
      try {
        await openOne(target, timeoutMs);
        ok++;
      } catch (error) {
        failed++;
        if (failures.length < 5) failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, lane));
  return { type: "opened", ok, failed, failures, ms: nowMs() - started, open: viewers.filter((v) => v.open).length };
}

function startWindow(newBase: number[], capacity: number): ViewerReply {
  base = Float64Array.from(newBase);
  cap = capacity;
  last = new Float64Array(A * cap).fill(-Infinity);
  first = new Float64Array(A * cap).fill(Infinity);
  count = new Int32Array(A * cap);
  windowErrors = windowCloses = gaps = regressions = bytes = frames = beyondCapacity = unexpected = 0;
  let stale = 0;
  for (const v of viewers) {
    v.frames = 0;
    v.snapshots = 0;
    // A viewer should already show the base of what it may see (the board was quiet when the window opened).
    let differs = false;
    for (let a = 0; a < A; a++) if (visible(v, a) && v.seen[a] !== base[a]) differs = true;
    if (differs && v.open) stale++;
    for (let a = 0; a < A; a++) v.seen[a] = Math.min(v.seen[a]!, base[a]!);
  }
  elu0 = performance.eventLoopUtilization();
  loopDelay.reset();
  loopDelay.enable();
  measuring = true;
  return { type: "started", stale, open: viewers.filter((v) => v.open).length };
}

function progress(target: number[]): ViewerReply {
  let behind = 0;
  for (const v of viewers) {
    if (!v.open) continue;
    for (let a = 0; a < A; a++) {
      if (visible(v, a) && v.seen[a]! < target[a]!) {
        behind++;
        break;
      }
    }
  }
  return { type: "progress", behind };
}

/** Viewers whose rows differ from what they may see of the board (`agentAt`/`scoreAt` by place). */
function verify(agentAt: number[], scoreAt: number[]): ViewerReply {
  let mismatched = 0;
  const samples: string[] = [];
  for (const v of viewers) {
    if (!v.open) continue;
    for (let place = 1; place <= A; place++) {
      const want = agentAt[place] ?? NO_ROW;
      const shown = want >= 0 && visible(v, want);
      const has = v.agentAt[place]!;
      if (shown ? has === want && v.scoreAt[place] === scoreAt[place] : has === NO_ROW) continue;
      mismatched++;
      if (samples.length < 3) {
        const who = (a: number) => (a >= 0 ? init.agentIds[a] : a === NO_ROW ? "no row" : "anonymous");
        samples.push(`viewer of ${who(v.me)} at place ${place}: has ${who(has)} ${has === NO_ROW ? "" : v.scoreAt[place]}, expected ${shown ? `${who(want)} ${scoreAt[place]}` : "no row"}`);
      }
      break;
    }
  }
  return { type: "verified", mismatched, samples };
}

function endWindow(): { reply: ViewerReply; transfer: ArrayBuffer[] } {
  measuring = false;
  loopDelay.disable();
  const elu = performance.eventLoopUtilization(elu0);
  const open = viewers.filter((v) => v.open);
  const visibleTo = new Int32Array(A);
  for (const v of open) for (let a = 0; a < A; a++) if (visible(v, a)) visibleTo[a]!++;
  const result: WindowResult = {
    last,
    first,
    count,
    visibleTo,
    framesPerViewer: Int32Array.from(open.map((v) => v.frames)),
    snapshotsPerViewer: Int32Array.from(open.map((v) => v.snapshots)),
    open: open.length,
    errors: windowErrors,
    closes: windowCloses,
    gaps,
    regressions,
    unexpected,
    bytes,
    frames,
    beyondCapacity,
    distinctFrames,
    fallbacks,
    elu: elu.utilization,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
    errorSamples: [...errorSamples],
    closeCodes: Object.fromEntries(closeCodes),
  };
  return { reply: { type: "ended", result }, transfer: [last.buffer as ArrayBuffer, first.buffer as ArrayBuffer, count.buffer as ArrayBuffer] };
}

async function closeAll(): Promise<ViewerReply> {
  const open = viewers.filter((v) => v.open);
  const closed = Promise.all(
    open.map(
      (v) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            v.ws.terminate();
            resolve();
          }, 5_000);
          v.ws.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          v.ws.close(1000, "bench done");
        }),
    ),
  );
  await closed;
  for (const v of viewers) if (v.ws.readyState !== WebSocket.CLOSED) v.ws.terminate();
  viewers.length = 0;
  return { type: "closed", count: open.length };
}

port.on("message", async (cmd: ViewerCommand) => {
  switch (cmd.type) {
    case "open":
      port.postMessage(await open(cmd.targets, cmd.concurrency, cmd.timeoutMs));
      break;
    case "start":
      port.postMessage(startWindow(cmd.base, cmd.capacity));
      break;
    case "progress":
      port.postMessage(progress(cmd.target));
      break;
    case "verify":
      port.postMessage(verify(cmd.agentAt, cmd.scoreAt));
      break;
    case "end": {
      const { reply, transfer } = endWindow();
      port.postMessage(reply, transfer);
      break;
    }
    case "close":
      port.postMessage(await closeAll());
      break;
  }
});
