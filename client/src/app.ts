/**
 * The live board page: pick a board, watch it change. The credential (a viewer token from a link
 * an admin issued, or a read API key) comes from the URL fragment (`#token=…`, which browsers never
 * send to a server) or from this browser's storage. What a viewer sees is decided by the server;
 * this page shows the rows it is sent and says which rule is in force.
 */
import type { Board, BoardList, CelebrationFrame, GoalProgress, Me, NudgeFrame, PeriodWindow, QualifyingEntry, Row, Visibility } from "../../protocol/index.ts";
import { describePeriod, formatScore } from "./format.ts";
import { goalItem, withScore } from "./goals.ts";
import { api, ApiError, describeError, element, fillBoardSelect, h, setUpCredential, showText } from "./page.ts";
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

const ui = {
  picker: element("picker", HTMLDivElement),
  select: element("board-select", HTMLSelectElement),
  optOutField: element("opt-out-field", HTMLDivElement),
  optOut: element("opt-out", HTMLInputElement),
  forgetKey: element("forget-key", HTMLButtonElement),
  notice: element("notice", HTMLParagraphElement),
  keyForm: element("key-form", HTMLFormElement),
  board: element("board", HTMLElement),
  title: element("board-title", HTMLHeadingElement),
  metric: element("board-metric", HTMLSpanElement),
  period: element("board-period", HTMLSpanElement),
  status: element("status", HTMLSpanElement),
  modeNotice: element("mode-notice", HTMLParagraphElement),
  table: element("board-table", HTMLTableElement),
  caption: element("board-caption", HTMLTableCaptionElement),
  scoreHeading: element("score-heading", HTMLTableCellElement),
  rows: element("rows", HTMLTableSectionElement),
  empty: element("empty", HTMLParagraphElement),
  qualifying: element("qualifying", HTMLElement),
  qualifyingList: element("qualifying-list", HTMLUListElement),
  total: element("total", HTMLSpanElement),
  seq: element("seq", HTMLSpanElement),
  reconnects: element("reconnects", HTMLSpanElement),
  resyncs: element("resyncs", HTMLSpanElement),
  announcer: element("announcer", HTMLDivElement),
  recognition: element("recognition", HTMLUListElement),
  myGoals: element("my-goals", HTMLElement),
  myGoalsList: element("my-goals-list", HTMLUListElement),
};

let connection: BoardConnection | null = null;

const credential = setUpCredential({
  storageKey: TOKEN_STORAGE_KEY,
  form: ui.keyForm,
  heading: "Show a live board",
  label: "Board link token or read API key",
  hint: ["The part after ", h("code", {}, "#token="), " in the link your admin gave you, or an API key with the ", h("code", {}, "read"), " scope (it starts with ", h("code", {}, "fb_"), ")."],
  submit: "Show boards",
  forget: ui.forgetKey,
  notice: ui.notice,
  use: (token) => void showBoards(token),
  drop: () => {
    connection?.close();
    connection = null;
    ui.board.hidden = true;
    ui.picker.hidden = true;
    ui.optOutField.hidden = true;
    goals.stop();
  },
});

const showNotice = (message?: string) => showText(ui.notice, message);

async function showBoards(token: string): Promise<void> {
  showNotice();
  let boards: Board[];
  try {
    boards = (await api<BoardList>(token, "GET", "/v1/boards")).boards.filter((b) => b.active);
  } catch (error) {
    if (error instanceof ApiError && error.refusedCredential) {
      credential.ask(`That link or key was refused (${error.status}). Paste the token from your board link, or a read API key.`);
    } else {
      ui.keyForm.hidden = false;
      showNotice(`Could not load the boards: ${describeError(error)}`);
    }
    return;
  }
  credential.accepted();
  void showAgentTools(token);
  if (boards.length === 0) {
    showNotice("There are no active boards for you to see yet.");
    return;
  }

  fillBoardSelect(ui.select, boards);
  ui.picker.hidden = false;
  const requested = new URLSearchParams(location.search).get("board");
  const chosen = boards.find((b) => b.id === requested) ?? boards[0]!;
  if (requested && chosen.id !== requested) showNotice(`No active board '${requested}' for you; showing ${chosen.name}.`);
  ui.select.value = chosen.id;
  ui.select.onchange = () => {
    showNotice();
    openBoard(ui.select.value, token);
  };
  openBoard(chosen.id, token);
}

/** An agent's own: the switch that hides their name from colleagues and wallboards, and their goals. */
async function showAgentTools(token: string): Promise<void> {
  ui.optOutField.hidden = true;
  goals.stop();
  let me: Me;
  try {
    me = await api<Me>(token, "GET", "/v1/me");
  } catch {
    return; // Not an agent's token, or the answer was lost: no switch either way.
  }
  if (me.role !== "agent" || !me.agent) return;
  goals.start(token);
  ui.optOut.checked = me.agent.optedOut;
  ui.optOutField.hidden = false;
  ui.optOut.onchange = async () => {
    const wanted = ui.optOut.checked;
    ui.optOut.disabled = true;
    try {
      const answer = await api<Me>(token, "PATCH", "/v1/me", { optedOut: wanted });
      ui.optOut.checked = answer.agent?.optedOut ?? wanted;
      announce(ui.optOut.checked ? "Your name is now hidden from colleagues." : "Your name is shown to colleagues again.");
    } catch (error) {
      ui.optOut.checked = !wanted;
      showNotice(`Could not change whether your name is shown: ${describeError(error)}`);
    } finally {
      ui.optOut.disabled = false;
    }
  };
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
      goals.follow(state);
    },
    onStatus: (status, detail) => {
      renderStatus(status, detail);
      renderCounters(opened);
    },
    onRecognition: showRecognition,
  });
  connection = opened;
}

// -----------------------------------------------------------------------------------------------
// Rendering

const RECOGNITION_SHOWN_MS = 10_000;
const MAX_RECOGNITION_SHOWN = 4;

/** A celebration or a nudge, shown for a while at the top of the board (and read out politely). */
function showRecognition(frame: CelebrationFrame | NudgeFrame): void {
  if (frame.type === "celebration" && frame.kind === "goal" && frame.me) goals.reload();
  const icon = frame.type === "celebration" ? (frame.badge?.icon ?? (frame.kind === "first_place" ? "🥇" : frame.kind === "kudos" ? "🙌" : "🎯")) : "💡";
  const item = h("li", { class: `recognition ${frame.type}`, "data-kind": frame.kind, "data-testid": frame.type }, h("span", { "aria-hidden": "true" }, icon), " ", frame.message);
  ui.recognition.prepend(item);
  while (ui.recognition.children.length > MAX_RECOGNITION_SHOWN) ui.recognition.lastElementChild!.remove();
  setTimeout(() => item.remove(), RECOGNITION_SHOWN_MS);
}

/**
 * The agent's goals, above their board: loaded from the API (again every minute, with the pace the
 * server works out from the team's shift and working days, and when a goal is hit), and the score
 * of a goal tracked on the open board moved with the agent's own row as frames arrive.
 */
const goals = (() => {
  const RELOAD_MS = 60_000;
  let token = "";
  let shown: GoalProgress[] = [];
  let timers: ReturnType<typeof setInterval>[] = [];
  let last: BoardState | null = null;

  const render = () => {
    ui.myGoalsList.replaceChildren(...shown.map(goalItem));
    ui.myGoals.hidden = shown.length === 0;
  };
  /** The goals tracked on this board take the agent's own row's score (when the view shows it). */
  const apply = (state: BoardState) => {
    shown = shown.map((goal) => {
      const own = state.me;
      if (goal.board !== state.boardId || state.period?.start !== goal.periodStart || own?.score === undefined) return goal;
      return withScore(goal, own.score, true);
    });
  };
  const reload = async () => {
    if (!token) return;
    const asked = token;
    try {
      const { progress } = await api<{ progress: GoalProgress[] }>(asked, "GET", "/v1/goals/progress");
      if (asked !== token) return;
      shown = progress;
      if (last) apply(last);
      render();
    } catch {
      // Kept as they were: the next reload tries again.
    }
  };
  return {
    start(given: string) {
      this.stop();
      token = given;
      void reload();
      timers = [setInterval(() => void reload(), RELOAD_MS)];
    },
    stop() {
      for (const timer of timers) clearInterval(timer);
      timers = [];
      token = "";
      shown = [];
      last = null;
      render();
    },
    reload: () => void reload(),
    follow(state: BoardState) {
      last = state;
      if (!token || shown.length === 0) return;
      apply(state);
      render();
    },
  };
})();

/** Rows are keyed by place, as the server's updates are: the row at a place may change hands. */
const rowElements = new Map<number, HTMLTableRowElement>();
const highlightTimers = new Map<HTMLTableRowElement, ReturnType<typeof setTimeout>>();
/** The settings the rows on screen were chosen by: rows of other settings are a new view, not changes to point out. */
let rowsShownUnder: Visibility | null = null;

function resetBoardView(): void {
  rowElements.clear();
  for (const timer of highlightTimers.values()) clearTimeout(timer);
  highlightTimers.clear();
  pendingMoves.clear();
  rowsShownUnder = null;
  ui.rows.replaceChildren();
  ui.title.textContent = "";
  ui.metric.textContent = "";
  ui.period.textContent = "";
  ui.caption.textContent = "";
  ui.total.textContent = "";
  ui.seq.textContent = "–";
  ui.empty.hidden = true;
  ui.table.hidden = false;
  showText(ui.modeNotice);
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
  ui.total.textContent = state.total === null ? "" : state.total === 1 ? "1 agent" : `${state.total} agents`;
  ui.seq.textContent = state.seq === null ? "–" : String(state.seq);

  const rule = describeView(state);
  showText(ui.modeNotice, rule?.text);
  ui.table.hidden = rule?.nothingToShow === true;
  ui.table.classList.toggle("no-scores", !state.rows.some((row) => row.score !== undefined));
  showText(ui.empty, state.rows.length > 0 || state.qualifying.some((q) => q.me) || rule?.nothingToShow ? undefined : state.view === "agent" && isPersonal(state.visibility) ? "You have no score yet this period." : "No scores yet this period.");

  renderQualifying(state);

  if (previous.visibility && !sameVisibility(previous.visibility, state.visibility)) {
    // Moves noted under the old settings may name agents the new ones hide.
    pendingMoves.clear();
    announce(rule ? `What this board shows has changed. ${rule.text}` : "");
  }
  if (previous.period && state.period && previous.period.start !== state.period.start) {
    announce(`A new ${state.period.kind} has begun; the board starts again.`);
  }
  if (state.rows === previous.rows) return; // A settings frame: the new view's snapshot follows.
  // A new period resets the board, and new settings show another view: nothing "changed".
  const comparable = previous.period?.start === state.period?.start && sameVisibility(rowsShownUnder, state.visibility);
  rowsShownUnder = state.visibility;
  renderRows(state, previous, comparable, unit);
}

/** Agents below the metric's minimum volume: their progress, not a rank (leads see all, an agent their own). */
function renderQualifying(state: BoardState): void {
  const unitOf = (entry: QualifyingEntry) => `${entry.volume} of ${entry.required}`;
  ui.qualifying.hidden = state.qualifying.length === 0;
  ui.qualifyingList.replaceChildren(
    ...state.qualifying.map((entry) =>
      h(
        "li",
        { "data-testid": "qualifying-entry", ...(entry.agent ? { "data-agent-id": entry.agent.id } : {}), ...(entry.me ? { "data-me": "true" } : {}) },
        entry.me ? `You: ${unitOf(entry)} so far — you are ranked from ${entry.required}.` : `${entry.label}: ${unitOf(entry)}`,
      ),
    ),
  );
}

function renderRows(state: BoardState, previous: BoardState, comparable: boolean, unit: string): void {
  const before = new Map(previous.rows.map((row) => [row.place, row]));
  const rankBefore = new Map(previous.rows.flatMap((row) => (row.agent ? [[row.agent.id, row.rank] as const] : [])));
  const present = new Set<number>();
  state.rows.forEach((row, index) => {
    present.add(row.place);
    const tr = rowElements.get(row.place) ?? createRow(row.place);
    fillRow(tr, row, unit);
    // Places the viewer may not see lie between these rows (e.g. the top 3, then "me" at 7).
    tr.classList.toggle("gap", index > 0 && state.rows[index - 1]!.place !== row.place - 1);
    if (ui.rows.children[index] !== tr) ui.rows.insertBefore(tr, ui.rows.children[index] ?? null);
    if (!comparable) return;
    const old = before.get(row.place);
    if (!old || old.label !== row.label || old.score !== row.score || old.rank !== row.rank) highlight(tr);
    // Only named agents can be said to have moved: an anonymous label belongs to its place.
    if (!row.agent) return;
    const from = rankBefore.get(row.agent.id);
    if (from !== row.rank) noteMove(row.agent.id, row.me ? "You" : row.label, from, row.rank);
  });
  for (const [place, tr] of rowElements) {
    if (present.has(place)) continue;
    tr.remove();
    rowElements.delete(place);
  }
}

function createRow(place: number): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.dataset["testid"] = "row";
  const placeCell = document.createElement("td");
  placeCell.className = "num place";
  const rank = document.createElement("td");
  rank.className = "num";
  const name = document.createElement("th");
  name.scope = "row";
  name.className = "name";
  const label = document.createElement("span");
  const tag = document.createElement("span");
  tag.className = "tag";
  name.append(label, tag);
  const score = document.createElement("td");
  score.className = "num score";
  score.dataset["testid"] = "score";
  tr.append(placeCell, rank, name, score);
  rowElements.set(place, tr);
  return tr;
}

function fillRow(tr: HTMLTableRowElement, row: Row, unit: string): void {
  // Raw values for tests and tooling; the cells show them formatted. Who a row is, and its score,
  // are only there when the server sent them.
  const data = tr.dataset;
  data["place"] = String(row.place);
  data["rank"] = String(row.rank);
  data["label"] = row.label;
  setData(data, "score", row.score === undefined ? undefined : String(row.score));
  setData(data, "agentId", row.agent?.id);
  setData(data, "me", row.me ? "true" : undefined);
  setData(data, "change", row.change === undefined ? undefined : String(row.change));
  setData(data, "previousRank", row.previousRank === undefined ? undefined : String(row.previousRank));
  const [place, rank, name, score] = tr.children;
  setText(place, String(row.place));
  // The rank, with how far the agent moved with the latest events and where they ended last period.
  const move = row.change === undefined ? "" : row.change > 0 ? ` ▲${row.change}` : ` ▼${-row.change}`;
  setText(rank, `${row.rank}${move}`);
  if (rank instanceof HTMLElement) {
    const moved = row.change === undefined ? "" : `${row.change > 0 ? "Up" : "Down"} ${Math.abs(row.change)} with the latest results. `;
    rank.title = `${moved}${row.previousRank === undefined ? "" : `Last period: ${row.previousRank}.`}`.trim();
  }
  setText(name?.firstElementChild ?? undefined, row.label);
  const tag = name?.lastElementChild;
  if (tag instanceof HTMLElement) showText(tag, row.me ? "You" : row.optedOut ? "Not named to colleagues" : undefined);
  setText(score, row.score === undefined ? "" : formatScore(row.score, unit));
}

function setData(data: DOMStringMap, key: string, value: string | undefined): void {
  if (value === undefined) delete data[key];
  else data[key] = value;
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
// The rule in force, in words, for agents and wallboards (leads, managers and admins see it all)

const isPersonal = (visibility: Visibility | null) => visibility?.mode === "me_and_neighbours" || visibility?.mode === "only_me";

function describeView(state: BoardState): { text: string; nothingToShow: boolean } | null {
  const visibility = state.visibility;
  if (!visibility || state.view === null || state.view === "full") return null;
  const agent = state.view === "agent";
  const { mode, n, k, showScores, anonymise } = visibility;
  if (mode === "hidden") return { text: "This board is hidden by your admin.", nothingToShow: true };
  if (!agent && isPersonal(visibility)) {
    return { text: "On this board each agent sees only their own part of it, so a wallboard has nothing to show.", nothingToShow: true };
  }
  const top = n === 1 ? "the leader" : `the top ${n}`;
  const shown = {
    everyone: "Showing everyone on the board.",
    top_n: `Showing ${top}.`,
    top_n_and_me: agent ? `Showing ${top} and you.` : `Showing ${top}.`,
    me_and_neighbours: k === 0 ? "Showing only you." : `Showing you and ${k === 1 ? "the place" : `${k} places`} either side of you.`,
    only_me: "Showing only you.",
  }[mode];
  const notes = [shown];
  if (anonymise && mode !== "only_me") notes.push("Other agents are not named.");
  if (!showScores) notes.push(agent ? "Only your own score is shown." : "Scores are hidden.");
  return { text: notes.join(" "), nothingToShow: false };
}

function sameVisibility(a: Visibility | null, b: Visibility | null): boolean {
  return a !== null && b !== null && a.mode === b.mode && a.n === b.n && a.k === b.k && a.showScores === b.showScores && a.anonymise === b.anonymise;
}

// -----------------------------------------------------------------------------------------------
// Announcements for screen readers: rank changes, batched so a busy floor does not drown them.

const pendingMoves = new Map<string, { name: string; from: number | undefined; to: number }>();
let announceTimer: ReturnType<typeof setTimeout> | undefined;

function noteMove(agentId: string, name: string, from: number | undefined, to: number): void {
  const pending = pendingMoves.get(agentId);
  pendingMoves.set(agentId, { name, from: pending ? pending.from : from, to });
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

function exactPeriod(period: PeriodWindow, timeZone: string): string {
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone });
  return format.formatRange(new Date(period.start), new Date(period.end));
}

// Last, once every binding above exists: the bundle turns top-level constants into `var`s, so one
// read too early would be undefined rather than an error.
credential.begin();
