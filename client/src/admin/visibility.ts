/**
 * What agents and wallboards may see of each board, and the org's defaults, with who changed a
 * board's settings and when.
 */
import type { AuditEntry, Visibility, VisibilityMode, VisibilitySettings } from "../../../protocol/index.ts";
import { formatDateTime } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { element, h, showText } from "../page.ts";
import { call, onReload, path, shared } from "./api.ts";
import type { Section } from "./nav.ts";
import { actorName, linkOpens } from "./tokens.ts";
import { clearErrors, fillBoardPicker, sectionNotice, showProblem } from "./ui.ts";

const AUDIT_ENTRIES_SHOWN = 20;

const ui = {
  boardSelect: element("admin-board-select", HTMLSelectElement),
  boardForm: element("board-visibility", HTMLFormElement),
  orgForm: element("org-visibility", HTMLFormElement),
  auditRows: element("audit-rows", HTMLTableSectionElement),
  auditEmpty: element("audit-empty", HTMLParagraphElement),
};
const notice = sectionNotice("visibility-notice");
ui.boardSelect.closest("section")!.querySelector("h1")!.after(notice.node);

type SettingKey = keyof Visibility;

const MODE_NAMES: Record<VisibilityMode, string> = {
  everyone: m.modeEveryone,
  top_n: m.modeTopN,
  top_n_and_me: m.modeTopNAndMe,
  me_and_neighbours: m.modeMeAndNeighbours,
  only_me: m.modeOnlyMe,
  hidden: m.modeHidden,
};

const SETTINGS: readonly { key: SettingKey; label: string; hint: string }[] = [
  { key: "mode", label: m.settingMode, hint: m.settingModeHint },
  { key: "n", label: m.settingN, hint: m.settingNHint },
  { key: "k", label: m.settingK, hint: m.settingKHint },
  { key: "showScores", label: m.settingShowScores, hint: m.settingShowScoresHint },
  { key: "anonymise", label: m.settingAnonymise, hint: m.settingAnonymiseHint },
];

function formatSetting(key: string, value: unknown): string {
  if (key === "mode" && typeof value === "string" && value in MODE_NAMES) return MODE_NAMES[value as VisibilityMode];
  if (typeof value === "boolean") return value ? m.on : m.off;
  return String(value);
}

interface VisibilityForm {
  load(settings: VisibilitySettings): void;
}

/**
 * Builds the fields into `form`. Saving sends only the fields changed since the settings were
 * loaded (a merge patch), so a field left alone keeps inheriting; "use default" sends null.
 */
function visibilityForm(form: HTMLFormElement, options: { prefix: string; owner: "board" | "org"; url: () => string; onSaved?: () => void }): VisibilityForm {
  const { prefix } = options;
  const words = options.owner === "board" ? { setHere: m.setOnBoard, inherited: m.inheritedFromOrg, use: m.useOrgDefault } : { setHere: m.setOnOrg, inherited: m.inheritedFromBuiltIn, use: m.useBuiltInDefault };
  const controls = new Map<SettingKey, HTMLInputElement | HTMLSelectElement>();
  const sources = new Map<SettingKey, HTMLElement>();
  const resets = new Map<SettingKey, HTMLButtonElement>();
  const errors = new Map<SettingKey, HTMLElement>();
  const changed = new Set<SettingKey>();
  const formError = h("p", { class: "field-error", id: `${prefix}-form-error`, "data-testid": `${prefix}-form-error`, tabindex: "-1", hidden: "" });
  const saved = h("p", { class: "hint", role: "status", "data-testid": `${prefix}-saved` });

  for (const { key, label, hint } of SETTINGS) {
    const id = `${prefix}-${key}`;
    const describedBy = `${id}-hint ${id}-source ${id}-error`;
    let control: HTMLInputElement | HTMLSelectElement;
    if (key === "mode") {
      control = h("select", { id, "data-testid": id, "aria-describedby": describedBy });
      control.append(...Object.entries(MODE_NAMES).map(([mode, name]) => new Option(name, mode)));
    } else if (key === "n" || key === "k") {
      control = h("input", { id, "data-testid": id, type: "number", inputmode: "numeric", step: "1", min: key === "n" ? "1" : "0", max: key === "n" ? "100" : "10", "aria-describedby": describedBy });
    } else {
      control = h("input", { id, "data-testid": id, type: "checkbox", "aria-describedby": describedBy });
    }
    control.addEventListener(control instanceof HTMLSelectElement || control.type === "checkbox" ? "change" : "input", () => {
      changed.add(key);
      showText(saved);
    });
    const source = h("span", { class: "source", id: `${id}-source`, "data-testid": `${id}-source` });
    const reset = h("button", { type: "button", class: "secondary", "data-testid": `${id}-reset` }, words.use);
    reset.setAttribute("aria-label", `${label}: ${words.use}`);
    reset.addEventListener("click", async () => {
      await send({ [key]: null });
      control.focus(); // The button is disabled now that the field inherits.
    });
    const error = h("p", { class: "field-error", id: `${id}-error`, "data-testid": `${id}-error`, hidden: "" });
    const labelNode = h("label", { for: id }, label);
    const isCheckbox = control instanceof HTMLInputElement && control.type === "checkbox";
    form.append(
      h(
        "div",
        { class: isCheckbox ? "field setting checkbox" : "field setting", "data-setting": key },
        ...(isCheckbox ? [h("span", { class: "control" }, control, labelNode)] : [labelNode, control]),
        h("span", { class: "hint", id: `${id}-hint` }, hint),
        h("span", { class: "origin" }, source, reset),
        error,
      ),
    );
    controls.set(key, control);
    sources.set(key, source);
    resets.set(key, reset);
    errors.set(key, error);
  }
  form.append(formError, h("div", { class: "actions" }, h("button", { type: "submit", "data-testid": `${prefix}-save` }, m.save), saved));

  const load = (settings: VisibilitySettings) => {
    clearErrors(form);
    changed.clear();
    for (const { key } of SETTINGS) {
      const control = controls.get(key)!;
      const value = settings.effective[key];
      if (control instanceof HTMLInputElement && control.type === "checkbox") control.checked = value === true;
      else control.value = String(value);
      const own = settings.overrides[key] !== undefined;
      control.closest(".field")!.setAttribute("data-inherited", String(!own));
      sources.get(key)!.textContent = own ? words.setHere(formatSetting(key, settings.inherited[key])) : words.inherited;
      resets.get(key)!.disabled = !own;
    }
  };

  /** The changed fields as a patch, or null (with the errors shown) if a number is missing. */
  const readPatch = (): Record<string, unknown> | null => {
    const patch: Record<string, unknown> = {};
    let valid = true;
    for (const key of changed) {
      const control = controls.get(key)!;
      if (control instanceof HTMLInputElement && control.type === "checkbox") patch[key] = control.checked;
      else if (control instanceof HTMLInputElement) {
        // An empty or unreadable number would become null in JSON, which means "inherit": refuse it here.
        if (control.value.trim() === "") {
          showText(errors.get(key)!, m.wholeNumberOrDefault);
          control.setAttribute("aria-invalid", "true");
          if (valid) control.focus();
          valid = false;
        } else patch[key] = Number(control.value);
      } else patch[key] = control.value;
    }
    return valid ? patch : null;
  };

  const send = async (patch: Record<string, unknown>) => {
    clearErrors(form);
    showText(formError);
    try {
      load(await call<VisibilitySettings>("PATCH", options.url(), patch));
      showText(saved, m.visibilitySaved);
      options.onSaved?.();
    } catch (error) {
      showText(saved);
      showProblem(error, (field) => errors.get(field as SettingKey) ?? null, formError);
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    showText(formError);
    const patch = readPatch();
    if (!patch) return;
    if (Object.keys(patch).length === 0) {
      showText(saved, m.nothingChanged);
      return;
    }
    void send(patch);
  });
  return { load };
}

const boardForm = visibilityForm(ui.boardForm, {
  prefix: "board",
  owner: "board",
  url: () => path`/v1/boards/${ui.boardSelect.value}/visibility`,
  onSaved: () => void loadAudit(ui.boardSelect.value).catch((error) => notice.failed(m.loadAudit, error)),
});

const orgForm = visibilityForm(ui.orgForm, {
  prefix: "org",
  owner: "org",
  url: () => "/v1/org/visibility",
  // Boards that inherit a field follow the org's new default.
  onSaved: () => void showBoard(ui.boardSelect.value),
});

// -----------------------------------------------------------------------------------------------
// Boards and their audit

async function showBoard(boardId: string): Promise<void> {
  // Which board the form holds, once it holds it (for tests and tooling).
  delete ui.boardForm.dataset["board"];
  if (!boardId) return;
  try {
    const [settings] = await Promise.all([call<VisibilitySettings>("GET", path`/v1/boards/${boardId}/visibility`), loadAudit(boardId)]);
    if (ui.boardSelect.value !== boardId) return; // Another board was chosen meanwhile.
    boardForm.load(settings);
    ui.boardForm.dataset["board"] = boardId;
    notice.show();
  } catch (error) {
    notice.failed(m.loadBoard(boardId), error);
  }
}

async function loadAudit(boardId: string): Promise<void> {
  const { entries } = await call<{ entries: AuditEntry[] }>("GET", `/v1/audit?target=${encodeURIComponent(`board:${boardId}`)}&limit=${AUDIT_ENTRIES_SHOWN}`);
  if (ui.boardSelect.value !== boardId) return;
  ui.auditRows.replaceChildren(
    ...entries.map((entry) => {
      const [before, after] = describeChange(entry.before, entry.after);
      const at = h("time", { datetime: entry.at }, formatDateTime(entry.at, { dateStyle: "medium", timeStyle: "medium" }));
      return h("tr", { "data-testid": "audit-entry" }, h("td", {}, at), h("td", {}, actorName(entry.actor)), h("td", {}, before), h("td", {}, after));
    }),
  );
  ui.auditEmpty.hidden = entries.length > 0;
}

/** The settings a change touched, before and after; a field absent from a side was inherited. */
function describeChange(before: unknown, after: unknown): [string, string] {
  const b = asRecord(before);
  const a = asRecord(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((key) => JSON.stringify(b[key]) !== JSON.stringify(a[key]));
  const side = (settings: Record<string, unknown>) =>
    keys.map((key) => m.auditSetting(m.settingNames[key as SettingKey] ?? key, key in settings ? formatSetting(key, settings[key]) : m.inherited)).join("; ") || "—";
  return [side(b), side(a)];
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

onReload("boards", () => {
  const before = ui.boardSelect.value;
  fillBoardPicker(ui.boardSelect, shared.boards);
  if (ui.boardSelect.value !== before) void showBoard(ui.boardSelect.value);
});
ui.boardSelect.addEventListener("change", () => {
  linkOpens(ui.boardSelect.value);
  void showBoard(ui.boardSelect.value);
});

export const visibilitySection: Section = {
  name: "visibility",
  async show() {
    try {
      orgForm.load(await call<VisibilitySettings>("GET", "/v1/org/visibility"));
      if (!shared.boards.some((b) => b.active)) notice.show(m.noActiveBoards);
      else await showBoard(ui.boardSelect.value);
    } catch (error) {
      notice.failed(m.loadOrgDefaults, error);
    }
  },
};
