/**
 * The boards of the teams and departments the credential covers, one group at a time: a card per
 * board (its top places, how many are ranked, whether it is live), and one board opened to its
 * full table, with a chart of this period against earlier ones and, for an agent picked in the
 * table, their trend.
 *
 * Only the selected group's boards are connected (one socket per board, closed when another group
 * is chosen): a manager of many teams opens a handful of sockets, not one per board they may see.
 */
import type { Board, BoardHeader } from "../../../protocol/index.ts";
import { describePeriod, formatScore } from "../format.ts";
import { formatNumber } from "../i18n.ts";
import { common } from "../messages/common.ts";
import { m } from "../messages/dashboard.ts";
import { describeError, element, h, showText } from "../page.ts";
import { type BoardConnection, type BoardState, type ConnectionStatus, connectBoard } from "../sdk.ts";
import { barChart, type ChartPoint, shortPeriod } from "./chart.ts";
import { type AgentTrend, type BoardHistory, figuresOf, fittingMeasure, type Measure, measureOf, type Session } from "./session.ts";

/** Places a card shows; the full table is a click away. */
const CARD_ROWS = 5;

const ui = {
  groups: element("groups", HTMLUListElement),
  cards: element("cards", HTMLUListElement),
  cardsEmpty: element("cards-empty", HTMLParagraphElement),
  detail: element("detail", HTMLElement),
  detailTitle: element("detail-title", HTMLHeadingElement),
  detailMeta: element("detail-meta", HTMLParagraphElement),
  detailStatus: element("detail-status", HTMLSpanElement),
  detailLive: element("detail-live", HTMLAnchorElement),
  detailClose: element("detail-close", HTMLButtonElement),
  detailCaption: element("detail-caption", HTMLTableCaptionElement),
  detailNameHeading: element("detail-name-heading", HTMLTableCellElement),
  detailRows: element("detail-rows", HTMLTableSectionElement),
  detailEmpty: element("detail-empty", HTMLParagraphElement),
  detailCount: element("detail-count", HTMLParagraphElement),
  qualifying: element("detail-qualifying", HTMLElement),
  qualifyingList: element("detail-qualifying-list", HTMLUListElement),
  chartMeasure: element("chart-measure", HTMLSelectElement),
  chartLimit: element("chart-limit", HTMLSelectElement),
  chartStatus: element("chart-status", HTMLParagraphElement),
  chart: element("chart", HTMLDivElement),
  trend: element("trend", HTMLElement),
  trendTitle: element("trend-title", HTMLHeadingElement),
  trendClose: element("trend-close", HTMLButtonElement),
  trendStatus: element("trend-status", HTMLParagraphElement),
  trendChart: element("trend-chart", HTMLDivElement),
};

export interface BoardGroup {
  /** `team:<id>`, `department:<id>` or `org`. */
  key: string;
  kind: "team" | "department" | "org";
  boards: Board[];
}

/** Team boards by team, roll-ups by department, the org's roll-ups together; teams first. */
export function groupBoards(boards: readonly Board[]): BoardGroup[] {
  const groups = new Map<string, BoardGroup>();
  for (const board of boards) {
    const kind = board.scope;
    const key = kind === "team" ? `team:${board.teamId}` : kind === "department" ? `department:${board.departmentId}` : "org";
    const group = groups.get(key) ?? { key, kind, boards: [] };
    group.boards.push(board);
    groups.set(key, group);
  }
  const order = { team: 0, department: 1, org: 2 };
  return [...groups.values()].sort((a, b) => order[a.kind] - order[b.kind]);
}

/** A group's name, from a header of one of its boards (a team board's team, a roll-up's department or org). */
function groupName(group: BoardGroup, header: BoardHeader | null): string {
  const name = header?.team.name ?? group.key.slice(group.key.indexOf(":") + 1);
  return group.kind === "team" ? name : group.kind === "department" ? m.departmentGroup(name) : m.orgGroup(name);
}

interface Card {
  board: Board;
  connection: BoardConnection;
  open: HTMLButtonElement;
}

interface Detail {
  boardId: string;
  history: BoardHistory["periods"] | null;
  /** Set once the manager picks a figure; until then the one that fits the metric. */
  measureChosen: boolean;
  trendAgent: { id: string; name: string } | null;
  trend: AgentTrend["points"] | null;
}

const rankedText = (header: BoardHeader | null, total: number) =>
  header?.ranks === "teams" ? m.teamsRanked(total) : header?.ranks === "departments" ? m.departmentsRanked(total) : m.agentsRanked(total);

const statusBadge = (node: HTMLElement, status: ConnectionStatus, detail?: string) => {
  node.dataset["status"] = status;
  node.textContent = common[status];
  node.title = detail ?? "";
};

export function startBoards(session: Session): { stop(): void } {
  const groups = groupBoards(session.boards);
  const cards = new Map<string, Card>();
  let detail: Detail | null = null;
  let stopped = false;

  // --------------------------------------------------------------------------------------------
  // Groups

  const groupButtons = new Map<string, HTMLButtonElement>();
  ui.groups.replaceChildren(
    ...groups.map((group) => {
      const button = h("button", { type: "button", class: "group", "data-testid": "group", "data-group": group.key, "aria-pressed": "false" }, groupName(group, null));
      button.addEventListener("click", () => select(group));
      groupButtons.set(group.key, button);
      void session.header(group.boards[0]!.id).then((header) => {
        if (header) button.textContent = groupName(group, header);
      });
      return h("li", {}, button);
    }),
  );

  function select(group: BoardGroup): void {
    for (const card of cards.values()) card.connection.close();
    cards.clear();
    closeDetail();
    for (const [key, button] of groupButtons) button.setAttribute("aria-pressed", String(key === group.key));
    const url = new URL(location.href);
    url.searchParams.set("group", group.key);
    history.replaceState(null, "", url.pathname + url.search);
    ui.cards.replaceChildren(...group.boards.map((board, i) => createCard(board, i).root));
  }

  // --------------------------------------------------------------------------------------------
  // Cards

  function createCard(board: Board, index: number): Card & { root: HTMLLIElement } {
    const titleId = `card-title-${index}`;
    const title = h("h3", { id: titleId, "data-testid": "card-title" }, board.name);
    const status = h("span", { class: "badge", "data-testid": "card-status", "data-status": "connecting", role: "status" }, common.connecting);
    const meta = h("p", { class: "meta", "data-testid": "card-meta" });
    const list = h("ol", { class: "top-rows", "data-testid": "card-rows", "aria-label": m.topPlaces });
    const count = h("p", { class: "meta", "data-testid": "card-count" });
    const open = h("button", { type: "button", class: "secondary", "data-testid": "card-open", "aria-controls": "detail", "aria-expanded": "false", "aria-describedby": titleId }, m.fullBoard);
    const live = h("a", { href: `/?board=${encodeURIComponent(board.id)}`, "data-testid": "card-live", "aria-describedby": titleId }, m.livePage);
    const root = h("li", { class: "card", "data-testid": "card", "data-board": board.id }, h("div", { class: "card-head" }, title, status), meta, list, count, h("div", { class: "card-actions" }, open, live));
    open.addEventListener("click", () => (detail?.boardId === board.id ? closeDetail() : openDetail(board.id)));

    const render = (state: BoardState) => {
      const header = state.header;
      if (!header || !state.period) return;
      title.textContent = header.name;
      meta.textContent = `${header.metric.label} · ${describePeriod(state.period, header.timeZone)}`;
      list.replaceChildren(
        ...state.rows.slice(0, CARD_ROWS).map((row) =>
          h(
            "li",
            { "data-testid": "card-row", "data-rank": String(row.rank), ...(row.agent ? { "data-agent-id": row.agent.id } : {}), ...(row.score === undefined ? {} : { "data-score": String(row.score) }) },
            h("span", { class: "rank" }, formatNumber(row.rank)),
            h("span", { class: "name" }, row.label),
            h("span", { class: "score" }, row.score === undefined ? "" : formatScore(row.score, header.metric.unit)),
          ),
        ),
      );
      const parts = [state.total === null ? m.hiddenBoard : state.rows.length === 0 ? m.noScoresYet : rankedText(header, state.total)];
      if (state.qualifying.length > 0) parts.push(m.notRankedYet(state.qualifying.length));
      if (state.view !== "full") parts.push(m.publicView);
      count.textContent = parts.join(" · ");
      root.dataset["total"] = String(state.total ?? "");
    };
    const connection = connectBoard({
      baseUrl: location.origin,
      boardId: board.id,
      token: session.token,
      onChange: (state) => {
        if (state.header) session.remember(state.header);
        render(state);
        if (detail?.boardId === board.id) renderDetail(state);
      },
      onStatus: (value, why) => {
        statusBadge(status, value, why);
        if (detail?.boardId === board.id) statusBadge(ui.detailStatus, value, why);
      },
    });
    const card = { board, root, open, connection };
    cards.set(board.id, card);
    return card;
  }

  // --------------------------------------------------------------------------------------------
  // One board opened: its full table, its periods and an agent's trend

  ui.detailClose.addEventListener("click", () => closeDetail());
  ui.trendClose.addEventListener("click", () => {
    if (!detail) return;
    detail.trendAgent = null;
    detail.trend = null;
    ui.trend.hidden = true;
    ui.detailTitle.focus();
  });
  ui.chartMeasure.replaceChildren(new Option(m.measureTotal, "total"), new Option(m.measureAverage, "average"), new Option(m.measureBest, "best"));
  ui.chartMeasure.addEventListener("change", () => {
    if (!detail) return;
    detail.measureChosen = true;
    renderChart();
  });
  ui.chartLimit.addEventListener("change", () => {
    void loadHistory();
    if (detail?.trendAgent) void loadTrend();
  });

  function openDetail(boardId: string): void {
    const card = cards.get(boardId);
    if (!card) return;
    detail = { boardId, history: null, measureChosen: false, trendAgent: null, trend: null };
    for (const c of cards.values()) c.open.setAttribute("aria-expanded", String(c.board.id === boardId));
    ui.detail.hidden = false;
    ui.trend.hidden = true;
    ui.chart.replaceChildren();
    ui.detailLive.href = `/?board=${encodeURIComponent(boardId)}`;
    ui.detailTitle.textContent = card.board.name;
    statusBadge(ui.detailStatus, card.connection.status());
    renderDetail(card.connection.state());
    ui.detailTitle.focus();
    void loadHistory();
  }

  function closeDetail(): void {
    if (!detail) return;
    const card = cards.get(detail.boardId);
    const hadFocus = ui.detail.contains(document.activeElement);
    detail = null;
    ui.detail.hidden = true;
    for (const c of cards.values()) c.open.setAttribute("aria-expanded", "false");
    if (hadFocus) card?.open.focus();
  }

  function renderDetail(state: BoardState): void {
    const header = state.header;
    if (!detail || !header || !state.period) return;
    if (!detail.measureChosen) ui.chartMeasure.value = fittingMeasure(header.metric);
    ui.detailTitle.textContent = header.name;
    ui.detailMeta.textContent = `${header.metric.label} · ${describePeriod(state.period, header.timeZone)}`;
    ui.detailCaption.textContent = m.standingsCaption(header.name, header.metric.label);
    ui.detailNameHeading.textContent = header.ranks === "teams" ? m.team : header.ranks === "departments" ? m.department : m.agent;
    const agentsRanked = (header.ranks ?? "agents") === "agents";

    // The table is redrawn on every frame: keep the keyboard where it was.
    const focused = document.activeElement instanceof HTMLElement && ui.detailRows.contains(document.activeElement) ? document.activeElement.dataset["agentId"] : undefined;
    ui.detailRows.replaceChildren(
      ...state.rows.map((row) => {
        const name = row.agent && agentsRanked ? trendButton(row.agent, row.label) : row.label;
        return h(
          "tr",
          { "data-testid": "detail-row", "data-rank": String(row.rank), ...(row.agent ? { "data-agent-id": row.agent.id } : {}), ...(row.score === undefined ? {} : { "data-score": String(row.score) }) },
          h("td", { class: "num" }, formatNumber(row.rank)),
          h("th", { scope: "row", class: "name" }, name, ...(row.optedOut ? [" ", h("span", { class: "tag" }, m.optedOut)] : [])),
          h("td", { class: "num score" }, row.score === undefined ? "–" : formatScore(row.score, header.metric.unit)),
          h("td", { class: "num change" }, row.change === undefined || row.change === 0 ? "" : row.change > 0 ? m.up(row.change) : m.down(-row.change)),
        );
      }),
    );
    if (focused) ui.detailRows.querySelector<HTMLElement>(`button[data-agent-id="${CSS.escape(focused)}"]`)?.focus();
    showText(ui.detailEmpty, state.total === null ? m.hiddenBoard : state.rows.length === 0 ? m.noScoresYet : undefined);
    showText(ui.detailCount, state.total === null ? undefined : rankedText(header, state.total));
    ui.qualifying.hidden = state.qualifying.length === 0;
    ui.qualifyingList.replaceChildren(
      ...state.qualifying.map((q) => h("li", { "data-testid": "qualifying-entry" }, `${q.label}: ${m.volumeOf(formatNumber(q.volume), formatNumber(q.required))}`)),
    );
    renderChart();
    renderTrend();
  }

  function trendButton(agent: { id: string; name: string }, label: string): HTMLButtonElement {
    const button = h("button", { type: "button", class: "link", "data-testid": "trend-open", "data-agent-id": agent.id, "aria-controls": "trend", title: m.showTrend(label) }, label);
    button.addEventListener("click", () => {
      if (!detail) return;
      detail.trendAgent = agent;
      detail.trend = null;
      ui.trend.hidden = false;
      ui.trendTitle.textContent = m.trendTitle(agent.name);
      ui.trendChart.replaceChildren();
      ui.trendTitle.focus();
      void loadTrend();
    });
    return button;
  }

  const limit = () => Number(ui.chartLimit.value) || 8;

  async function loadHistory(): Promise<void> {
    const asked = detail;
    if (!asked) return;
    showText(ui.chartStatus, m.loadingHistory);
    try {
      const answer = await session.get<BoardHistory>(`/v1/boards/${encodeURIComponent(asked.boardId)}/history?limit=${limit()}`);
      if (detail !== asked) return;
      asked.history = answer.periods;
      showText(ui.chartStatus, answer.periods.length === 0 ? m.noClosedPeriods : m.closedPeriods(answer.periods.length));
      renderChart();
    } catch (error) {
      if (detail === asked) showText(ui.chartStatus, common.couldNotLoad(m.earlierPeriods, describeError(error)));
    }
  }

  async function loadTrend(): Promise<void> {
    const asked = detail;
    const agent = asked?.trendAgent;
    if (!asked || !agent) return;
    showText(ui.trendStatus, m.loadingHistory);
    try {
      const answer = await session.get<AgentTrend>(`/v1/agents/${encodeURIComponent(agent.id)}/trend?board=${encodeURIComponent(asked.boardId)}&periods=${limit()}`);
      if (detail !== asked || asked.trendAgent !== agent) return;
      asked.trend = answer.points;
      showText(ui.trendStatus, answer.points.length === 0 ? m.noClosedPeriods : undefined);
      renderTrend();
    } catch (error) {
      if (detail === asked) showText(ui.trendStatus, common.couldNotLoad(m.earlierPeriods, describeError(error)));
    }
  }

  /** The open board's live state and header, if it has had its first snapshot. */
  function opened(): { state: BoardState; header: BoardHeader } | null {
    const state = detail ? cards.get(detail.boardId)?.connection.state() : undefined;
    return state?.header && state.period ? { state, header: state.header } : null;
  }

  function renderChart(): void {
    const open = opened();
    if (!detail || !open || detail.history === null) return;
    const { state, header } = open;
    const measure = ui.chartMeasure.value as Measure;
    const zone = header.timeZone;
    const past: ChartPoint[] = [...detail.history].reverse().map((p) => ({
      label: shortPeriod(p.period, zone),
      longLabel: describePeriod(p.period, zone),
      value: measureOf(figuresOf(p.rows), measure),
      current: false,
      extra: p.total === null ? "–" : formatNumber(p.total),
    }));
    // A contest that ended is both the board's period and its last closed one: shown once, closed.
    const closedNow = detail.history.some((p) => p.period.start === state.period!.start);
    const current: ChartPoint[] = closedNow
      ? []
      : [{ label: shortPeriod(state.period!, zone), longLabel: describePeriod(state.period!, zone), value: measureOf(figuresOf(state.rows), measure), current: true, extra: state.total === null ? "–" : formatNumber(state.total) }];
    ui.chart.replaceChildren(
      barChart({
        title: m.chartTitle(header.metric.label, ui.chartMeasure.selectedOptions[0]?.text ?? measure),
        points: [...past, ...current],
        format: (v) => formatScore(v, header.metric.unit),
        extraHeading: m.rankedHeading,
        testId: "periods-chart",
      }),
    );
  }

  function renderTrend(): void {
    const open = opened();
    if (!detail?.trendAgent || !detail.trend || !open) return;
    const { state, header } = open;
    const agent = detail.trendAgent;
    const zone = header.timeZone;
    const rankText = (rank: number | null, ranked: number | null) => (rank === null ? m.notRanked : ranked === null ? formatNumber(rank) : m.rankOf(formatNumber(rank), formatNumber(ranked)));
    const past: ChartPoint[] = [...detail.trend].reverse().map((p) => ({ label: shortPeriod(p.period, zone), longLabel: describePeriod(p.period, zone), value: p.score, current: false, extra: rankText(p.rank, p.ranked) }));
    const row = state.rows.find((r) => r.agent?.id === agent.id);
    const closedNow = detail.trend.some((p) => p.period.start === state.period!.start);
    const current: ChartPoint[] = closedNow
      ? []
      : [{ label: shortPeriod(state.period!, zone), longLabel: describePeriod(state.period!, zone), value: row?.score ?? null, current: true, extra: rankText(row?.rank ?? null, state.total) }];
    ui.trendChart.replaceChildren(
      barChart({ title: m.trendChartTitle(agent.name, header.metric.label), points: [...past, ...current], format: (v) => formatScore(v, header.metric.unit), extraHeading: m.rankHeading, testId: "trend-chart" }),
    );
  }

  // --------------------------------------------------------------------------------------------

  if (groups.length === 0) showText(ui.cardsEmpty, m.noBoards);
  else {
    showText(ui.cardsEmpty);
    const asked = new URLSearchParams(location.search).get("group");
    select(groups.find((g) => g.key === asked) ?? groups[0]!);
  }

  return {
    stop() {
      if (stopped) return;
      stopped = true;
      for (const card of cards.values()) card.connection.close();
      cards.clear();
      closeDetail();
      ui.groups.replaceChildren();
      ui.cards.replaceChildren();
    },
  };
}
