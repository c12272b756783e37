/**
 * What the live page and the admin page share: the credential from the URL fragment or this
 * browser's storage, calls to the API with it, and the board picker.
 *
 * Only types come from the protocol: importing its values would bundle zod into every page.
 */
import type { Board, Problem } from "../../protocol/index.ts";
import { common } from "./messages/common.ts";

export function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`#${id} (${type.name}) is missing from the page`);
  return found;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** Text with `code` in backticks, as text and <code> elements (messages keep code words untranslated that way). */
export function withCode(text: string): (Node | string)[] {
  return text.split("`").map((part, i) => (i % 2 === 1 ? h("code", {}, part) : part));
}

/** Shows `message` in `node`, or hides `node` when there is none. */
export function showText(node: HTMLElement, message?: string): void {
  node.textContent = message ?? "";
  node.hidden = !message;
}

export interface CredentialForm {
  /** Where this page keeps its credential in localStorage. */
  storageKey: string;
  /** The page's empty form for pasting a credential; filled in here. */
  form: HTMLFormElement;
  heading: string;
  label: string;
  /** The hint under the field: `code` in backticks is shown as code. */
  hint: string | (Node | string)[];
  submit: string;
  /** The "Change key" button, shown while a credential is in use. */
  forget: HTMLButtonElement;
  notice: HTMLElement;
  /** Called with the credential from the fragment, from storage, or as pasted into the form. */
  use(token: string): void;
  /** Called when the page goes back to asking for a credential: stop using the old one. */
  drop(): void;
}

export interface Credential {
  /** Uses the credential from `#token=…` or storage, or asks for one. */
  begin(): void;
  /** Forgets the stored credential and shows the form, with why. */
  ask(message?: string): void;
  /** The credential is in use: the form goes away, "Change key" appears. */
  accepted(): void;
}

/**
 * The page's credential: from `#token=…` (which browsers never send to a server), from storage,
 * or pasted into the page's form.
 */
export function setUpCredential(page: CredentialForm): Credential {
  const input = h("input", { id: "token-input", "data-testid": "token-input", name: "token", type: "password", autocomplete: "off", spellcheck: "false", required: "", "aria-describedby": "token-hint" });
  page.form.append(
    h("h1", {}, page.heading),
    h("label", { for: input.id }, page.label),
    h("p", { class: "hint", id: "token-hint" }, ...(typeof page.hint === "string" ? withCode(page.hint) : page.hint), " ", common.staysInBrowser),
    input,
    h("button", { type: "submit" }, page.submit),
  );
  const credential: Credential = {
    begin() {
      const token = takeTokenFromFragment(page.storageKey) ?? localStorage.getItem(page.storageKey);
      if (token) page.use(token);
      else credential.ask();
    },
    ask(message) {
      localStorage.removeItem(page.storageKey);
      page.drop();
      showText(page.notice, message);
      page.forget.hidden = true;
      page.form.hidden = false;
      input.focus();
    },
    accepted() {
      page.form.hidden = true;
      page.forget.hidden = false;
    },
  };
  page.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const entered = input.value.trim();
    if (!entered) return;
    localStorage.setItem(page.storageKey, entered);
    input.value = "";
    page.form.hidden = true;
    showText(page.notice);
    page.use(entered);
  });
  page.forget.addEventListener("click", () => credential.ask());
  return credential;
}

/** Moves a credential out of the address bar (and out of history and screenshots) into storage. */
function takeTokenFromFragment(storageKey: string): string | null {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!token) return null;
  localStorage.setItem(storageKey, token);
  history.replaceState(null, "", location.pathname + location.search);
  return token;
}

/** A refused request, with the server's problem document (RFC 9457) when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    what: string,
  ) {
    super(problem?.detail ?? problem?.title ?? `${what} answered ${status}`);
  }

  /** The credential itself was refused, or may not do this. */
  get refusedCredential(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** Calls the API with the page's credential; a refusal throws an ApiError. */
export async function api<T>(token: string, method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const type = response.headers.get("content-type") ?? "";
  const json: unknown = /json/.test(type) ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, /problem\+json/.test(type) ? (json as Problem) : null, `${method} ${path}`);
  return json as T;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Fills a board picker with the boards, grouped by team (roll-ups by department, or the org). */
export function fillBoardSelect(select: HTMLSelectElement, boards: readonly Board[]): void {
  const byTeam = new Map<string, Board[]>();
  const groupOf = (b: Board) => b.teamId ?? (b.departmentId ? common.departmentGroup(b.departmentId) : common.wholeOrg);
  for (const board of boards) byTeam.set(groupOf(board), [...(byTeam.get(groupOf(board)) ?? []), board]);
  select.replaceChildren(
    ...[...byTeam].map(([teamId, teamBoards]) => {
      const group = document.createElement("optgroup");
      group.label = teamId;
      group.append(...teamBoards.map((b) => new Option(b.name, b.id)));
      return group;
    }),
  );
}
