/**
 * What every Durable Object that serves boards shares (a team's, a department's, the org's): its
 * sockets' lifecycle through the fan-out, a small key-value table, and the backoff of its drains
 * to D1 history.
 */
import { DurableObject } from "cloudflare:workers";
import type { Fanout, SocketRequest } from "./fanout.ts";
import type { LiveBoard } from "./live-board.ts";

const DRAIN_MAX_BACKOFF_MS = 5 * 60_000;

export abstract class BoardObject extends DurableObject<Env> {
  protected readonly sql: SqlStorage;
  protected abstract readonly fanout: Fanout;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  /** The board a socket request names, as this object serves it (the request also carries the object's scope). */
  protected abstract socketBoard(request: SocketRequest): Promise<LiveBoard | undefined>;

  /** Upgrades a request the Worker authenticated to a live board socket; the Worker's header is trusted alone. */
  override async fetch(request: Request): Promise<Response> {
    const connect = JSON.parse(request.headers.get("x-floorboard-connect") ?? "null") as SocketRequest | null;
    if (!connect || request.headers.get("upgrade") !== "websocket") return new Response("expected a board socket", { status: 400 });
    const board = await this.socketBoard(connect);
    if (!board) return new Response("no such board", { status: 404 });
    return this.fanout.accept(connect, board);
  }

  /** The token was revoked: its sockets are told so and closed. */
  async closeSocketsOf(tokenId: string): Promise<number> {
    return this.fanout.closeToken(tokenId);
  }

  // WebSocket lifecycle (hibernation API)

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.fanout.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.fanout.closed(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.fanout.errored(ws);
  }

  protected meta(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  protected setMeta(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  /** What was not archived stays; the next attempt backs off exponentially. */
  protected drainFailed(error: unknown): void {
    const attempts = Number(this.meta("drain_attempts") ?? 0) + 1;
    this.setMeta("drain_attempts", String(attempts));
    this.setMeta("drain_next_at", String(Date.now() + Math.min(DRAIN_MAX_BACKOFF_MS, 1000 * 2 ** attempts)));
    console.error(`history drain failed (attempt ${attempts})`, error);
  }

  protected drainSucceeded(): void {
    this.setMeta("drain_attempts", "0");
    this.setMeta("drain_next_at", "0");
  }

  /** When the next drain may run (after a failure's backoff). */
  protected drainNotBefore(): number {
    return Number(this.meta("drain_next_at") ?? 0);
  }
}
