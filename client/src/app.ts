/**
 * The live board page: pick a board, watch it change. The credential (a viewer token from a link
 * an admin issued, or a read API key) comes from the URL fragment (`#token=…`, which browsers never
 * send to a server) or from this browser's storage. What a viewer sees is decided by the server;
 * this page shows the rows it is sent and says which rule is in force.
 */
import type { BadgeAward, Board, BoardList, CelebrationFrame, GoalProgress, Me, NudgeFrame, PeriodWindow, PointsAccount, QualifyingEntry, Row, Visibility } from "../../protocol/index.ts";
import { describePeriod, formatScore } from "./format.ts";
import { goalItem, withScore } from "./goals.ts";
import { languagePicker, locale, translatePage } from "./i18n.ts";
import { common } from "./messages/common.ts";
import { m } from "./messages/live.ts";
import { noticeText } from "./messages/notices.ts";
import { api, ApiError, describeError, element, fillBoardSelect, h, setUpCredential, showText } from "./page.ts";
import { type BoardConnection, type BoardState, type ConnectionStatus, connectBoard, emptyBoardState } from "./sdk.ts";

const TOKEN_STORAGE_KEY = "floorboard.readKey";
const HIGHLIGHT_MS = 2_000;
/** Screen readers hear about rank changes at most this often, however busy the floor is. */
const ANNOUNCE_INTERVAL_MS = 5_000;
const MAX_ANNOUNCED_MOVES = 3;
/**
 * An agent's boards are all kept live (their own team's, its department's and the org's: a
 * handful), so "My boards" shows their rank on each as it changes and switching is instant. Past
 * this many, the rest connect when opened.
 */
const MAX_LIVE_BOARDS = 12;

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: common.connecting,
  live: common.live,
  reconnecting: common.reconnecting,
  closed: common.closed,
};

translatePage({ ...common, ...m });

const ui = {
  bar: element("bar", HTMLElement),
  picker: element("picker", HTMLDivElement),
  select: element("board-select", HTMLSelectElement),
  optOutField: element("opt-out-field", HTMLDivElement),
  optOut: element("opt-out", HTMLInputElement),
  forgetKey: element("forget-key", HTMLButtonElement),
  notice: element("notice", HTMLParagraphElement),
  keyForm: element("key-form", HTMLFormElement),
  myBoards: element("my-boards", HTMLElement),
  myBoardsList: element("my-boards-list", HTMLUListElement),
  rewardsLink: element("rewards-link", HTMLAnchorElement),
  myPoints: element("my-points", HTMLElement),
  myBalance: element("my-balance", HTMLSpanElement),
  myBadges: element("my-badges", HTMLUListElement),
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
ui.bar.insertBefore(languagePicker(common.language), ui.forgetKey);

/** The boards' live connections, by board id: all of an agent's (up to MAX_LIVE_BOARDS), otherwise the open one. */
const connections = new Map<string, BoardConnection>();
let boardNames = new Map<string, string>();
let openId: string | null = null;
/** The boards an agent's page keeps live; another one opened is connected while it is open. */
let liveBoards = new Set<string>();
/** Why a board's connection closed for good (a board not open when it did says so when opened). */
const closedBecause = new Map<string, string>();
/** An agent's page keeps every board live and shows "My boards"; others watch one board at a time. */
let agentPage = false;

function closeAll(): void {
  for (const connection of connections.values()) connection.close();
  connections.clear();
  liveBoards = new Set();
  closedBecause.clear();
  openId = null;
  myBoards.clear();
}

const credential = setUpCredential({
  storageKey: TOKEN_STORAGE_KEY,
  form: ui.keyForm,
  heading: m.formHeading,
  label: m.formLabel,
  hint: m.formHint,
  submit: m.formSubmit,
  forget: ui.forgetKey,
  notice: ui.notice,
  use: (token) => void showBoards(token),
  drop: () => {
    closeAll();
    ui.recognition.replaceChildren();
    ui.board.hidden = true;
    ui.picker.hidden = true;
    ui.optOutField.hidden = true;
    ui.rewardsLink.hidden = true;
    goals.stop();
    points.stop();
  },
});

const showNotice = (message?: string) => showText(ui.notice, message);

/** A board's name, and its metric's unit once its snapshot has come (for celebrations and nudges). */
const boardOf = (id: string) => {
  const name = boardNames.get(id);
  return name === undefined ? undefined : { name, unit: connections.get(id)?.state().header?.metric.unit };
};

async function showBoards(token: string): Promise<void> {
  showNotice();
  let boards: Board[];
  let me: Me | null;
  try {
    [boards, me] = await Promise.all([
      api<BoardList>(token, "GET", "/v1/boards").then((list) => list.boards.filter((b) => b.active)),
      // Keys have no "me"; an answer lost here only costs the agent's own tools.
      api<Me>(token, "GET", "/v1/me").catch(() => null),
    ]);
  } catch (error) {
    if (error instanceof ApiError && error.refusedCredential) {
      credential.ask(`${common.refused(error.status)} ${m.pasteAgain}`);
    } else {
      ui.keyForm.hidden = false;
      showNotice(common.couldNotLoad(m.theBoards, describeError(error)));
    }
    return;
  }
  credential.accepted();
  closeAll();
  boardNames = new Map(boards.map((b) => [b.id, b.name]));
  agentPage = me?.role === "agent" && me.agent !== null;
  if (me && agentPage) showAgentTools(token, me);
  if (boards.length === 0) {
    showNotice(m.noBoards);
    return;
  }

  fillBoardSelect(ui.select, boards);
  ui.picker.hidden = false;
  const requested = new URLSearchParams(location.search).get("board");
  const chosen = boards.find((b) => b.id === requested) ?? boards[0]!;
  if (requested && chosen.id !== requested) showNotice(m.noSuchBoard(requested, chosen.name));
  if (agentPage) {
    const live = [chosen, ...boards.filter((b) => b !== chosen)].slice(0, MAX_LIVE_BOARDS);
    liveBoards = new Set(live.map((b) => b.id));
    myBoards.show(boards, live, (boardId) => {
      showNotice();
      openBoard(boardId, token);
    });
    for (const board of live) connect(board.id, token);
  }
  ui.select.onchange = () => {
    showNotice();
    openBoard(ui.select.value, token);
  };
  openBoard(chosen.id, token);
}

/** An agent's own: the switch that hides their name from colleagues and wallboards, their goals, their rewards. */
function showAgentTools(token: string, me: Me): void {
  goals.start(token);
  points.start(token, me.agent!.id);
  // The recognition page (the store, the points' history) takes the same credential.
  ui.rewardsLink.href = `/rewards.html#token=${encodeURIComponent(token)}`;
  ui.rewardsLink.hidden = false;
  ui.optOut.checked = me.agent?.optedOut ?? false;
  ui.optOutField.hidden = false;
  ui.optOut.onchange = async () => {
    const wanted = ui.optOut.checked;
    ui.optOut.disabled = true;
    try {
      const answer = await api<Me>(token, "PATCH", "/v1/me", { optedOut: wanted });
      ui.optOut.checked = answer.agent?.optedOut ?? wanted;
      announce(ui.optOut.checked ? m.nameHidden : m.nameShown);
    } catch (error) {
      ui.optOut.checked = !wanted;
      showNotice(m.couldNotOptOut(describeError(error)));
    } finally {
      ui.optOut.disabled = false;
    }
  };
}

/** The board's live connection, opened if it is not yet. */
function connect(boardId: string, token: string): BoardConnection {
  const existing = connections.get(boardId);
  if (existing) return existing;
  const opened = connectBoard({
    baseUrl: location.origin,
    boardId,
    token,
    onChange: (state, previous) => {
      myBoards.update(state, previous);
      goals.follow(state);
      if (boardId !== openId) return;
      renderBoard(state, previous);
      renderCounters(opened);
    },
    onStatus: (status, detail) => {
      if (status === "closed" && detail) closedBecause.set(boardId, detail);
      myBoards.status(boardId, status);
      if (boardId !== openId) return;
      renderStatus(status, detail);
      renderCounters(opened);
    },
    onRecognition: showRecognition,
  });
  connections.set(boardId, opened);
  return opened;
}

function openBoard(boardId: string, token: string): void {
  if (agentPage && openId !== null && openId !== boardId && !liveBoards.has(openId)) {
    // One of an agent's boards past the live ones: connected only while it is open.
    connections.get(openId)?.close();
    connections.delete(openId);
  }
  if (!agentPage) {
    // One board at a time: a lead's or admin's board may be a big one.
    for (const [id, connection] of connections) if (id !== boardId) connection.close();
    for (const id of [...connections.keys()]) if (id !== boardId) connections.delete(id);
  }
  const url = new URL(location.href);
  url.searchParams.set("board", boardId);
  history.replaceState(null, "", url.pathname + url.search);
  ui.select.value = boardId;

  openId = boardId;
  resetBoardView();
  ui.board.hidden = false;
  myBoards.select(boardId);
  const connection = connect(boardId, token);
  // A board already live (an agent's) shows at once what it holds.
  const state = connection.state();
  if (state.header) renderBoard(state, emptyBoardState(boardId));
  renderStatus(connection.status(), closedBecause.get(boardId));
  renderCounters(connection);
}

/**
 * "My boards", on an agent's page: their rank and score on each of their boards as the board's
 * visibility allows (hidden, not ranked yet, or where they stand), kept live; one click (or Enter)
 * opens a board. A move of their own on a board not open is read out.
 */
const myBoards = (() => {
  const cards = new Map<string, { item: HTMLLIElement; button: HTMLButtonElement; standing: HTMLSpanElement; score: HTMLSpanElement; period: HTMLSpanElement }>();
  return {
    show(boards: readonly Board[], live: readonly Board[], open: (boardId: string) => void) {
      cards.clear();
      const items = boards.map((board) => {
        const standing = h("span", { class: "standing", "data-testid": "my-board-standing" }, live.includes(board) ? common.connecting : "–");
        const score = h("span", { class: "my-score", "data-testid": "my-board-score" });
        const period = h("span", { class: "my-period" });
        // The button's name is what it shows: the board, its period, where the agent stands, their score.
        const button = h("button", { type: "button" }, h("span", { class: "my-board-name" }, board.name), period, standing, score);
        button.addEventListener("click", () => open(board.id));
        const item = h("li", { class: "my-board", "data-testid": "my-board", "data-board": board.id }, button);
        cards.set(board.id, { item, button, standing, score, period });
        return item;
      });
      ui.myBoardsList.replaceChildren(...items);
      ui.myBoards.hidden = false;
    },
    clear() {
      cards.clear();
      ui.myBoardsList.replaceChildren();
      ui.myBoards.hidden = true;
    },
    select(boardId: string) {
      for (const [id, card] of cards) {
        if (id === boardId) card.button.setAttribute("aria-current", "true");
        else card.button.removeAttribute("aria-current");
      }
    },
    status(boardId: string, status: ConnectionStatus) {
      const card = cards.get(boardId);
      if (!card) return;
      card.item.dataset["status"] = status;
      if (status === "closed") card.standing.textContent = common.closed;
    },
    update(state: BoardState, previous: BoardState) {
      const card = cards.get(state.boardId);
      if (!card || !state.header) return;
      const data = card.item.dataset;
      if (state.period) card.period.textContent = describePeriod(state.period, state.header.timeZone);
      const me = state.me;
      const qualifying = state.qualifying.find((q) => q.me);
      setData(data, "rank", me ? String(me.rank) : undefined);
      setData(data, "score", me?.score === undefined ? undefined : String(me.score));
      if (state.visibility?.mode === "hidden") card.standing.textContent = m.hiddenShort;
      else if (me) card.standing.textContent = state.total === null ? `#${me.rank}` : m.rankOf(me.rank, state.total);
      else if (qualifying) card.standing.textContent = m.qualifyingShort(qualifying.volume, qualifying.required);
      else card.standing.textContent = m.noScoreShort;
      card.score.textContent = me?.score === undefined ? "" : formatScore(me.score, state.header.metric.unit);
      // The agent's own move on a board they are not looking at (the open board's moves are read out with the rest).
      const before = previous.me?.rank;
      if (state.boardId !== openId && me && before !== undefined && before !== me.rank && previous.period?.start === state.period?.start) {
        announce(me.rank < before ? m.youUp(state.header.name, me.rank) : m.youDown(state.header.name, me.rank));
      }
    },
  };
})();

// -----------------------------------------------------------------------------------------------
// Rendering

const RECOGNITION_SHOWN_MS = 10_000;
const MAX_RECOGNITION_SHOWN = 4;

/** A celebration or a nudge, shown for a while at the top of the board (and read out politely). */
function showRecognition(frame: CelebrationFrame | NudgeFrame): void {
  if (frame.type === "celebration" && frame.kind === "goal" && frame.me) goals.reload();
  // Points and badges of the agent's own: a badge, kudos received.
  if (frame.type === "celebration" && frame.me) points.earned(frame.badge);
  const icon = frame.type === "celebration" ? (frame.badge?.icon ?? (frame.kind === "first_place" ? "🥇" : frame.kind === "kudos" ? "🙌" : "🎯")) : "💡";
  const item = h("li", { class: `recognition ${frame.type}`, "data-kind": frame.kind, "data-testid": frame.type }, h("span", { "aria-hidden": "true" }, icon), " ", noticeText(frame, boardOf));
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
  /** The latest state of each live board, for the goals tracked on it. */
  const latest = new Map<string, BoardState>();

  const render = () => {
    ui.myGoalsList.replaceChildren(...shown.map(goalItem));
    ui.myGoals.hidden = shown.length === 0;
  };
  /** The goals tracked on a live board take the agent's own row's score there (when the view shows it). */
  const apply = () => {
    shown = shown.map((goal) => {
      const state = goal.board === null ? undefined : latest.get(goal.board);
      const own = state?.me;
      if (!state || state.period?.start !== goal.periodStart || own?.score === undefined) return goal;
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
      apply();
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
      latest.clear();
      render();
    },
    reload: () => void reload(),
    follow(state: BoardState) {
      latest.set(state.boardId, state);
      if (!token || !shown.some((goal) => goal.board === state.boardId)) return;
      apply();
      render();
    },
  };
})();

/** The agent's points balance and badges (newest first), beside their boards; again every minute and when they earn some. */
const points = (() => {
  const RELOAD_MS = 60_000;
  const SHOWN_BADGES = 8;
  /** Awards reach D1 when the team's object next writes to it: a second or two after the events. */
  const LEDGER_DELAY_MS = 4_000;
  let token = "";
  let agentId = "";
  let timer: ReturnType<typeof setInterval> | undefined;
  let soon: ReturnType<typeof setTimeout> | undefined;
  const badgeIcon = (id: string, name: string, icon: string) => h("li", { title: name, "data-badge": id }, h("span", { "aria-hidden": "true" }, icon), h("span", { class: "visually-hidden" }, name));
  const reload = async () => {
    const asked = token;
    if (!asked) return;
    const id = encodeURIComponent(agentId);
    try {
      const [account, { awards }] = await Promise.all([
        api<PointsAccount>(asked, "GET", `/v1/agents/${id}/points?limit=1`),
        api<{ awards: BadgeAward[] }>(asked, "GET", `/v1/agents/${id}/badges?limit=${SHOWN_BADGES}`),
      ]);
      if (asked !== token) return;
      ui.myBalance.textContent = m.balance(account.balance);
      ui.myBalance.dataset["balance"] = String(account.balance);
      ui.myBadges.setAttribute("aria-label", m.badgeCount(awards.length));
      ui.myBadges.replaceChildren(...awards.map((award) => badgeIcon(award.badgeId, award.badgeName, award.icon)));
      ui.myPoints.hidden = false;
    } catch {
      // Kept as they were: the next reload tries again.
    }
  };
  return {
    start(given: string, agent: string) {
      this.stop();
      token = given;
      agentId = agent;
      void reload();
      timer = setInterval(() => void reload(), RELOAD_MS);
    },
    stop() {
      clearInterval(timer);
      clearTimeout(soon);
      token = "";
      ui.myPoints.hidden = true;
    },
    /**
     * The agent earned something (a badge, kudos): a badge shows at once from the celebration; the
     * balance follows once the object has handed the award to the ledger, a few seconds later.
     */
    earned(badge?: { id: string; name: string; icon: string }) {
      if (!token) return;
      if (badge && !ui.myBadges.querySelector(`[data-badge="${CSS.escape(badge.id)}"]`)) ui.myBadges.prepend(badgeIcon(badge.id, badge.name, badge.icon));
      clearTimeout(soon);
      soon = setTimeout(() => void reload(), LEDGER_DELAY_MS);
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
  ui.metric.textContent = direction === "lower" ? m.lowerIsBetter(label) : label;
  ui.scoreHeading.textContent = label;
  ui.caption.textContent = m.caption(header.name, label);
  if (state.period) {
    ui.period.textContent = describePeriod(state.period, header.timeZone);
    ui.period.title = exactPeriod(state.period, header.timeZone);
  }
  ui.total.textContent = state.total === null ? "" : common.agents(state.total);
  ui.seq.textContent = state.seq === null ? "–" : String(state.seq);

  const rule = describeView(state);
  showText(ui.modeNotice, rule?.text);
  ui.table.hidden = rule?.nothingToShow === true;
  ui.table.classList.toggle("no-scores", !state.rows.some((row) => row.score !== undefined));
  showText(ui.empty, state.rows.length > 0 || state.qualifying.some((q) => q.me) || rule?.nothingToShow ? undefined : state.view === "agent" && isPersonal(state.visibility) ? m.noScoreYou : m.noScores);

  renderQualifying(state);

  if (previous.visibility && !sameVisibility(previous.visibility, state.visibility)) {
    // Moves noted under the old settings may name agents the new ones hide.
    pendingMoves.clear();
    announce(rule ? m.viewChanged(rule.text) : "");
  }
  if (previous.period && state.period && previous.period.start !== state.period.start) {
    announce(m.newPeriod);
  }
  if (state.rows === previous.rows) return; // A settings frame: the new view's snapshot follows.
  // A new period resets the board, and new settings show another view: nothing "changed".
  const comparable = previous.period?.start === state.period?.start && sameVisibility(rowsShownUnder, state.visibility);
  rowsShownUnder = state.visibility;
  renderRows(state, previous, comparable, unit);
}

/** Agents below the metric's minimum volume: their progress, not a rank (leads see all, an agent their own). */
function renderQualifying(state: BoardState): void {
  const unitOf = (entry: QualifyingEntry) => m.progress(entry.volume, entry.required);
  ui.qualifying.hidden = state.qualifying.length === 0;
  ui.qualifyingList.replaceChildren(
    ...state.qualifying.map((entry) =>
      h(
        "li",
        { "data-testid": "qualifying-entry", ...(entry.agent ? { "data-agent-id": entry.agent.id } : {}), ...(entry.me ? { "data-me": "true" } : {}) },
        entry.me ? m.qualifyingMe(unitOf(entry), entry.required) : `${entry.label}: ${unitOf(entry)}`,
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
    if (from !== row.rank) noteMove(row.agent.id, row.me ? common.you : row.label, from, row.rank);
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
    const moved = row.change === undefined ? "" : row.change > 0 ? m.movedUp(row.change) : m.movedDown(-row.change);
    rank.title = [moved, row.previousRank === undefined ? "" : m.lastPeriod(row.previousRank)].filter(Boolean).join(" ");
  }
  setText(name?.firstElementChild ?? undefined, row.label);
  const tag = name?.lastElementChild;
  if (tag instanceof HTMLElement) showText(tag, row.me ? common.you : row.optedOut ? m.notNamed : undefined);
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
  if (mode === "hidden") return { text: m.hidden, nothingToShow: true };
  if (!agent && isPersonal(visibility)) return { text: m.personalOnWallboard, nothingToShow: true };
  const shown = {
    everyone: m.showingEveryone,
    top_n: m.showingTop(n),
    top_n_and_me: agent ? m.showingTopAndYou(n) : m.showingTop(n),
    me_and_neighbours: k === 0 ? m.showingOnlyYou : m.showingNeighbours(k),
    only_me: m.showingOnlyYou,
  }[mode];
  const notes = [shown];
  if (anonymise && mode !== "only_me") notes.push(m.othersNotNamed);
  if (!showScores) notes.push(agent ? m.onlyYourScore : m.scoresHidden);
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
    if (from === undefined) return m.joined(name, to);
    return to < from ? m.up(name, to) : m.down(name, to);
  });
  if (moves.length > MAX_ANNOUNCED_MOVES) sentences.push(m.moreChanges(moves.length - MAX_ANNOUNCED_MOVES));
  announce(sentences.join(" "));
}

function announce(text: string): void {
  ui.announcer.textContent = text;
}

// -----------------------------------------------------------------------------------------------
// Formatting

function exactPeriod(period: PeriodWindow, timeZone: string): string {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone });
  return format.formatRange(new Date(period.start), new Date(period.end));
}

// Last, once every binding above exists: the bundle turns top-level constants into `var`s, so one
// read too early would be undefined rather than an error.
credential.begin();
