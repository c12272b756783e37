/**
 * Team against team on one metric and period. Where a department or org roll-up ranks teams, its
 * rows are the teams: it is shown live (one socket). Where none does, the teams' own boards of the
 * same metric and period are compared from their snapshots (their agents' scores added up and
 * averaged), read again every half minute or on request. The page says which it is.
 */
import type { Board, BoardHeader, SnapshotFrame } from "../../../protocol/index.ts";
import { formatScore } from "../format.ts";
import { formatDateTime, formatNumber } from "../i18n.ts";
import { common } from "../messages/common.ts";
import { m } from "../messages/dashboard.ts";
import { describeError, element, h, showText } from "../page.ts";
import { type BoardConnection, type BoardState, connectBoard } from "../sdk.ts";
import { ahead, type Figures, figuresOf, fittingMeasure, type Measure, measureOf, type Session } from "./session.ts";

const REFRESH_MS = 30_000;

const ui = {
  select: element("versus-select", HTMLSelectElement),
  refresh: element("versus-refresh", HTMLButtonElement),
  status: element("versus-status", HTMLSpanElement),
  source: element("versus-source", HTMLParagraphElement),
  table: element("versus-table", HTMLTableElement),
  head: element("versus-head", HTMLTableRowElement),
  rows: element("versus-rows", HTMLTableSectionElement),
  empty: element("versus-empty", HTMLParagraphElement),
};

type Comparison = { key: string; rollup: Board; teamBoards?: never } | { key: string; rollup?: never; teamBoards: Board[] };

/**
 * Roll-ups that rank teams first; then the team boards of two teams or more on the same metric
 * and period. Those are offered even where a roll-up ranks teams on the same metric: a viewer
 * cannot tell which teams a department's roll-up covers (boards do not say a team's department),
 * and the team boards also compare teams of different departments.
 */
export function comparisons(boards: readonly Board[]): Comparison[] {
  const rollups = boards.filter((b) => b.ranks === "teams");
  const sameWindow = new Map<string, Board[]>();
  for (const board of boards) {
    if (board.scope !== "team") continue;
    // Contests compare only when they run in the same window.
    const key = [board.metric, board.period, board.startsAt ?? "", board.endsAt ?? ""].join("|");
    sameWindow.set(key, [...(sameWindow.get(key) ?? []), board]);
  }
  return [
    ...rollups.map((rollup) => ({ key: `rollup:${rollup.id}`, rollup })),
    ...[...sameWindow]
      .filter(([, teamBoards]) => new Set(teamBoards.map((b) => b.teamId)).size >= 2)
      .map(([key, teamBoards]) => ({ key: `teams:${key}`, teamBoards })),
  ];
}

const PERIOD_WORD = { day: common.today, week: common.thisWeek, month: common.thisMonth, quarter: common.thisQuarter, contest: m.contest } as const;

export function startVersus(session: Session): { stop(): void } {
  const options = comparisons(session.boards);
  let live: BoardConnection | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  /** Answers to an older choice are dropped. */
  let choice = 0;

  ui.select.replaceChildren(
    ...options.map((c) => {
      const option = new Option(c.rollup ? m.rollupOption(c.rollup.name) : c.teamBoards[0]!.metric, c.key);
      if (c.teamBoards) {
        const first = c.teamBoards[0]!;
        void session.header(first.id).then((header) => {
          if (header) option.text = m.teamBoardsOption(header.metric.label, PERIOD_WORD[first.period]);
        });
      }
      return option;
    }),
  );
  ui.select.disabled = options.length === 0;
  showText(ui.empty, options.length === 0 ? m.nothingToCompare : undefined);
  ui.table.hidden = options.length === 0;

  const stopShowing = () => {
    live?.close();
    live = null;
    clearInterval(timer);
    timer = undefined;
    choice++;
  };

  function show(comparison: Comparison): void {
    stopShowing();
    ui.rows.replaceChildren();
    showText(ui.source);
    if (comparison.rollup) showRollup(comparison.rollup);
    else {
      const teamBoards = comparison.teamBoards;
      ui.refresh.hidden = false;
      ui.status.hidden = true;
      void compareTeamBoards(teamBoards);
      timer = setInterval(() => void compareTeamBoards(teamBoards), REFRESH_MS);
    }
  }

  function showRollup(rollup: Board): void {
    ui.refresh.hidden = true;
    ui.status.hidden = false;
    ui.head.replaceChildren(h("th", { scope: "col", class: "num" }, m.rank), h("th", { scope: "col" }, m.team), h("th", { scope: "col", class: "num" }, m.score), h("td", { "aria-hidden": "true" }));
    live = connectBoard({
      baseUrl: location.origin,
      boardId: rollup.id,
      token: session.token,
      onChange: (state) => renderRollup(rollup, state),
      onStatus: (status, why) => {
        ui.status.dataset["status"] = status;
        ui.status.textContent = common[status];
        ui.status.title = why ?? "";
      },
    });
  }

  function renderRollup(rollup: Board, state: BoardState): void {
    const header = state.header;
    if (!header) return;
    session.remember(header);
    const figure = header.teamScore === "total" ? m.teamTotal : m.teamAverage;
    showText(ui.source, m.fromRollup(header.name, figure));
    const scores = state.rows.flatMap((r) => (r.score === undefined ? [] : [Math.abs(r.score)]));
    const widest = Math.max(0, ...scores);
    ui.rows.replaceChildren(
      ...state.rows.map((row) =>
        h(
          "tr",
          { "data-testid": "versus-row", ...(row.agent ? { "data-team": row.agent.id } : {}), ...(row.score === undefined ? {} : { "data-score": String(row.score) }) },
          h("td", { class: "num" }, formatNumber(row.rank)),
          h("th", { scope: "row" }, row.label),
          h("td", { class: "num primary" }, row.score === undefined ? "–" : formatScore(row.score, header.metric.unit)),
          meterCell(row.score ?? null, widest),
        ),
      ),
    );
    showText(ui.empty, state.total === null ? m.hiddenBoard : state.rows.length === 0 ? m.noScoresYet : undefined);
    ui.table.dataset["source"] = "rollup";
    ui.table.dataset["board"] = rollup.id;
  }

  async function compareTeamBoards(teamBoards: readonly Board[]): Promise<void> {
    const asked = choice;
    ui.refresh.disabled = true;
    try {
      const snapshots = await Promise.all(teamBoards.map((b) => session.get<{ snapshot: SnapshotFrame }>(`/v1/boards/${encodeURIComponent(b.id)}`)));
      if (asked !== choice) return;
      for (const { snapshot } of snapshots) session.remember(snapshot.header);
      renderTeamBoards(snapshots.map((s) => s.snapshot));
    } catch (error) {
      if (asked === choice) showText(ui.empty, common.couldNotLoad(m.teamBoards, describeError(error)));
    } finally {
      if (asked === choice) ui.refresh.disabled = false;
    }
  }

  function renderTeamBoards(snapshots: readonly SnapshotFrame[]): void {
    const header: BoardHeader["metric"] | undefined = snapshots[0]?.header.metric;
    if (!header) return;
    const measure: Measure = fittingMeasure(header);
    const teams = snapshots.map((s) => ({ team: s.header.team, boardId: s.board, figures: figuresOf(s.rows), ranked: s.total }));
    teams.sort((a, b) => ahead(header.direction, measureOf(a.figures, measure), measureOf(b.figures, measure)) || a.team.name.localeCompare(b.team.name));
    const primary = (which: Measure) => (which === measure ? "num primary" : "num");
    ui.head.replaceChildren(
      h("th", { scope: "col" }, m.team),
      h("th", { scope: "col", class: primary("total") }, m.measureTotal),
      h("th", { scope: "col", class: primary("average") }, m.measureAverage),
      h("th", { scope: "col", class: "num" }, m.rankedHeading),
      h("td", { "aria-hidden": "true" }),
    );
    const widest = Math.max(0, ...teams.map((t) => Math.abs(measureOf(t.figures, measure) ?? 0)));
    const shown = (figures: Figures, which: Measure) => {
      const value = measureOf(figures, which);
      return value === null ? "–" : formatScore(value, header.unit);
    };
    ui.rows.replaceChildren(
      ...teams.map((t) =>
        h(
          "tr",
          { "data-testid": "versus-row", "data-team": t.team.id, "data-total": String(t.figures.total), "data-average": String(t.figures.average ?? ""), "data-ranked": String(t.ranked ?? "") },
          h("th", { scope: "row" }, t.team.name),
          h("td", { class: primary("total") }, shown(t.figures, "total")),
          h("td", { class: primary("average") }, shown(t.figures, "average")),
          h("td", { class: "num" }, t.ranked === null ? "–" : formatNumber(t.ranked)),
          meterCell(measureOf(t.figures, measure), widest),
        ),
      ),
    );
    const at = formatDateTime(Date.now(), { timeStyle: "short" });
    showText(ui.source, m.fromTeamBoards(measure === "total" ? m.teamTotal : m.teamAverage, at));
    showText(ui.empty);
    ui.table.dataset["source"] = "team-boards";
    delete ui.table.dataset["board"];
  }

  ui.select.onchange = () => {
    const chosen = options.find((c) => c.key === ui.select.value);
    if (chosen) show(chosen);
  };
  ui.refresh.onclick = () => {
    const chosen = options.find((c) => c.key === ui.select.value);
    if (chosen?.teamBoards) void compareTeamBoards(chosen.teamBoards);
  };
  if (options[0]) show(options[0]);

  return {
    stop() {
      stopShowing();
      ui.rows.replaceChildren();
      ui.select.replaceChildren();
    },
  };
}

/** A bar for the eye; the figures are in the cells before it. */
function meterCell(value: number | null, widest: number): HTMLTableCellElement {
  const share = value === null || widest === 0 ? 0 : Math.abs(value) / widest;
  return h("td", { class: "meter-cell", "aria-hidden": "true" }, h("span", { class: "meter", style: `inline-size: ${Math.round(share * 100)}%` }));
}
