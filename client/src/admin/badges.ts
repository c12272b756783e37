/**
 * Badges: what agents earn (a threshold in a period, a streak of daily goals, a final rank, the
 * biggest climb, a first event) or a lead awards by hand. Listed, created with their rule, edited
 * (a rule never changes: awards were made under it) and withdrawn.
 */
import type { Badge, BadgeRule, RecognitionPeriod } from "../../../protocol/index.ts";
import { formatNumber } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { element, h } from "../page.ts";
import { call, metricLabel, metricOptions, onReload, path, reload, shared } from "./api.ts";
import type { Section } from "./nav.ts";
import { actionButton, cell, confirmed, editDialog, Form, numberOf, optional, optionalNumber, sectionNotice, setOptions, statusTag, table } from "./ui.ts";

const notice = sectionNotice("badges-notice");
element("badges-heading", HTMLHeadingElement).after(notice.node);

type RuleKind = BadgeRule["kind"];
const KINDS: readonly RuleKind[] = ["threshold", "streak", "rank", "climb", "first", "manual"];
const PERIODS: readonly RecognitionPeriod[] = ["day", "week", "month", "quarter"];
/** Which of the rule's fields each kind takes. */
const RULE_FIELDS: Record<RuleKind, readonly string[]> = {
  threshold: ["metric", "period", "value"],
  streak: ["metric", "days"],
  rank: ["board", "rank"],
  climb: ["board"],
  first: ["metric"],
  manual: [],
};

let badges: Badge[] = [];
const list = table("badge-list", "badges-list-heading", ["", m.colName, m.colEarnedWhen, m.colPoints, m.colStatus, ""]);

const create = new Form("badge-create");
const id = create.input("id", { label: m.fieldId, hint: m.idHint, attrs: { autocomplete: "off", spellcheck: "false" } });
const name = create.input("name", { label: m.fieldName, required: true });
const description = create.input("description", { label: m.fieldDescription });
const icon = create.input("icon", { label: m.fieldIcon, hint: m.iconHint, attrs: { placeholder: "🏅", maxlength: "16" } });
const points = create.input("points", { label: m.fieldPoints, hint: m.badgePointsHint, attrs: { type: "number", min: "0", step: "1", inputmode: "numeric" } });
const kind = create.select("rule/kind", { label: m.fieldRule, required: true }, KINDS.map((k) => [k, m.ruleKinds[k]] as const));
const rule = {
  metric: create.select("rule/metric", { label: m.fieldMetric, required: true }),
  period: create.select("rule/period", { label: m.fieldPeriod, required: true }, PERIODS.map((p) => [p, m.periods[p]] as const)),
  value: create.input("rule/value", { label: m.fieldReaches, required: true, hint: m.reachesHint, attrs: { type: "number", step: "any" } }),
  days: create.input("rule/days", { label: m.fieldDays, required: true, hint: m.daysHint, attrs: { type: "number", min: "2", max: "365", step: "1" } }),
  board: create.select("rule/board", { label: m.fieldBoard, required: true }),
  rank: create.input("rule/rank", { label: m.fieldRankAtMost, required: true, attrs: { type: "number", min: "1", max: "100", step: "1" } }),
};
create.finish(m.addBadge);

function showRuleFields(): void {
  const wanted = RULE_FIELDS[kind.value as RuleKind];
  for (const field of Object.keys(rule)) create.show(`rule/${field}`, wanted.includes(field));
}
kind.addEventListener("change", showRuleFields);

/** The rule as the API takes it: the chosen kind and the fields it takes. */
function readRule(): Record<string, unknown> {
  const chosen = kind.value as RuleKind;
  const read: Record<string, unknown> = { kind: chosen };
  for (const field of RULE_FIELDS[chosen]) {
    const control = rule[field as keyof typeof rule];
    read[field] = control instanceof HTMLInputElement ? numberOf(control) : control.value;
  }
  return read;
}

create.onSubmit(async () => {
  const created = await call<Badge>("POST", "/v1/badges", {
    id: optional(id),
    name: name.value,
    ...(optional(description) ? { description: description.value.trim() } : {}),
    ...(optional(icon) ? { icon: icon.value.trim() } : {}),
    ...optionalNumber("points", points),
    rule: readRule(),
  });
  create.node.reset();
  showRuleFields();
  await load();
  return m.created(created.name);
});

element("badges-panel", HTMLElement).append(list.node, h("h2", { id: "badge-create-heading" }, m.newBadge), create.node);

function describeRule(rule: BadgeRule): string {
  const boardName = (boardId: string) => shared.boards.find((b) => b.id === boardId)?.name ?? boardId;
  switch (rule.kind) {
    case "threshold":
      return m.ruleThreshold(metricLabel(rule.metric), formatNumber(rule.value), rule.period);
    case "streak":
      return m.ruleStreak(metricLabel(rule.metric), rule.days);
    case "rank":
      return m.ruleRank(boardName(rule.board), rule.rank);
    case "climb":
      return m.ruleClimb(boardName(rule.board));
    case "first":
      return m.ruleFirst(metricLabel(rule.metric));
    case "manual":
      return m.ruleManual;
  }
}

async function load(): Promise<void> {
  badges = (await call<{ badges: Badge[] }>("GET", "/v1/badges")).badges;
  render();
}

function render(): void {
  list.body.replaceChildren(
    ...badges.map((badge) =>
      h(
        "tr",
        { "data-testid": "badge-row", "data-id": badge.id, "data-active": String(badge.active) },
        cell(h("span", { class: "icon", "aria-hidden": "true" }, badge.icon)),
        cell(badge.name, ...(badge.description ? [h("div", { class: "hint" }, badge.description)] : [])),
        cell(describeRule(badge.rule)),
        cell(formatNumber(badge.points)),
        cell(statusTag(badge.active)),
        cell(
          actionButton(m.edit, "edit", () => edit(badge), { label: m.editWhat(badge.name) }),
          badge.active
            ? actionButton(m.withdraw, "withdraw", () => void setActive(badge, false), { danger: true, label: m.withdrawWhat(badge.name) })
            : actionButton(m.reinstate, "reinstate", () => void setActive(badge, true), { label: m.reinstateWhat(badge.name) }),
        ),
      ),
    ),
  );
}

function edit(badge: Badge): void {
  let fields: { name: HTMLInputElement; description: HTMLInputElement; icon: HTMLInputElement; points: HTMLInputElement };
  editDialog(
    m.editWhat(badge.name),
    "badge-edit",
    (form) => {
      form.node.append(h("p", { class: "hint" }, m.ruleNeverChanges(describeRule(badge.rule))));
      fields = {
        name: form.input("name", { label: m.fieldName, required: true }),
        description: form.input("description", { label: m.fieldDescription }),
        icon: form.input("icon", { label: m.fieldIcon, attrs: { maxlength: "16" } }),
        points: form.input("points", { label: m.fieldPoints, attrs: { type: "number", min: "0", step: "1" } }),
      };
      fields.name.value = badge.name;
      fields.description.value = badge.description;
      fields.icon.value = badge.icon;
      fields.points.value = String(badge.points);
    },
    async () => {
      await call("PATCH", path`/v1/badges/${badge.id}`, {
        name: fields.name.value,
        description: fields.description.value.trim(),
        icon: fields.icon.value.trim(),
        points: numberOf(fields.points) ?? 0,
      });
      await load();
    },
  );
}

async function setActive(badge: Badge, active: boolean): Promise<void> {
  if (!active && !confirmed(m.confirmWithdrawBadge(badge.name))) return;
  try {
    await call("PATCH", path`/v1/badges/${badge.id}`, { active });
    notice.show();
    await load();
  } catch (error) {
    notice.failed(active ? m.reinstating(badge.name) : m.withdrawing(badge.name), error);
  }
}

onReload("metrics", () => setOptions(rule.metric, metricOptions()));
onReload("boards", () => {
  setOptions(rule.board, shared.boards.filter((b) => b.active).map((b) => [b.id, `${b.name} (${b.id})`] as const));
  render(); // Rules name their boards.
});
showRuleFields();

export const badgesSection: Section = {
  name: "badges",
  async show() {
    try {
      await Promise.all([reload("metrics"), reload("boards")]);
      await load();
      notice.show();
    } catch (error) {
      notice.failed(m.loadBadges, error);
    }
  },
};
