/**
 * What every part of the admin console builds its forms and lists with: fields with their labels
 * and error slots, the server's problems shown next to the fields their JSON Pointers name, a
 * confirm step before anything is deactivated or revoked, an edit dialog, and copy buttons.
 */
import type { Board, Problem } from "../../../protocol/index.ts";
import { formatDateTime } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { ApiError, describeError, h, showText } from "../page.ts";
import { departmentName, teamName } from "./api.ts";

// -----------------------------------------------------------------------------------------------
// Problems from the API, next to the fields they concern

/**
 * Shows each problem error next to the field its JSON Pointer names; the rest in `formError`.
 * `fieldError` is asked for the pointer's path without the leading slash, most specific first
 * (`rule/metric`, then `rule`), so a form may place errors on a nested field or on its parent.
 */
export function showProblem(error: unknown, fieldError: (field: string) => HTMLElement | null, formError: HTMLElement): void {
  const problem: Problem | null = error instanceof ApiError ? error.problem : null;
  const unplaced: string[] = [];
  let first: HTMLElement | null = null;
  for (const { path, message } of problem?.errors ?? []) {
    const target = fieldFor(path, fieldError);
    if (!target) {
      unplaced.push(path ? `${path}: ${message}` : message);
      continue;
    }
    showText(target, target.hidden ? message : `${target.textContent} ${message}`);
    const control = document.querySelector<HTMLElement>(`[aria-describedby~="${target.id}"]`);
    control?.setAttribute("aria-invalid", "true");
    first ??= control;
  }
  const summary = unplaced.length > 0 ? unplaced.join(" ") : problem?.errors?.length ? "" : describeError(error);
  showText(formError, summary || undefined);
  (first ?? formError).focus();
}

function fieldFor(path: string, fieldError: (field: string) => HTMLElement | null): HTMLElement | null {
  const segments = path.split("/").slice(1);
  if (path[0] !== "/") return null; // `header/…`, `path/id`: not a field of the body.
  for (let length = segments.length; length > 0; length--) {
    const found = fieldError(segments.slice(0, length).join("/"));
    if (found) return found;
  }
  return null;
}

export function clearErrors(form: HTMLElement): void {
  for (const node of form.querySelectorAll<HTMLElement>(".field-error")) showText(node);
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

// -----------------------------------------------------------------------------------------------
// Forms

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export interface FieldSpec {
  label: string;
  hint?: string;
  required?: boolean;
  /** Further attributes of the control: type, min, max, step, placeholder, autocomplete… */
  attrs?: Record<string, string>;
}

/** The test id (and element id) of a field: `source-create-secret`, `badge-create-rule-metric`. */
const fieldId = (prefix: string, name: string) => `${prefix}-${name.replaceAll("/", "-")}`;

/**
 * A form whose fields are named as the API names them (`name`, `shift/start`, `rule/metric`), each
 * with a label, an optional hint and an error slot the server's problems land in.
 */
export class Form {
  readonly node: HTMLFormElement;
  readonly formError: HTMLElement;
  /** Says what the last submission did ("Saved."), politely. */
  readonly status: HTMLElement;
  readonly #errors = new Map<string, HTMLElement>();
  readonly #rows = new Map<string, HTMLElement>();
  #submit: HTMLButtonElement | null = null;

  constructor(
    readonly prefix: string,
    node?: HTMLFormElement,
  ) {
    this.node = node ?? h("form", { class: "console-form", "data-testid": prefix, novalidate: "" });
    this.formError = h("p", { class: "field-error", id: `${prefix}-error`, "data-testid": `${prefix}-error`, tabindex: "-1", role: "alert", hidden: "" });
    this.status = h("p", { class: "hint", role: "status", "data-testid": `${prefix}-status` });
  }

  input(name: string, spec: FieldSpec): HTMLInputElement {
    return this.#add(name, spec, h("input", { type: "text", ...spec.attrs }));
  }

  textarea(name: string, spec: FieldSpec): HTMLTextAreaElement {
    return this.#add(name, spec, h("textarea", { rows: "3", ...spec.attrs }));
  }

  select(name: string, spec: FieldSpec, options: readonly (readonly [value: string, label: string])[] = []): HTMLSelectElement {
    const select = this.#add(name, spec, h("select", { ...spec.attrs }));
    setOptions(select, options);
    return select;
  }

  checkbox(name: string, spec: FieldSpec): HTMLInputElement {
    return this.#add(name, spec, h("input", { type: "checkbox", ...spec.attrs }));
  }

  /** A group of checkboxes sent as one list (an API key's scopes). */
  checkboxes(name: string, spec: FieldSpec, options: readonly (readonly [value: string, label: string])[]): HTMLInputElement[] {
    const id = fieldId(this.prefix, name);
    const error = this.#errorSlot(name, id);
    const boxes = options.map(([value, label]) => {
      const box = h("input", { type: "checkbox", value, id: `${id}-${value}`, "data-testid": `${id}-${value}`, "aria-describedby": `${id}-error` });
      return h("label", { class: "check" }, box, label);
    });
    const legend = h("legend", {}, spec.label, ...(spec.required ? [requiredMark()] : []));
    const row = h("fieldset", { class: "field choices", "data-field": name }, legend, h("div", { class: "control" }, ...boxes), ...(spec.hint ? [h("p", { class: "hint" }, spec.hint)] : []), error);
    this.#rows.set(name, row);
    this.node.append(row);
    return boxes.map((label) => label.querySelector("input")!);
  }

  /** Shows or hides a field (a hidden field is not sent). */
  show(name: string, shown: boolean): void {
    const row = this.#rows.get(name);
    if (row) row.hidden = !shown;
  }

  shown(name: string): boolean {
    return this.#rows.get(name)?.hidden === false;
  }

  /** Where the server's problem about `name` is shown (see showProblem). */
  readonly errorAt = (name: string): HTMLElement | null => {
    const slot = this.#errors.get(name);
    return slot && this.#rows.get(name)?.hidden !== true ? slot : null;
  };

  /** Appends the form's error line and its buttons; `extra` go after the submit button. */
  finish(submitLabel: string, ...extra: HTMLElement[]): this {
    this.#submit = h("button", { type: "submit", "data-testid": `${this.prefix}-submit` }, submitLabel);
    this.node.append(this.formError, h("div", { class: "actions" }, this.#submit, ...extra, this.status));
    return this;
  }

  /**
   * Runs `save` on submit, with the errors of the last attempt cleared and the button disabled
   * meanwhile. What it returns is shown as the form's status; a refusal is shown at its fields.
   */
  onSubmit(save: () => Promise<string | void>): this {
    this.node.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.run(save);
    });
    return this;
  }

  async run(save: () => Promise<string | void>): Promise<boolean> {
    clearErrors(this.node);
    showText(this.formError);
    showText(this.status);
    if (this.#submit) this.#submit.disabled = true;
    try {
      const said = await save();
      if (said) showText(this.status, said);
      return true;
    } catch (error) {
      showProblem(error, this.errorAt, this.formError);
      return false;
    } finally {
      if (this.#submit) this.#submit.disabled = false;
    }
  }

  /** Refuses the submission here, before anything is sent: the message goes next to the field. */
  refuse(name: string, message: string): never {
    throw new FieldProblem(name, message);
  }

  #errorSlot(name: string, id: string): HTMLElement {
    const error = h("p", { class: "field-error", id: `${id}-error`, "data-testid": `${id}-error`, hidden: "" });
    this.#errors.set(name, error);
    return error;
  }

  #add<T extends Control>(name: string, spec: FieldSpec, control: T): T {
    const id = fieldId(this.prefix, name);
    control.id = id;
    control.dataset["testid"] = id;
    control.setAttribute("name", name);
    if (spec.required) control.required = true;
    const hintId = `${id}-hint`;
    control.setAttribute("aria-describedby", `${spec.hint ? `${hintId} ` : ""}${id}-error`);
    const label = h("label", { for: id }, spec.label, ...(spec.required ? [requiredMark()] : []));
    const hint = spec.hint ? [h("p", { class: "hint", id: hintId }, spec.hint)] : [];
    const isCheckbox = control instanceof HTMLInputElement && control.type === "checkbox";
    const row = h(
      "div",
      { class: isCheckbox ? "field checkbox" : "field", "data-field": name },
      ...(isCheckbox ? [h("span", { class: "control" }, control, label)] : [label, control]),
      ...hint,
      this.#errorSlot(name, id),
    );
    this.#rows.set(name, row);
    this.node.append(row);
    return control;
  }
}

/** A refusal found in the browser, shaped like the server's so that it lands at its field. */
class FieldProblem extends ApiError {
  constructor(field: string, message: string) {
    super(422, { type: "about:blank", title: message, status: 422, errors: [{ path: `/${field}`, message }] }, "form");
  }
}

function requiredMark(): HTMLElement {
  return h("span", { class: "required" }, h("span", { "aria-hidden": "true" }, " *"), h("span", { class: "visually-hidden" }, ` ${m.required}`));
}

export function setOptions(select: HTMLSelectElement, options: readonly (readonly [value: string, label: string])[], keep = true): void {
  const before = select.value;
  select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
  if (keep && options.some(([value]) => value === before)) select.value = before;
}

/** A text field's value, trimmed; undefined when empty (so it is left out of the body). */
export function optional(control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement): string | undefined {
  return control.value.trim() || undefined;
}

/** A number field's value; undefined when empty, NaN when unreadable (the server refuses it at its field). */
export function numberOf(control: HTMLInputElement): number | undefined {
  return control.value.trim() === "" ? undefined : Number(control.value);
}

/** `{ [field]: number }` from a number field, or nothing when it is empty (the server's default applies). */
export function optionalNumber(field: string, control: HTMLInputElement): Record<string, number> {
  const value = numberOf(control);
  return value === undefined ? {} : { [field]: value };
}

/** A `datetime-local` value (the browser's zone) as an ISO instant; undefined when empty. */
export function instantOf(control: HTMLInputElement): string | undefined {
  if (!control.value) return undefined;
  const at = new Date(control.value);
  return Number.isNaN(at.getTime()) ? control.value : at.toISOString();
}

/** An ISO instant as a `datetime-local` value in the browser's zone. */
export function localInputValue(iso: string | null): string {
  if (!iso) return "";
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

// -----------------------------------------------------------------------------------------------
// Lists

/** The active boards, grouped by their team (roll-ups by department, or the whole org). */
export function fillBoardPicker(select: HTMLSelectElement, boards: readonly Board[]): void {
  const before = select.value;
  const groups = new Map<string, Board[]>();
  const groupOf = (b: Board) => (b.teamId ? teamName(b.teamId) : b.departmentId ? m.departmentGroup(departmentName(b.departmentId)) : m.wholeOrg);
  for (const board of boards.filter((b) => b.active)) groups.set(groupOf(board), [...(groups.get(groupOf(board)) ?? []), board]);
  select.replaceChildren(
    ...[...groups].map(([label, members]) => {
      const group = document.createElement("optgroup");
      group.label = label;
      group.append(...members.map((b) => new Option(b.name, b.id)));
      return group;
    }),
  );
  if ([...select.options].some((o) => o.value === before)) select.value = before;
}

/**
 * A table labelled by a heading, with its header row and a body to fill; `node` (to place on the
 * page) scrolls sideways when the table is wider than its panel.
 */
export function table(testid: string, labelledBy: string, headings: readonly string[]): { node: HTMLElement; body: HTMLTableSectionElement } {
  const body = h("tbody");
  const node = h(
    "table",
    { class: "console-table", "data-testid": testid, "aria-labelledby": labelledBy },
    h("thead", {}, h("tr", {}, ...headings.map((text) => h("th", { scope: "col" }, text || h("span", { class: "visually-hidden" }, m.actions))))),
    body,
  );
  return { node: h("div", { class: "table-scroll" }, node), body };
}

export const cell = (...children: (Node | string)[]) => h("td", {}, ...children);

/** A row's name with its id under it (the id is what the API and CSV files use). */
export const nameCell = (name: string, id: string, ...more: (Node | string)[]) => cell(name, ...more, h("div", {}, h("code", { class: "id", dir: "ltr" }, id)));

export function when(iso: string | null): HTMLElement | string {
  return iso ? h("time", { datetime: iso }, formatDateTime(iso)) : "—";
}

export function statusTag(active: boolean): HTMLElement {
  return h("span", { class: active ? "state active" : "state inactive", "data-testid": "state" }, active ? m.active : m.inactive);
}

export function actionButton(text: string, testid: string, onClick: () => void, options: { danger?: boolean; label?: string } = {}): HTMLButtonElement {
  const button = h("button", { type: "button", class: options.danger ? "secondary danger" : "secondary", "data-testid": testid }, text);
  if (options.label) button.setAttribute("aria-label", options.label);
  button.addEventListener("click", onClick);
  return button;
}

/** The confirm step before anything is deactivated or revoked. */
export function confirmed(question: string): boolean {
  return window.confirm(question);
}

// -----------------------------------------------------------------------------------------------
// Copying

/**
 * A read-only field with a Copy button: the clipboard when the browser allows it, otherwise the
 * text is selected for Ctrl+C.
 */
export function copyField(testid: string, label: string, value: string, options: { secret?: boolean } = {}): HTMLElement {
  // URLs, keys and secrets read left to right in every language.
  const input = h("input", { type: "text", readonly: "", spellcheck: "false", dir: "ltr", "data-testid": testid, "aria-label": label, ...(options.secret ? { class: "secret" } : {}) });
  input.value = value;
  const said = h("span", { class: "hint", role: "status", "data-testid": `${testid}-copied` });
  const button = h("button", { type: "button", class: "secondary", "data-testid": `${testid}-copy` }, m.copy);
  button.setAttribute("aria-label", m.copyWhat(label));
  button.addEventListener("click", async () => {
    input.focus();
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      said.textContent = m.copied;
    } catch {
      said.textContent = m.copyByHand;
    }
  });
  return h("div", { class: "copy" }, input, button, said);
}

// -----------------------------------------------------------------------------------------------
// Editing in a dialog

/**
 * Opens a modal dialog with a form (built by `build`), saved by `save`; it closes once saved. Esc
 * or Cancel closes it without saving.
 */
export function editDialog(title: string, prefix: string, build: (form: Form) => void, save: (form: Form) => Promise<void>): void {
  const dialog = h("dialog", { class: "console-dialog", "data-testid": "edit-dialog", "aria-labelledby": `${prefix}-title` });
  const form = new Form(prefix);
  build(form);
  const cancel = h("button", { type: "button", class: "secondary", "data-testid": `${prefix}-cancel` }, m.cancel);
  cancel.addEventListener("click", () => dialog.close());
  form.finish(m.save, cancel);
  form.onSubmit(async () => {
    await save(form);
    dialog.close();
  });
  dialog.append(h("h2", { id: `${prefix}-title` }, title), form.node);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

/** A section's own line for what went wrong while loading or acting outside a form. */
export function sectionNotice(testid: string): { node: HTMLElement; show(message?: string): void; failed(what: string, error: unknown): void } {
  const node = h("p", { class: "notice", role: "alert", "data-testid": testid, hidden: "" });
  return {
    node,
    show: (message) => showText(node, message),
    failed: (what, error) => showText(node, m.failed(what, describeError(error))),
  };
}
