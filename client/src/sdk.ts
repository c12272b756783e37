/**
 * The browser SDK for live boards: one reconnecting WebSocket per board, the board state kept
 * from its frames, and a resync whenever a frame went missing.
 *
 * Only types come from the protocol: importing its values would bundle zod into every page.
 */
import ReconnectingWebSocket from "partysocket/ws";
import type {
  BoardHeader,
  CelebrationFrame,
  ClientFrame,
  NudgeFrame,
  PING_TEXT,
  PeriodWindow,
  QualifyingEntry,
  Row,
  ServerFrame,
  ViewKind,
  Visibility,
} from "../../protocol/index.ts";

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "closed";

/** What the page shows. Replaced, never mutated, so `onChange` can compare old and new. */
export interface BoardState {
  readonly boardId: string;
  /** Null until the first snapshot. */
  readonly header: BoardHeader | null;
  readonly period: PeriodWindow | null;
  /** `full` for leads, managers, admins and API keys; `agent` and `display` see the board through `visibility`. */
  readonly view: ViewKind | null;
  /** The board's visibility settings in force; a `settings` frame changes them before the snapshot that follows. */
  readonly visibility: Visibility | null;
  /** The rows this viewer may see, in board order; `place` is unique and is what updates are keyed by. */
  readonly rows: readonly Row[];
  /** The viewer's own row when it is among `rows` (agents only). */
  readonly me: Row | null;
  /** Agents ranked on the board (the rows may be fewer once visibility rules apply); null when the board is hidden. */
  readonly total: number | null;
  /** Agents below the metric's minimum volume, with progress: all for full views, only the viewer's own for agents. */
  readonly qualifying: readonly QualifyingEntry[];
  /** Sequence number of the last frame applied; null before the first snapshot. */
  readonly seq: number | null;
}

export interface ConnectBoardOptions {
  /** The Worker's origin, e.g. `location.origin`. */
  baseUrl: string;
  boardId: string;
  /** A viewer token, or an API key with the `read` scope. */
  token: string;
  onChange?: (state: BoardState, previous: BoardState) => void;
  /** `detail` says why a connection closed for good (e.g. the board was deactivated). */
  onStatus?: (status: ConnectionStatus, detail?: string) => void;
  /**
   * A celebration for the team or a nudge for this viewer. One may arrive on every board a page has
   * open: each is handed over once per page.
   */
  onRecognition?: (frame: CelebrationFrame | NudgeFrame) => void;
}

export interface BoardConnection {
  close(): void;
  state(): BoardState;
  status(): ConnectionStatus;
  /** How many times a skipped sequence number made this client ask for a snapshot. */
  readonly resyncs: number;
  /** How many times the board came back live after its connection was lost. */
  readonly reconnects: number;
}

/** Idle proxies and load balancers commonly cut silent connections after 60 s. */
const PING_INTERVAL_MS = 25_000;
const MIN_RECONNECT_DELAY_MS = 500;
const MAX_RECONNECT_DELAY_MS = 10_000;
const RECONNECT_GROWTH = 2;
/** A resync that brings no snapshot (the answer was lost too) falls back to a fresh connection. */
const RESYNC_TIMEOUT_MS = 10_000;
/**
 * Close codes after which reconnecting cannot help: 4000 + HTTP status for a refused or revoked
 * credential (4401), one that may not see the board (4403), or a board that does not exist or was
 * deactivated (4404).
 */
const TERMINAL_CLOSE_CODES = new Set([4401, 4403, 4404]);

// The server answers this exact text without waking a hibernated board; the type keeps it in step.
const PING: typeof PING_TEXT = '{"type":"ping"}';
const RESYNC = JSON.stringify({ type: "resync" } satisfies ClientFrame);

/** Celebrations and nudges already handed to this page, by id (the newest few hundred). */
const recognitionSeen = new Set<string>();

function firstSighting(id: string): boolean {
  if (recognitionSeen.has(id)) return false;
  recognitionSeen.add(id);
  if (recognitionSeen.size > 500) recognitionSeen.delete(recognitionSeen.values().next().value!);
  return true;
}

/** A board before its first snapshot. */
export function emptyBoardState(boardId: string): BoardState {
  return { boardId, header: null, period: null, view: null, visibility: null, rows: [], me: null, total: null, qualifying: [], seq: null };
}

export function connectBoard(options: ConnectBoardOptions): BoardConnection {
  const { boardId, onChange, onStatus } = options;
  const url = liveUrl(options.baseUrl, boardId, options.token);

  let state: BoardState = emptyBoardState(boardId);
  let status: ConnectionStatus = "connecting";
  let closed = false;
  /** The server's reason, from the error frame that precedes a terminal close. */
  let refusal: string | null = null;
  let resyncs = 0;
  let reconnects = 0;
  let everLive = false;
  /** Updates are meaningless until a snapshot gives them a baseline (after connect, period, settings or resync). */
  let awaitingSnapshot = true;
  let resyncRequested = false;
  let resyncTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let lastPingAt = 0;
  let lastMessageAt = 0;

  const socket: ReconnectingWebSocket = new ReconnectingWebSocket(
    async () => {
      // partysocket's backoff has no jitter. Without it every screen on a board reconnects in the
      // same instant after a deploy or an object restart; spread each wait over up to +50 %.
      const attempt = socket.retryCount;
      if (attempt > 0) await sleep(Math.random() * 0.5 * backoffDelay(attempt));
      return url;
    },
    null,
    {
      minReconnectionDelay: MIN_RECONNECT_DELAY_MS,
      maxReconnectionDelay: MAX_RECONNECT_DELAY_MS,
      reconnectionDelayGrowFactor: RECONNECT_GROWTH,
      // Nothing is worth queueing while disconnected: every connection starts with a snapshot.
      maxEnqueuedMessages: 0,
      shouldReconnectOnClose: (event) => !TERMINAL_CLOSE_CODES.has(event.code),
    },
  );

  const setStatus = (next: ConnectionStatus, detail?: string) => {
    if (status === next) return;
    status = next;
    onStatus?.(next, detail);
  };

  const commit = (next: BoardState) => {
    const previous = state;
    state = next;
    onChange?.(next, previous);
  };

  const requestResync = () => {
    if (resyncRequested) return;
    resyncRequested = true;
    awaitingSnapshot = true;
    resyncs++;
    socket.send(RESYNC);
    clearTimeout(resyncTimer);
    resyncTimer = setTimeout(() => socket.reconnect(), RESYNC_TIMEOUT_MS);
  };

  const stopTimers = () => {
    clearInterval(pingTimer);
    clearTimeout(resyncTimer);
    pingTimer = undefined;
  };

  const shutDown = (detail?: string) => {
    if (closed) return;
    closed = true;
    stopTimers();
    socket.close(1000, "closed by client");
    setStatus("closed", detail);
  };

  const applyFrame = (frame: ServerFrame) => {
    switch (frame.type) {
      case "snapshot": {
        if (frame.board !== boardId) return;
        awaitingSnapshot = false;
        resyncRequested = false;
        clearTimeout(resyncTimer);
        if (status !== "live") {
          if (everLive) reconnects++;
          everLive = true;
          setStatus("live");
        }
        const { header, period, view, visibility, total, qualifying, seq } = frame;
        commit({ boardId, header, period, view, visibility, ...withRows(frame.rows), total, qualifying, seq });
        return;
      }
      case "update": {
        if (frame.board !== boardId) return;
        if (awaitingSnapshot || state.seq === null || frame.seq !== state.seq + 1) {
          requestResync();
          return;
        }
        const rows = new Map(state.rows.map((row) => [row.place, row]));
        for (const place of frame.removed) rows.delete(place);
        for (const row of frame.changed) rows.set(row.place, row);
        commit({ ...state, period: frame.period, ...withRows([...rows.values()]), total: frame.total, qualifying: frame.qualifying ?? state.qualifying, seq: frame.seq });
        return;
      }
      case "settings": {
        if (frame.board !== boardId || state.seq === null) return;
        // The rows stay until the snapshot of the new view, which the server sends next (seq + 1),
        // so the board does not blink empty; the notice of the mode in force changes at once.
        awaitingSnapshot = true;
        commit({ ...state, visibility: frame.visibility, seq: frame.seq });
        return;
      }
      case "period": {
        if (frame.board !== boardId || state.seq === null) return;
        // The old standings belong to the closed period; the server sends the new period's snapshot next.
        awaitingSnapshot = true;
        commit({ ...state, period: frame.period, rows: [], me: null, total: state.total === null ? null : 0, qualifying: [], seq: frame.seq });
        return;
      }
      case "error":
        if (frame.code === "board_removed" || frame.code === "token_revoked") shutDown(frame.message);
        else refusal = frame.message;
        return;
      case "pong":
        return;
      case "notices":
        for (const notice of frame.notices) if (firstSighting(notice.id)) options.onRecognition?.(notice);
        return;
    }
  };

  socket.addEventListener("open", () => {
    // The server sends a snapshot on every connect; until then nothing can be applied.
    awaitingSnapshot = true;
    resyncRequested = false;
    lastPingAt = 0;
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      // No answer to the previous ping (nor anything else) since: the connection is dead but the
      // browser has not noticed, as happens when a TV's Wi-Fi drops. Start a fresh one.
      if (lastPingAt > 0 && lastMessageAt < lastPingAt) {
        socket.reconnect();
        return;
      }
      lastPingAt = Date.now();
      socket.send(PING);
    }, PING_INTERVAL_MS);
  });

  socket.addEventListener("message", (event) => {
    lastMessageAt = Date.now();
    const frame = parseFrame(event.data);
    if (frame) applyFrame(frame);
  });

  socket.addEventListener("close", (event) => {
    if (closed) return;
    stopTimers();
    if (TERMINAL_CLOSE_CODES.has(event.code)) {
      shutDown(refusal ?? (event.reason || "The board is not available."));
      return;
    }
    if (status === "live") setStatus("reconnecting");
  });

  return {
    close: () => shutDown(),
    state: () => state,
    status: () => status,
    get resyncs() {
      return resyncs;
    },
    get reconnects() {
      return reconnects;
    },
  };
}

function liveUrl(baseUrl: string, boardId: string, token: string): string {
  const url = new URL(`/v1/boards/${encodeURIComponent(boardId)}/live`, baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("token", token);
  return url.toString();
}

/** partysocket's own delay for this attempt (see its `_getNextDelay`). */
function backoffDelay(attempt: number): number {
  return Math.min(MAX_RECONNECT_DELAY_MS, MIN_RECONNECT_DELAY_MS * RECONNECT_GROWTH ** (attempt - 1));
}

const FRAME_TYPES: ReadonlySet<string> = new Set<ServerFrame["type"]>(["snapshot", "update", "settings", "period", "error", "pong", "notices"]);

/** Frames come from our own Worker, which builds them from the protocol's schemas; check only the tag. */
function parseFrame(data: unknown): ServerFrame | null {
  if (typeof data !== "string") return null;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === "object" && value !== null && "type" in value && typeof value.type === "string" && FRAME_TYPES.has(value.type)) {
      return value as ServerFrame;
    }
  } catch {
    // Not JSON: ignored like any other frame this client does not know.
  }
  return null;
}

/** The rows in board order, and the viewer's own among them. */
function withRows(rows: readonly Row[]): { rows: Row[]; me: Row | null } {
  const sorted = [...rows].sort((a, b) => a.place - b.place);
  return { rows: sorted, me: sorted.find((row) => row.me) ?? null };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
