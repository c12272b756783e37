/**
 * The rewards catalog: every reward (also withdrawn, future and sold-out ones), created, edited and
 * withdrawn (or offered again).
 */
import type { LimitWindow, Reward, RewardCategory } from "../../../protocol/index.ts";
import { formatDateTime, formatNumber } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { element, h } from "../page.ts";
import { call, path } from "./api.ts";
import type { Section } from "./nav.ts";
import { actionButton, cell, confirmed, editDialog, Form, instantOf, localInputValue, numberOf, optional, sectionNotice, table } from "./ui.ts";

const notice = sectionNotice("catalog-notice");
element("catalog-heading", HTMLHeadingElement).after(notice.node);

const CATEGORIES: readonly RewardCategory[] = ["extra_break", "voucher", "learning", "time_off", "merchandise", "experience", "other"];
const WINDOWS: readonly LimitWindow[] = ["day", "week", "month", "quarter", "ever"];

const list = table("reward-list", "catalog-list-heading", [m.colName, m.colCategory, m.colCost, m.colStock, m.colPerAgent, m.colAvailable, m.colApproval, m.colStatus, ""]);

/** The reward's fields (filled from `reward` when editing); the reader gives the body to send. */
function rewardFields(form: Form, reward?: Reward): () => Record<string, unknown> {
  const name = form.input("name", { label: m.fieldName, required: true });
  const description = form.textarea("description", { label: m.fieldDescription });
  const cost = form.input("cost", { label: m.fieldCost, required: true, hint: m.costHint, attrs: { type: "number", min: "1", step: "1", inputmode: "numeric" } });
  const category = form.select("category", { label: m.fieldCategory, required: true }, CATEGORIES.map((c) => [c, m.categories[c]] as const));
  const stock = form.input("stock", { label: m.fieldStock, hint: m.stockHint, attrs: { type: "number", min: "0", step: "1", inputmode: "numeric" } });
  const limitCount = form.input("perAgentLimit/count", { label: m.fieldLimitCount, hint: m.limitHint, attrs: { type: "number", min: "1", step: "1", inputmode: "numeric" } });
  const limitPer = form.select("perAgentLimit/per", { label: m.fieldLimitPer }, WINDOWS.map((w) => [w, m.windowNames[w]] as const));
  const from = form.input("availableFrom", { label: m.fieldAvailableFrom, hint: m.windowHint, attrs: { type: "datetime-local" } });
  const until = form.input("availableUntil", { label: m.fieldAvailableUntil, attrs: { type: "datetime-local" } });
  const approval = form.checkbox("requiresApproval", { label: m.fieldRequiresApproval, hint: m.approvalHint });
  approval.defaultChecked = approval.checked = reward?.requiresApproval ?? true;
  if (reward) {
    name.value = reward.name;
    description.value = reward.description;
    cost.value = String(reward.cost);
    category.value = reward.category;
    stock.value = reward.stock === null ? "" : String(reward.stock);
    limitCount.value = reward.perAgentLimit ? String(reward.perAgentLimit.count) : "";
    limitPer.value = reward.perAgentLimit?.per ?? "day";
    from.value = localInputValue(reward.availableFrom);
    until.value = localInputValue(reward.availableUntil);
  }
  // Empty means none: unlimited stock, no limit, no window (null, which a PATCH needs to clear one).
  return () => ({
    name: name.value,
    description: description.value.trim(),
    cost: numberOf(cost),
    category: category.value,
    stock: numberOf(stock) ?? null,
    perAgentLimit: optional(limitCount) ? { count: numberOf(limitCount), per: limitPer.value } : null,
    availableFrom: instantOf(from) ?? null,
    availableUntil: instantOf(until) ?? null,
    requiresApproval: approval.checked,
  });
}

const create = new Form("reward-create");
const id = create.input("id", { label: m.fieldId, hint: m.idHint, attrs: { autocomplete: "off", spellcheck: "false" } });
const readCreate = rewardFields(create);
create.finish(m.addReward).onSubmit(async () => {
  const created = await call<Reward>("POST", "/v1/rewards", { id: optional(id), ...readCreate() });
  create.node.reset();
  await load();
  return m.created(created.name);
});

element("catalog-panel", HTMLElement).append(list.node, h("h2", { id: "reward-create-heading" }, m.newReward), create.node);

function status(reward: Reward): { state: string; text: string } {
  if (!reward.active) return { state: "withdrawn", text: m.withdrawn };
  return reward.available ? { state: "available", text: m.available } : { state: "unavailable", text: m.notAvailableNow };
}

function availability(reward: Reward): string {
  const from = reward.availableFrom ? formatDateTime(reward.availableFrom) : "";
  const until = reward.availableUntil ? formatDateTime(reward.availableUntil) : "";
  if (from && until) return m.between(from, until);
  if (from) return m.fromDate(from);
  if (until) return m.untilDate(until);
  return m.always;
}

async function load(): Promise<void> {
  const { rewards } = await call<{ rewards: Reward[] }>("GET", "/v1/rewards?include=all");
  list.body.replaceChildren(
    ...rewards.map((reward) => {
      const { state, text } = status(reward);
      return h(
        "tr",
        { "data-testid": "reward-row", "data-id": reward.id, "data-status": state },
        cell(reward.name, ...(reward.description ? [h("div", { class: "hint" }, reward.description)] : [])),
        cell(m.categories[reward.category]),
        cell(formatNumber(reward.cost)),
        cell(reward.stock === null ? m.unlimited : formatNumber(reward.stock)),
        cell(reward.perAgentLimit ? m.limitPer(formatNumber(reward.perAgentLimit.count), reward.perAgentLimit.per) : "—"),
        cell(availability(reward)),
        cell(reward.requiresApproval ? m.needsApproval : m.noApproval),
        cell(h("span", { class: `state ${state}`, "data-testid": "state" }, text)),
        cell(
          actionButton(m.edit, "edit", () => edit(reward), { label: m.editWhat(reward.name) }),
          reward.active
            ? actionButton(m.withdraw, "withdraw", () => void setActive(reward, false), { danger: true, label: m.withdrawWhat(reward.name) })
            : actionButton(m.reinstate, "reinstate", () => void setActive(reward, true), { label: m.reinstateWhat(reward.name) }),
        ),
      );
    }),
  );
}

function edit(reward: Reward): void {
  let read: () => Record<string, unknown>;
  editDialog(
    m.editWhat(reward.name),
    "reward-edit",
    (form) => (read = rewardFields(form, reward)),
    async () => {
      await call("PATCH", path`/v1/rewards/${reward.id}`, read());
      await load();
    },
  );
}

async function setActive(reward: Reward, active: boolean): Promise<void> {
  if (!active && !confirmed(m.confirmWithdrawReward(reward.name))) return;
  try {
    await call("PATCH", path`/v1/rewards/${reward.id}`, { active });
    notice.show();
    await load();
  } catch (error) {
    notice.failed(active ? m.reinstating(reward.name) : m.withdrawing(reward.name), error);
  }
}

export const catalogSection: Section = {
  name: "catalog",
  async show() {
    try {
      await load();
      notice.show();
    } catch (error) {
      notice.failed(m.loadCatalog, error);
    }
  },
};
