/**
 * Fan-out of live boards to hibernatable WebSockets, shared by every Durable Object that serves
 * boards (a team's, a department's, the org's). Sockets that see the same thing share a view,
 * projected and serialised once per tick; frames carry gap-free sequence numbers per view slice.
 */
import {
  type BoardHeader,
  type CelebrationFrame,
  ClientFrame,
  type ErrorFrame,
  type NoticesFrame,
  type NudgeFrame,
  PING_TEXT,
  PONG_TEXT,
  type PeriodFrame,
  type PeriodWindow,
  type SettingsFrame,
  type SnapshotFrame,
  type UpdateFrame,
} from "../protocol/index.ts";
import { serialiseFrame } from "./frames.ts";
import type { LiveBoard } from "./live-board.ts";
import { type BoardView, diffRows, projectViewFor, type Viewer, viewKeyOf } from "./projection.ts";

/** What the Worker tells an object about a socket it has authenticated. */
export interface SocketRequest {
  boardId: string;
  viewer: Viewer;
  /** The viewer token that opened the socket, so that revoking the token closes it. */
  tokenId?: string;
}

/** What the owning object provides: its boards, and who owns them (the header's `team`). */
export interface FanoutHost {
  board(boardId: string): LiveBoard | undefined;
  owner(): { id: string; name: string };
  /** Header fields particular to the owner's boards (a roll-up's scope). */
  headerExtra?(board: LiveBoard): Partial<BoardHeader>;
  /** Closes periods that ended before a frame is built. */
  rollPeriods(now: number): void;
}

/** `group`: which slice of its view the socket is in. */
type SocketAttachment = SocketRequest & { group: number };

interface View {
  viewer: Viewer;
  sockets: Set<WebSocket>;
  seq: number;
  /** What every socket of this view was last sent; null until first projected. */
  last: BoardView | null;
  /** After hibernation the sequence restarts, so the next frame must be a snapshot. */
  needsSnapshot: boolean;
  /** The board version this view last caught up with, and when (performance.now(), ms). */
  sentVersion: number;
  sentAt: number;
  /** Celebrations and nudges for this slice, sent at its next tick (the newest MAX_NOTICES). */
  notices: (CelebrationFrame | NudgeFrame)[];
}

/** A socket gets at most one frame per this many ms: changes within it are coalesced. */
const TICK_MIN_MS = 100;
const TICK_MAX_MS = 1000;
/**
 * Fan-out is paced. A view's sockets are split into slices of FANOUT_GROUP, each slice with its own
 * seq and last-sent rows; a tick sends to about FANOUT_GROUP sockets (the slices that waited
 * longest, each with the newest state), then yields FANOUT_MS_PER_SOCKET per socket sent. Ingest
 * and the runtime's socket writes interleave with fan-out instead of queueing behind all of it,
 * and an event reaches the last viewer within about one rotation (sockets x per-socket cost).
 */
const FANOUT_GROUP = 250;
const FANOUT_MS_PER_SOCKET = 0.03;
/** Notices a slice holds for its next tick; older ones give way (they are news, not state). */
const MAX_NOTICES = 50;
const CLIENT_MESSAGES_PER_WINDOW = 20;
const CLIENT_WINDOW_MS = 10_000;
const MAX_CLIENT_MESSAGE_BYTES = 1024;

export class Fanout {
  #views = new Map<string, Map<string, View>>();
  #dirty = new Set<string>();
  #versions = new Map<string, number>();
  #publishedVersions = new Map<string, number>();
  #ticking = false;
  #tickTimer: ReturnType<typeof setTimeout> | null = null;
  #clientBudget = new WeakMap<WebSocket, { windowStart: number; count: number }>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly host: FanoutHost,
  ) {
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_TEXT, PONG_TEXT));
  }

  /** Sockets survive hibernation; their views and sequence numbers do not. Call once the boards are loaded. */
  restore(): void {
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as SocketAttachment | null;
      if (attachment) this.#join(ws, attachment, true);
    }
  }

  /** Upgrades an authenticated request to a live board socket and sends its first snapshot. */
  accept(request: SocketRequest, board: LiveBoard): Response {
    this.host.rollPeriods(Date.now());
    this.publish(board);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, request.tokenId ? [request.boardId, tokenTag(request.tokenId)] : [request.boardId]);
    const attachment: SocketAttachment = {
      boardId: request.boardId,
      viewer: request.viewer,
      group: this.#pickGroup(request.boardId, request.viewer),
      ...(request.tokenId ? { tokenId: request.tokenId } : {}),
    };
    server.serializeAttachment(attachment);
    const view = this.#join(server, attachment, false);
    this.#sendSnapshot(server, board, view);
    return new Response(null, { status: 101, webSocket: client });
  }

  message(ws: WebSocket, message: string | ArrayBuffer): void {
    if (!this.#withinBudget(ws)) {
      this.#send(ws, { type: "error", code: "rate_limited", message: "Too many messages; reconnect later." });
      ws.close(1008, "too many messages");
      this.#leave(ws);
      return;
    }
    const text = typeof message === "string" ? message : "";
    let parsed: unknown = null;
    try {
      if (text.length > 0 && text.length <= MAX_CLIENT_MESSAGE_BYTES) parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const frame = ClientFrame.safeParse(parsed);
    if (!frame.success) {
      this.#send(ws, { type: "error", code: "bad_frame", message: "Send {\"type\":\"resync\"} or {\"type\":\"ping\"}." });
      return;
    }
    if (frame.data.type === "ping") {
      ws.send(PONG_TEXT);
      return;
    }
    const attachment = ws.deserializeAttachment() as SocketAttachment;
    const board = this.host.board(attachment.boardId);
    const view = this.#views.get(attachment.boardId)?.get(groupKeyOf(attachment));
    if (board && view) this.#sendSnapshot(ws, board, view);
  }

  closed(ws: WebSocket, code: number, reason: string): void {
    this.#leave(ws);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  errored(ws: WebSocket): void {
    this.#leave(ws);
  }

  /** The token was revoked: its sockets are told so and closed. */
  closeToken(tokenId: string): number {
    const sockets = this.ctx.getWebSockets(tokenTag(tokenId));
    for (const ws of sockets) {
      this.#send(ws, { type: "error", code: "token_revoked", message: "The viewer token was revoked." });
      this.#leave(ws);
      try {
        ws.close(4401, "token revoked");
      } catch {
        // Already closed.
      }
    }
    return sockets.length;
  }

  /** The board was deactivated: its sockets are told so and closed. */
  closeBoard(boardId: string): void {
    for (const view of this.#views.get(boardId)?.values() ?? []) {
      for (const ws of view.sockets) {
        this.#send(ws, { type: "error", code: "board_removed", message: "This board was deactivated." });
        ws.close(4404, "board removed");
      }
    }
    this.#views.delete(boardId);
  }

  /** Brings the board's published ranks (and so each row's movement) up to its latest version, once per version. */
  publish(board: LiveBoard): void {
    const version = this.#versions.get(board.config.id) ?? 0;
    if (this.#publishedVersions.get(board.config.id) === version) return;
    this.#publishedVersions.set(board.config.id, version);
    board.publish();
  }

  /** The board changed: views behind it catch up at the next tick. */
  markDirty(boardId: string): void {
    this.#dirty.add(boardId);
    this.#versions.set(boardId, (this.#versions.get(boardId) ?? 0) + 1);
  }

  /** Every view hears that the period closed; the next tick sends each a snapshot of the new one. */
  announceNewPeriod(board: LiveBoard, previous: PeriodWindow): void {
    this.#announce(board, (seq) => ({ type: "period", board: board.config.id, period: periodWindow(board), seq, previous }));
  }

  /** Every view hears that the visibility changed; the next tick (within TICK_MAX_MS) sends each its new view. */
  announceSettings(board: LiveBoard): void {
    this.#announce(board, (seq) => ({ type: "settings", board: board.config.id, period: periodWindow(board), seq, visibility: board.visibility }));
  }

  /**
   * Queues a message that is not part of a board's sequence (a celebration, a nudge) for the
   * sockets whose board and viewer `build` gives a frame for (built once per slice). It goes out
   * with the slice's next tick, paced like updates. Returns how many sockets it will reach.
   */
  notify(build: (boardId: string, viewer: Viewer) => CelebrationFrame | NudgeFrame | null): number {
    let reached = 0;
    for (const [boardId, views] of this.#views) {
      let queued = false;
      for (const view of views.values()) {
        const frame = build(boardId, view.viewer);
        if (!frame) continue;
        view.notices.push(frame);
        if (view.notices.length > MAX_NOTICES) view.notices.shift();
        reached += view.sockets.size;
        queued = true;
      }
      if (queued) this.#dirty.add(boardId);
    }
    if (reached > 0) this.scheduleTick();
    return reached;
  }

  /** The board as this viewer may see it right now (REST); seq 0. */
  snapshotFor(board: LiveBoard, viewer: Viewer): SnapshotFrame {
    this.host.rollPeriods(Date.now());
    this.publish(board);
    return this.#snapshotFrame(board, projectViewFor(viewer, board), 0);
  }

  scheduleTick(delay?: number): void {
    if (this.#ticking || this.#tickTimer !== null || this.#dirty.size === 0) return;
    const wait = delay ?? this.#tickDelay(performance.now());
    if (wait === Infinity) {
      this.#dirty.clear();
      return;
    }
    this.#tickTimer = setTimeout(() => this.#tick(), Math.min(TICK_MAX_MS, wait));
  }

  #announce(board: LiveBoard, frameFor: (seq: number) => PeriodFrame | SettingsFrame): void {
    this.markDirty(board.config.id);
    for (const view of this.#views.get(board.config.id)?.values() ?? []) {
      view.seq++;
      view.needsSnapshot = true;
      const text = JSON.stringify(frameFor(view.seq));
      for (const ws of view.sockets) this.#sendText(ws, text);
    }
  }

  /** How long until some view that is behind may get its next frame; Infinity if none is behind. */
  #tickDelay(now: number): number {
    let wait = Infinity;
    for (const boardId of this.#dirty) {
      const version = this.#versions.get(boardId) ?? 0;
      for (const view of this.#views.get(boardId)?.values() ?? []) {
        if (view.sentVersion < version || view.notices.length > 0) wait = Math.min(wait, Math.max(0, view.sentAt + TICK_MIN_MS - now));
      }
    }
    return wait;
  }

  #tick(): void {
    this.#tickTimer = null;
    this.#ticking = true;
    let sent = 0;
    try {
      this.host.rollPeriods(Date.now());
      // Pacing follows the monotonic clock (the wall clock may jump, or stand still in tests).
      const now = performance.now();
      const due: { board: LiveBoard; view: View; version: number }[] = [];
      for (const boardId of [...this.#dirty]) {
        const board = this.host.board(boardId);
        const version = this.#versions.get(boardId) ?? 0;
        let behind = false;
        for (const view of this.#views.get(boardId)?.values() ?? []) {
          if (view.sentVersion >= version && view.notices.length === 0) continue;
          behind = true;
          if (board && now - view.sentAt >= TICK_MIN_MS) due.push({ board, view, version });
        }
        if (board && behind) this.publish(board);
        if (!behind || !board) this.#dirty.delete(boardId);
      }
      // The slices that waited longest go first; one tick sends to about FANOUT_GROUP sockets.
      due.sort((a, b) => a.view.sentAt - b.view.sentAt);
      // Per board, this tick's projections by view key (and the rows agents' views share).
      const projected = new Map<string, Map<string, BoardView>>();
      for (const { board, view, version } of due) {
        if (sent >= FANOUT_GROUP) break;
        sent += this.#sendView(board, view, version, now, projected);
      }
    } finally {
      this.#ticking = false;
    }
    this.scheduleTick(Math.max(this.#tickDelay(performance.now()), sent * FANOUT_MS_PER_SOCKET));
  }

  /** Brings one view (slice) up to date and sends it its notices; returns how many sockets it sent to. */
  #sendView(board: LiveBoard, view: View, version: number, now: number, projected: Map<string, Map<string, BoardView>>): number {
    const sent = view.sentVersion < version ? this.#sendUpdate(board, view, version, now, projected) : 0;
    if (view.notices.length === 0) return sent;
    const frame: NoticesFrame = { type: "notices", notices: view.notices };
    view.notices = [];
    view.sentAt = now;
    const text = JSON.stringify(frame);
    for (const ws of view.sockets) this.#sendText(ws, text);
    return view.sockets.size;
  }

  #sendUpdate(board: LiveBoard, view: View, version: number, now: number, projected: Map<string, Map<string, BoardView>>): number {
    const boardId = board.config.id;
    let shared = projected.get(boardId);
    if (!shared) projected.set(boardId, (shared = new Map()));
    const key = viewKeyOf(view.viewer);
    let next = shared.get(key);
    if (!next) shared.set(key, (next = projectViewFor(view.viewer, board, shared)));
    view.sentVersion = version;
    let frame: SnapshotFrame | UpdateFrame;
    if (view.needsSnapshot || !view.last) {
      frame = this.#snapshotFrame(board, next, view.seq + 1);
    } else {
      const { changed, removed } = diffRows(view.last.rows, next.rows);
      const qualifyingChanged = JSON.stringify(next.qualifying) !== JSON.stringify(view.last.qualifying);
      if (changed.length === 0 && removed.length === 0 && next.total === view.last.total && !qualifyingChanged) return 0;
      frame = { type: "update", board: boardId, period: periodWindow(board), seq: view.seq + 1, changed, removed, total: next.total };
      if (qualifyingChanged) frame.qualifying = next.qualifying;
    }
    view.sentAt = now;
    view.seq = frame.seq;
    view.last = next;
    view.needsSnapshot = false;
    const text = serialiseFrame(frame);
    for (const ws of view.sockets) this.#sendText(ws, text);
    return view.sockets.size;
  }

  #sendSnapshot(ws: WebSocket, board: LiveBoard, view: View): void {
    // A view that awaits a snapshot (new period, after hibernation) holds stale rows: project afresh.
    // Its other sockets get the same state, with the next seq, at the next tick.
    if (!view.last || view.needsSnapshot) view.last = projectViewFor(view.viewer, board);
    this.#sendText(ws, serialiseFrame(this.#snapshotFrame(board, view.last, view.seq)));
  }

  #snapshotFrame(board: LiveBoard, view: BoardView, seq: number): SnapshotFrame {
    const { id, name, metric } = board.config;
    return {
      type: "snapshot",
      board: id,
      period: periodWindow(board),
      seq,
      header: {
        id,
        name,
        team: this.host.owner(),
        metric: { key: metric.key, label: metric.label, unit: metric.unit, aggregation: metric.aggregation, direction: metric.direction, minVolume: board.minVolume },
        timeZone: board.timeZone,
        ...this.host.headerExtra?.(board),
      },
      view: view.view,
      visibility: view.visibility,
      rows: view.rows,
      total: view.total,
      qualifying: view.qualifying,
    };
  }

  #send(ws: WebSocket, frame: ErrorFrame | PeriodFrame): void {
    this.#sendText(ws, JSON.stringify(frame));
  }

  #sendText(ws: WebSocket, text: string): void {
    try {
      ws.send(text);
    } catch {
      this.#leave(ws);
    }
  }

  #join(ws: WebSocket, attachment: SocketAttachment, restored: boolean): View {
    let views = this.#views.get(attachment.boardId);
    if (!views) this.#views.set(attachment.boardId, (views = new Map()));
    const key = groupKeyOf(attachment);
    let view = views.get(key);
    if (!view) {
      views.set(key, (view = { viewer: attachment.viewer, sockets: new Set(), seq: 0, last: null, needsSnapshot: restored, sentVersion: -1, sentAt: -TICK_MAX_MS, notices: [] }));
    }
    view.sockets.add(ws);
    if (restored) this.markDirty(attachment.boardId);
    return view;
  }

  #leave(ws: WebSocket): void {
    const attachment = ws.deserializeAttachment() as SocketAttachment | null;
    if (!attachment) return;
    const views = this.#views.get(attachment.boardId);
    const key = groupKeyOf(attachment);
    const view = views?.get(key);
    if (!views || !view || !view.sockets.delete(ws)) return;
    if (view.sockets.size === 0) views.delete(key);
    if (views.size === 0) this.#views.delete(attachment.boardId);
  }

  /** The first slice of this viewer's view with room for another socket. */
  #pickGroup(boardId: string, viewer: Viewer): number {
    const views = this.#views.get(boardId);
    for (let group = 0; ; group++) {
      const view = views?.get(groupKeyOf({ viewer, group }));
      if (!view || view.sockets.size < FANOUT_GROUP) return group;
    }
  }

  #withinBudget(ws: WebSocket): boolean {
    const now = Date.now();
    const budget = this.#clientBudget.get(ws);
    if (!budget || now - budget.windowStart > CLIENT_WINDOW_MS) {
      this.#clientBudget.set(ws, { windowStart: now, count: 1 });
      return true;
    }
    budget.count++;
    return budget.count <= CLIENT_MESSAGES_PER_WINDOW;
  }
}

function groupKeyOf(attachment: { viewer: Viewer; group: number }): string {
  return `${viewKeyOf(attachment.viewer)}#${attachment.group}`;
}

function tokenTag(tokenId: string): string {
  return `token:${tokenId}`;
}

export function periodWindow(board: LiveBoard): PeriodWindow {
  return { kind: board.period.kind, start: new Date(board.period.start).toISOString(), end: new Date(board.period.end).toISOString() };
}
