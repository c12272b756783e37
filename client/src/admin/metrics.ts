/**
 * Metrics: what events measure and how they become a score. Listed (scorecards with the metrics
 * they blend), created, edited (label, unit, direction, minimum volume) and deactivated.
 */
import type { Aggregation, Direction } from "../../../protocol/index.ts";
import { formatNumber } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { element, h } from "../page.ts";
import { call, type Metric, metricLabel, onReload, path, reload, shared } from "./api.ts";
import type { Section } from "./nav.ts";
import { actionButton, cell, confirmed, editDialog, Form, numberOf, optionalNumber, sectionNotice, statusTag, table } from "./ui.ts";

const notice = sectionNotice("metrics-notice");
element("metrics-heading", HTMLHeadingElement).after(notice.node);

const PLAIN_AGGREGATIONS: readonly Exclude<Aggregation, "scorecard">[] = ["count", "sum", "avg", "ratio", "min", "max", "last"];
const directionOptions = (["higher", "lower"] as const).map((d) => [d, m.directions[d]] as const);

const list = table("metric-list", "metrics-list-heading", [m.colKey, m.colLabel, m.colUnit, m.colAggregation, m.colDirection, m.colMinVolume, m.colStatus, ""]);

const create = new Form("metric-create");
const key = create.input("key", { label: m.fieldKey, hint: m.metricKeyHint, required: true, attrs: { autocomplete: "off", spellcheck: "false" } });
const label = create.input("label", { label: m.fieldLabel, required: true });
const unit = create.input("unit", { label: m.fieldUnit, hint: m.unitHint, attrs: { autocomplete: "off" } });
const aggregation = create.select("aggregation", { label: m.fieldAggregation, hint: m.aggregationHint, required: true }, PLAIN_AGGREGATIONS.map((a) => [a, m.aggregations[a]] as const));
const direction = create.select("direction", { label: m.fieldDirection }, directionOptions);
const minVolume = create.input("minVolume", { label: m.fieldMinVolume, hint: m.minVolumeHint, attrs: { type: "number", min: "0", step: "1", inputmode: "numeric" } });
create.finish(m.addMetric).onSubmit(async () => {
  const created = await call<Metric>("POST", "/v1/metrics", {
    key: key.value.trim(),
    label: label.value,
    unit: unit.value.trim(),
    aggregation: aggregation.value,
    direction: direction.value,
    ...optionalNumber("minVolume", minVolume),
  });
  create.node.reset();
  await reload("metrics");
  return m.created(created.label);
});

element("metrics-panel", HTMLElement).append(list.node, h("h2", { id: "metric-create-heading" }, m.newMetric), create.node);

function render(): void {
  list.body.replaceChildren(
    ...shared.metrics.map((metric) =>
      h(
        "tr",
        { "data-testid": "metric-row", "data-id": metric.key, "data-active": String(metric.active) },
        cell(h("code", {}, metric.key)),
        cell(metric.label, ...(metric.components ? [h("div", { class: "hint", "data-testid": "components" }, m.blends(metric.components.map((c) => m.component(metricLabel(c.metric), formatNumber(c.weight), formatNumber(c.target))).join(", ")))] : [])),
        cell(metric.unit),
        cell(m.aggregations[metric.aggregation]),
        cell(m.directions[metric.direction]),
        cell(formatNumber(metric.minVolume)),
        cell(statusTag(metric.active)),
        cell(
          ...(metric.active
            ? [
                actionButton(m.edit, "edit", () => edit(metric), { label: m.editWhat(metric.label) }),
                actionButton(m.deactivate, "deactivate", () => void deactivate(metric), { danger: true, label: m.deactivateWhat(metric.label) }),
              ]
            : []),
        ),
      ),
    ),
  );
}

function edit(metric: Metric): void {
  const card = metric.aggregation === "scorecard";
  let fields: { label: HTMLInputElement; unit: HTMLInputElement; direction?: HTMLSelectElement; minVolume?: HTMLInputElement };
  editDialog(
    m.editWhat(metric.label),
    "metric-edit",
    (form) => {
      fields = { label: form.input("label", { label: m.fieldLabel, required: true }), unit: form.input("unit", { label: m.fieldUnit, hint: m.unitHint }) };
      fields.label.value = metric.label;
      fields.unit.value = metric.unit;
      // A scorecard is always higher-is-better and qualifies through its components.
      if (!card) {
        fields.direction = form.select("direction", { label: m.fieldDirection }, directionOptions);
        fields.direction.value = metric.direction;
        fields.minVolume = form.input("minVolume", { label: m.fieldMinVolume, hint: m.minVolumeHint, attrs: { type: "number", min: "0", step: "1" } });
        fields.minVolume.value = String(metric.minVolume);
      }
    },
    async () => {
      const patch = {
        label: fields.label.value,
        unit: fields.unit.value.trim(),
        ...(fields.direction ? { direction: fields.direction.value as Direction } : {}),
        ...(fields.minVolume ? { minVolume: numberOf(fields.minVolume) ?? 0 } : {}),
      };
      await call("PATCH", path`/v1/metrics/${metric.key}`, patch);
      await reload("metrics");
    },
  );
}

async function deactivate(metric: Metric): Promise<void> {
  if (!confirmed(m.confirmDeactivateMetric(metric.label))) return;
  try {
    await call("DELETE", path`/v1/metrics/${metric.key}`);
    notice.show();
    await reload("metrics");
  } catch (error) {
    notice.failed(m.deactivating(metric.label), error);
  }
}

onReload("metrics", render);

export const metricsSection: Section = {
  name: "metrics",
  async show() {
    try {
      await reload("metrics");
      notice.show();
    } catch (error) {
      notice.failed(m.loadMetrics, error);
    }
  },
};
