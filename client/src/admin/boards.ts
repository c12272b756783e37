/**
 * Boards: a team's, a department's or the whole org's ranking on one metric over a period (a
 * shift-day, a week, a month, a quarter or a contest's window). Listed, created, renamed and
 * deactivated; what agents see of each is in the visibility section.
 */
import type { Board, BoardRanks, BoardScope, PeriodKind } from "../../../protocol/index.ts";
import { formatDateTime, locale } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { element, h } from "../page.ts";
import { activeOptions, call, departmentName, metricLabel, metricOptions, onReload, path, reload, shared, teamName } from "./api.ts";
import type { Section } from "./nav.ts";
import { actionButton, cell, confirmed, editDialog, Form, instantOf, nameCell, optional, sectionNotice, setOptions, statusTag, table } from "./ui.ts";

const notice = sectionNotice("boards-notice");
element("boards-heading", HTMLHeadingElement).after(notice.node);

const RANKS: Record<BoardScope, readonly BoardRanks[]> = { team: ["agents"], department: ["agents", "teams"], org: ["agents", "teams", "departments"] };
const PERIODS: readonly PeriodKind[] = ["day", "week", "month", "quarter", "contest"];
/** 7 January 2024 was a Sunday: weekday `d` (0 Sunday … 6 Saturday) is 7 + d January. */
const weekdayName = (day: number) => new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 7 + day)));
const hourName = (hour: number) => new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1, hour)));
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const list = table("board-list", "boards-list-heading", [m.colName, m.colScope, m.colMetric, m.colPeriod, m.colStatus, ""]);

const create = new Form("board-create");
const id = create.input("id", { label: m.fieldId, hint: m.idHint, attrs: { autocomplete: "off", spellcheck: "false" } });
const name = create.input("name", { label: m.fieldName, hint: m.boardNameHint });
const scope = create.select("scope", { label: m.fieldScope, required: true }, (["team", "department", "org"] as const).map((s) => [s, m.scopes[s]] as const));
const team = create.select("teamId", { label: m.fieldTeam, required: true });
const department = create.select("departmentId", { label: m.fieldDepartment, required: true });
const ranks = create.select("ranks", { label: m.fieldRanks });
const teamScore = create.select("teamScore", { label: m.fieldTeamScore, hint: m.teamScoreHint }, (["average", "total"] as const).map((s) => [s, m.teamScores[s]] as const));
const metric = create.select("metric", { label: m.fieldMetric, required: true });
const period = create.select("period", { label: m.fieldPeriod, required: true }, PERIODS.map((p) => [p, m.periods[p]] as const));
const dayStartHour = create.select("dayStartHour", { label: m.fieldDayStart, hint: m.dayStartHint }, Array.from({ length: 24 }, (_, hour) => [String(hour), hourName(hour)] as const));
const weekStartsOn = create.select("weekStartsOn", { label: m.fieldWeekStart }, [1, 2, 3, 4, 5, 6, 0].map((d) => [String(d), weekdayName(d)] as const));
const startsAt = create.input("startsAt", { label: m.fieldStartsAt, hint: m.inYourZone(browserZone), required: true, attrs: { type: "datetime-local" } });
const endsAt = create.input("endsAt", { label: m.fieldEndsAt, hint: m.contestLength, required: true, attrs: { type: "datetime-local" } });
create.finish(m.addBoard);

/** Only the fields the chosen scope, ranking and period take are shown (and sent). */
function showFields(): void {
  const chosen = scope.value as BoardScope;
  setOptions(ranks, RANKS[chosen].map((r) => [r, m.ranks[r]] as const));
  create.show("teamId", chosen === "team");
  create.show("departmentId", chosen === "department");
  create.show("ranks", chosen !== "team");
  create.show("teamScore", ranks.value !== "agents");
  create.show("dayStartHour", period.value !== "contest");
  create.show("weekStartsOn", period.value === "week");
  create.show("startsAt", period.value === "contest");
  create.show("endsAt", period.value === "contest");
}
for (const control of [scope, ranks, period]) control.addEventListener("change", showFields);

create.onSubmit(async () => {
  const sent = (field: string, value: unknown) => (create.shown(field) && value !== undefined ? { [field]: value } : {});
  const created = await call<Board>("POST", "/v1/boards", {
    id: optional(id),
    name: optional(name),
    scope: scope.value,
    ...sent("teamId", team.value),
    ...sent("departmentId", department.value),
    ...sent("ranks", ranks.value),
    ...sent("teamScore", teamScore.value),
    metric: metric.value,
    period: period.value,
    ...sent("dayStartHour", Number(dayStartHour.value)),
    ...sent("weekStartsOn", Number(weekStartsOn.value)),
    ...sent("startsAt", instantOf(startsAt)),
    ...sent("endsAt", instantOf(endsAt)),
  });
  create.node.reset();
  showFields();
  await reload("boards");
  return m.created(created.name);
});

element("boards-panel", HTMLElement).append(list.node, h("h2", { id: "board-create-heading" }, m.newBoard), create.node);

function describeScope(board: Board): string {
  if (board.scope === "team") return m.scopeTeam(teamName(board.teamId));
  const whose = board.scope === "department" ? m.scopeDepartment(departmentName(board.departmentId)) : m.wholeOrg;
  return board.ranks === "agents" ? whose : `${whose} · ${m.ranks[board.ranks]}`;
}

function describePeriod(board: Board): string {
  if (board.period === "contest" && board.startsAt && board.endsAt) return m.contestWindow(formatDateTime(board.startsAt), formatDateTime(board.endsAt));
  const from = board.period === "week" ? m.weekFrom(weekdayName(board.weekStartsOn)) : board.dayStartHour !== 0 ? m.dayFrom(hourName(board.dayStartHour)) : "";
  return from ? `${m.periods[board.period]} · ${from}` : m.periods[board.period];
}

function render(): void {
  list.body.replaceChildren(
    ...shared.boards.map((board) =>
      h(
        "tr",
        { "data-testid": "board-row", "data-id": board.id, "data-active": String(board.active) },
        nameCell(board.name, board.id),
        cell(describeScope(board)),
        cell(metricLabel(board.metric)),
        cell(describePeriod(board)),
        cell(statusTag(board.active)),
        cell(
          ...(board.active
            ? [
                actionButton(m.rename, "rename", () => rename(board), { label: m.renameWhat(board.name) }),
                actionButton(m.deactivate, "deactivate", () => void deactivate(board), { danger: true, label: m.deactivateWhat(board.name) }),
              ]
            : []),
        ),
      ),
    ),
  );
}

function rename(board: Board): void {
  let input: HTMLInputElement;
  editDialog(
    m.renameWhat(board.name),
    "board-edit",
    (form) => {
      input = form.input("name", { label: m.fieldName, required: true });
      input.value = board.name;
    },
    async () => {
      await call("PATCH", path`/v1/boards/${board.id}`, { name: input.value });
      await reload("boards");
    },
  );
}

async function deactivate(board: Board): Promise<void> {
  if (!confirmed(m.confirmDeactivateBoard(board.name))) return;
  try {
    await call("DELETE", path`/v1/boards/${board.id}`);
    notice.show();
    await reload("boards");
  } catch (error) {
    notice.failed(m.deactivating(board.name), error);
  }
}

onReload("boards", render);
onReload("teams", () => {
  setOptions(team, activeOptions(shared.teams));
  render();
});
onReload("departments", () => {
  setOptions(department, activeOptions(shared.departments));
  render();
});
onReload("metrics", () => {
  // Boards that rank teams by their total need a sum or count metric; the server says so if not.
  setOptions(metric, metricOptions());
  render();
});
showFields();

export const boardsSection: Section = {
  name: "boards",
  async show() {
    try {
      await Promise.all([reload("boards"), reload("metrics"), reload("teams"), reload("departments")]);
      notice.show();
    } catch (error) {
      notice.failed(m.loadBoards, error);
    }
  },
};
