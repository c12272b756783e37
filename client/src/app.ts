/**
 * The live board page: pick a board, watch it change. The read key comes from the URL fragment
 * (`#token=fb_…`, which browsers never send to a server) or from this browser's storage.
 */
import type { Board, BoardList, PeriodWindow, Row } from "../../protocol/index.ts";
import { type BoardConnection, type BoardState, type ConnectionStatus, connectBoard } from "./sdk.ts";

const TOKEN_STORAGE_KEY = "floorboard.readKey";
const HIGHLIGHT_MS = 2_000;
/** Screen readers hear about rank changes at most this often, however busy the floor is. */
const ANNOUNCE_INTERVAL_MS = 5_000;
const MAX_ANNOUNCED_MOVES = 3;

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  closed: "Closed",
};

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`#${id} is missing from index.html`);
  return found;
}

const ui = {
  picker: element("picker", HTMLDivElement),
  select: element("board-select", HTMLSelectElement),
  forgetKey: element("forget-key", HTMLButtonElement),
  notice: element("notice", HTMLParagraphElement),
  keyForm: element("key-form", HTMLFormElement),
  tokenInput: element("token-input", HTMLInputElement),
  board: element("board", HTMLElement),
  title: element("board-title", HTMLHeadingElement),
  metric: element("board-metric", HTMLSpanElement),
  period: element("board-period", HTMLSpanElement),
  status: element("status", HTMLSpanElement),
  caption: element("board-caption", HTMLTableCaptionElement),
  scoreHeading: element("score-heading", HTMLTableCellElement),
  rows: element("rows", HTMLTableSectionElement),
  empty: element("empty", HTMLParagraphElement),
  total: element("total", HTMLSpanElement),
  seq: element("seq", HTMLSpanElement),
  reconnects: element("reconnects", HTMLSpanElement),
  resyncs: element("resyncs", HTMLSpanElement),
  announcer: element("announcer", HTMLDivElement),
};

let connection: BoardConnection | null = null;

void start();

async function start(): Promise<void> {
  const token = takeTokenFromFragment() ?? localStorage.getItem(TOKEN_STORAGE_KEY);
  ui.keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const entered = ui.tokenInput.value.trim();
    if (!entered) return;
    localStorage.setItem(TOKEN_STORAGE_KEY, entered);
    ui.tokenInput.value = "";
    void showBoards(entered);
  });
  ui.forgetKey.addEventListener("click", () => {
    localStorage.removeItem(TOKEN_STORAGE_KEY);
    askForKey();
  });
  if (token) await showBoards(token);
  else askForKey();
}

/** Moves a key out of the address bar (and out of history and screenshots) into storage. */
function takeTokenFromFragment(): string | null {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!token) return null;
  localStorage.setItem(TOKEN_STORAGE_KEY, token);
  history.replaceState(null, "", location.pathname + location.search);
  return token;
}

function askForKey(message?: string): void {
  connection?.close();
  connection = null;
  showNotice(message);
  ui.board.hidden = true;
  ui.picker.hidden = true;
  ui.forgetKey.hidden = true;
  ui.keyForm.hidden = false;
  ui.tokenInput.focus();
}

function showNotice(message?: string): void {
  ui.notice.textContent = message ?? "";
  ui.notice.hidden = !message;
}

async function showBoards(token: string): Promise<void> {
  ui.keyForm.hidden = true;
  showNotice();
  let boards: Board[];
  try {
    const response = await fetch("/v1/boards", { headers: { authorization: `Bearer ${token}` } });
    if (response.status === 401 || response.status === 403) {
      localStorage.removeItem(TOKEN_STORAGE_KEY);
      askForKey(`That key was refused (${response.status}). Paste a key with the read scope.`);
      return;
    }
    if (!response.ok) throw new Error(`GET /v1/boards answered ${response.status}`);
    boards = ((await response.json()) as BoardList).boards.filter((b) => b.active);
  } catch (error) {
    ui.keyForm.hidden = false;
    showNotice(`Could not load the boards: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  ui.forgetKey.hidden = false;
  if (boards.length === 0) {
    showNotice("This organisation has no active boards yet.");
    return;
  }

  fillBoardPicker(boards);
  const requested = new URLSearchParams(location.search).get("board");
  const chosen = boards.find((b) => b.id === requested) ?? boards[0]!;
  if (requested && chosen.id !== requested) showNotice(`No active board '${requested}'; showing ${chosen.name}.`);
  ui.select.value = chosen.id;
  ui.select.onchange = () => {
    showNotice();
    openBoard(ui.select.value, token);
  };
  openBoard(chosen.id, token);
}

function fillBoardPicker(boards: readonly Board[]): void {
  const byTeam = new Map<string, Board[]>();
  for (const board of boards) byTeam.set(board.teamId, [...(byTeam.get(board.teamId) ?? []), board]);
  ui.select.replaceChildren(
    ...[...byTeam].map(([teamId, teamBoards]) => {
      const group = document.createElement("optgroup");
      group.label = teamId;
      group.append(...teamBoards.map((b) => new Option(b.name, b.id)));
      return group;
    }),
  );
  ui.picker.hidden = false;
}

function openBoard(boardId: string, token: string): void {
  connection?.close();
  const url = new URL(location.href);
  url.searchParams.set("board", boardId);
  history.replaceState(null, "", url.pathname + url.search);

  resetBoardView();
  ui.board.hidden = false;
  const opened = connectBoard({
    baseUrl: location.origin,
    boardId,
    token,
    onChange: (state, previous) => {
      renderBoard(state, previous);
      renderCounters(opened);
    },
    onStatus: (status, detail) => {
      renderStatus(status, detail);
      renderCounters(opened);
    },
  });
  connection = opened;
}

// -----------------------------------------------------------------------------------------------
// Rendering

const rowElements = new Map<string, HTMLTableRowElement>();
const highlightTimers = new Map<HTMLTableRowElement, ReturnType<typeof setTimeout>>();

function resetBoardView(): void {
  rowElements.clear();
  for (const timer of highlightTimers.values()) clearTimeout(timer);
  highlightTimers.clear();
  pendingMoves.clear();
  ui.rows.replaceChildren();
  ui.title.textContent = "";
  ui.metric.textContent = "";
  ui.period.textContent = "";
  ui.caption.textContent = "";
  ui.total.textContent = "";
  ui.seq.textContent = "–";
  ui.empty.hidden = true;
  renderStatus("connecting");
}

function renderStatus(status: ConnectionStatus, detail?: string): void {
  ui.status.dataset["status"] = status;
  ui.status.textContent = STATUS_TEXT[status];
  if (status === "closed" && detail) showNotice(detail);
}

function renderCounters(opened: BoardConnection): void {
  ui.reconnects.textContent = String(opened.reconnects);
  ui.resyncs.textContent = String(opened.resyncs);
}

function renderBoard(state: BoardState, previous: BoardState): void {
  const header = state.header;
  if (!header) return;
  const { label, unit, direction } = header.metric;
  ui.title.textContent = `${header.team.name} · ${header.name}`;
  document.title = `${header.team.name} · ${header.name} · Floorboard`;
  ui.metric.textContent = direction === "lower" ? `${label} (lower is better)` : label;
  ui.scoreHeading.textContent = label;
  ui.caption.textContent = `${header.name}: standings by ${label.toLowerCase()}`;
  if (state.period) {
    ui.period.textContent = describePeriod(state.period, header.timeZone);
    ui.period.title = exactPeriod(state.period, header.timeZone);
  }
  ui.total.textContent = state.total === 1 ? "1 agent" : `${state.total} agents`;
  ui.seq.textContent = state.seq === null ? "–" : String(state.seq);
  ui.empty.hidden = state.rows.length > 0;

  // A new period resets the board: nothing "changed", everything started over.
  const comparable = previous.header !== null && previous.period?.start === state.period?.start;
  if (previous.period && state.period && previous.period.start !== state.period.start) {
    announce(`A new ${state.period.kind} has begun; the board starts again.`);
  }
  const before = new Map(previous.rows.map((row) => [row.agent.id, row]));
  const present = new Set<string>();
  state.rows.forEach((row, index) => {
    present.add(row.agent.id);
    const tr = rowElements.get(row.agent.id) ?? createRow(row.agent.id);
    fillRow(tr, row, unit);
    if (ui.rows.children[index] !== tr) ui.rows.insertBefore(tr, ui.rows.children[index] ?? null);
    const old = before.get(row.agent.id);
    if (comparable && (!old || old.score !== row.score || old.rank !== row.rank)) {
      highlight(tr);
      if (old?.rank !== row.rank) noteMove(row, old?.rank);
    }
  });
  for (const [agentId, tr] of rowElements) {
    if (present.has(agentId)) continue;
    tr.remove();
    rowElements.delete(agentId);
  }
}

function createRow(agentId: string): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.dataset["testid"] = "row";
  tr.dataset["agentId"] = agentId;
  const place = document.createElement("td");
  place.className = "num place";
  const rank = document.createElement("td");
  rank.className = "num";
  const name = document.createElement("th");
  name.scope = "row";
  name.className = "name";
  const score = document.createElement("td");
  score.className = "num score";
  score.dataset["testid"] = "score";
  tr.append(place, rank, name, score);
  rowElements.set(agentId, tr);
  return tr;
}

function fillRow(tr: HTMLTableRowElement, row: Row, unit: string): void {
  // Raw values for tests and tooling; the cells show them formatted.
  tr.dataset["place"] = String(row.place);
  tr.dataset["rank"] = String(row.rank);
  tr.dataset["score"] = String(row.score);
  const [place, rank, name, score] = tr.children;
  setText(place, String(row.place));
  setText(rank, String(row.rank));
  setText(name, row.agent.name);
  setText(score, formatScore(row.score, unit));
}

function setText(node: Element | undefined, text: string): void {
  if (node && node.textContent !== text) node.textContent = text;
}

function highlight(tr: HTMLTableRowElement): void {
  clearTimeout(highlightTimers.get(tr));
  tr.classList.remove("changed");
  // Restart the animation: reading layout between removing and adding the class does that.
  void tr.offsetWidth;
  tr.classList.add("changed");
  highlightTimers.set(
    tr,
    setTimeout(() => {
      tr.classList.remove("changed");
      highlightTimers.delete(tr);
    }, HIGHLIGHT_MS),
  );
}

// -----------------------------------------------------------------------------------------------
// Announcements for screen readers: rank changes, batched so a busy floor does not drown them.

const pendingMoves = new Map<string, { name: string; from: number | undefined; to: number }>();
let announceTimer: ReturnType<typeof setTimeout> | undefined;

function noteMove(row: Row, from: number | undefined): void {
  const pending = pendingMoves.get(row.agent.id);
  pendingMoves.set(row.agent.id, { name: row.agent.name, from: pending ? pending.from : from, to: row.rank });
  announceTimer ??= setTimeout(flushMoves, ANNOUNCE_INTERVAL_MS);
}

function flushMoves(): void {
  announceTimer = undefined;
  const moves = [...pendingMoves.values()].filter((m) => m.from !== m.to).sort((a, b) => a.to - b.to);
  pendingMoves.clear();
  if (moves.length === 0) return;
  const sentences = moves.slice(0, MAX_ANNOUNCED_MOVES).map(({ name, from, to }) => {
    if (from === undefined) return `${name} joined at rank ${to}.`;
    return `${name} ${to < from ? "up" : "down"} to rank ${to}.`;
  });
  if (moves.length > MAX_ANNOUNCED_MOVES) sentences.push(`${moves.length - MAX_ANNOUNCED_MOVES} more changes.`);
  announce(sentences.join(" "));
}

function announce(text: string): void {
  ui.announcer.textContent = text;
}

// -----------------------------------------------------------------------------------------------
// Formatting

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** Seconds as m:ss (h:mm:ss from an hour), currencies by their ISO code, anything else as a number and its unit. */
function formatScore(score: number, unit: string): string {
  if (unit === "s" || unit === "ms") return formatDuration(unit === "ms" ? score / 1000 : score);
  if (/^[A-Z]{3}$/.test(unit)) {
    try {
      const digits = Number.isInteger(score) ? 0 : 2;
      return new Intl.NumberFormat(undefined, { style: "currency", currency: unit, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(score);
    } catch {
      // Not a currency Intl knows: shown as a plain unit below.
    }
  }
  const value = numberFormat.format(score);
  if (!unit) return value;
  return unit.startsWith("/") || unit === "%" ? `${value}${unit}` : `${value} ${unit}`;
}

function formatDuration(totalSeconds: number): string {
  const rounded = Math.round(totalSeconds);
  const hours = Math.floor(rounded / 3600);
  const minutes = Math.floor((rounded % 3600) / 60);
  const seconds = String(rounded % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** Periods run in the org's time zone (from the board header), whatever the viewer's own. */
function describePeriod(period: PeriodWindow, timeZone: string): string {
  const first = new Date(period.start);
  const last = new Date(Date.parse(period.end) - 1);
  switch (period.kind) {
    case "day":
      return first.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long", timeZone });
    case "week": {
      const format = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone });
      return `Week of ${format.formatRange(first, last)}`;
    }
    case "month":
      return first.toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone });
  }
}

function exactPeriod(period: PeriodWindow, timeZone: string): string {
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone });
  return format.formatRange(new Date(period.start), new Date(period.end));
}
