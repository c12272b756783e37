/**
 * The wallboard: a TV on the contact-centre floor, opened once with a display token in the URL
 * (`/wallboard.html#token=…`) and left running for days. It shows one board at a time, readable
 * across a room: a podium for the top three and the rest of the board as its visibility allows,
 * rotating through the boards the token may see (`?rotate=<seconds>`, default 30; `?board=<id>`
 * to hold one). Celebrations appear over the board for a while. Connections come back by
 * themselves after network drops (the SDK reconnects and resyncs); the page keeps a fixed number
 * of elements, so it runs in steady memory.
 */
import type { Board, BoardList, CelebrationFrame, NudgeFrame, Row } from "../../protocol/index.ts";
import { describePeriod, formatScore } from "./format.ts";
import { formatNumber, translatePage } from "./i18n.ts";
import { common } from "./messages/common.ts";
import { noticeText } from "./messages/notices.ts";
import { m } from "./messages/wallboard.ts";
import { api, ApiError, describeError, element, h, setUpCredential, showText } from "./page.ts";
import { type BoardConnection, type BoardState, type ConnectionStatus, connectBoard } from "./sdk.ts";

const STORAGE_KEY = "floorboard.wallboardToken";
const DEFAULT_ROTATE_S = 30;
/** At most this many rows below the podium: a TV shows what a room can read. */
const MAX_REST = 12;
const CHEER_SHOWN_MS = 12_000;
const MAX_CHEERS = 3;
/** The board list is read again now and then: boards come and go while the TV runs for days. */
const BOARD_LIST_REFRESH_MS = 10 * 60_000;

const STATUS_TEXT: Record<ConnectionStatus, string> = { connecting: common.connecting, live: common.live, reconnecting: common.reconnecting, closed: common.closed };

translatePage({ ...common, ...m });

const ui = {
  notice: element("notice", HTMLParagraphElement),
  keyForm: element("key-form", HTMLFormElement),
  forgetKey: element("forget-key", HTMLButtonElement),
  wall: element("wall", HTMLElement),
  title: element("title", HTMLHeadingElement),
  metric: element("metric", HTMLSpanElement),
  period: element("period", HTMLSpanElement),
  status: element("status", HTMLSpanElement),
  podium: element("podium", HTMLOListElement),
  rest: element("rest", HTMLOListElement),
  empty: element("empty", HTMLParagraphElement),
  hiddenNote: element("hidden-note", HTMLParagraphElement),
  rotation: element("rotation", HTMLSpanElement),
  cheers: element("cheers", HTMLUListElement),
};

const params = new URLSearchParams(location.search);
const rotateMs = Math.max(5, Number(params.get("rotate")) || DEFAULT_ROTATE_S) * 1000;
const held = params.get("board");

let token = "";
let boards: Board[] = [];
let current = -1;
let connection: BoardConnection | null = null;
let rotateTimer: ReturnType<typeof setInterval> | undefined;
let listTimer: ReturnType<typeof setInterval> | undefined;

const credential = setUpCredential({
  storageKey: STORAGE_KEY,
  form: ui.keyForm,
  heading: m.formHeading,
  label: m.formLabel,
  hint: m.formHint,
  submit: m.formSubmit,
  forget: ui.forgetKey,
  notice: ui.notice,
  use: (given) => void start(given),
  drop: stop,
});

function stop(): void {
  clearInterval(rotateTimer);
  clearInterval(listTimer);
  connection?.close();
  connection = null;
  ui.wall.hidden = true;
}

async function start(given: string): Promise<void> {
  stop();
  token = given;
  if (!(await loadBoards())) return;
  credential.accepted();
  ui.wall.hidden = false;
  show(0);
  rotateTimer = setInterval(() => show(current + 1), rotateMs);
  listTimer = setInterval(() => void loadBoards(), BOARD_LIST_REFRESH_MS);
}

/** The boards to rotate through (one when `?board=` holds it); false when the token was refused. */
async function loadBoards(): Promise<boolean> {
  try {
    const list = (await api<BoardList>(token, "GET", "/v1/boards")).boards.filter((b) => b.active && (held === null || b.id === held));
    const showing = boards[current]?.id;
    boards = list;
    current = Math.max(0, list.findIndex((b) => b.id === showing));
    if (list.length === 0) showText(ui.notice, held ? m.noSuchBoard(held) : m.noBoards);
    else showText(ui.notice);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.refusedCredential) credential.ask(m.refused(error.status));
    else showText(ui.notice, common.couldNotLoad(m.theBoards, describeError(error)));
    return false;
  }
}

/** Shows the board at `index` (wrapping), connecting to it; the one before is closed. */
function show(index: number): void {
  if (boards.length === 0) return;
  const next = ((index % boards.length) + boards.length) % boards.length;
  const board = boards[next]!;
  ui.rotation.textContent = boards.length > 1 ? m.rotation(next + 1, boards.length) : "";
  if (next === current && connection) return;
  current = next;
  connection?.close();
  ui.title.textContent = board.name;
  ui.podium.replaceChildren();
  ui.rest.replaceChildren();
  connection = connectBoard({
    baseUrl: location.origin,
    boardId: board.id,
    token,
    onChange: render,
    onStatus: (status, detail) => {
      ui.status.textContent = detail ?? STATUS_TEXT[status];
      ui.status.dataset["status"] = status;
    },
    onRecognition: cheer,
  });
}

function render(state: BoardState): void {
  const header = state.header;
  if (!header) return;
  ui.title.textContent = header.name;
  ui.metric.textContent = header.metric.label;
  ui.period.textContent = state.period ? describePeriod(state.period, header.timeZone) : "";
  const hidden = state.visibility?.mode === "hidden";
  ui.hiddenNote.hidden = !hidden;
  const rows = hidden ? [] : state.rows;
  ui.empty.hidden = hidden || rows.length > 0;
  const unit = header.metric.unit;
  ui.podium.replaceChildren(...rows.slice(0, 3).map((row) => podiumStep(row, unit)));
  ui.rest.replaceChildren(...rows.slice(3, 3 + MAX_REST).map((row) => restRow(row, unit)));
}

function podiumStep(row: Row, unit: string): HTMLLIElement {
  return h(
    "li",
    { class: `step step-${Math.min(row.rank, 3)}`, "data-testid": "podium-step", "data-rank": String(row.rank), ...(row.agent ? { "data-agent-id": row.agent.id } : {}), ...(row.score === undefined ? {} : { "data-score": String(row.score) }) },
    h("span", { class: "medal", "aria-hidden": "true" }, ["🥇", "🥈", "🥉"][Math.min(row.rank, 3) - 1]!),
    h("span", { class: "name" }, row.label),
    ...(row.score === undefined ? [] : [h("span", { class: "score" }, formatScore(row.score, unit))]),
  );
}

function restRow(row: Row, unit: string): HTMLLIElement {
  return h(
    "li",
    { class: "rest-row", "data-testid": "rest-row", "data-rank": String(row.rank), ...(row.agent ? { "data-agent-id": row.agent.id } : {}), ...(row.score === undefined ? {} : { "data-score": String(row.score) }) },
    h("span", { class: "rank" }, formatNumber(row.rank)),
    h("span", { class: "name" }, row.label),
    ...(row.score === undefined ? [] : [h("span", { class: "score" }, formatScore(row.score, unit))]),
  );
}

/** A celebration over the board for a while (a wallboard gets no nudges: they are an agent's own). */
function cheer(frame: CelebrationFrame | NudgeFrame): void {
  if (frame.type !== "celebration") return;
  const icon = frame.badge?.icon ?? (frame.kind === "first_place" ? "🥇" : frame.kind === "kudos" ? "🙌" : "🎯");
  const item = h("li", { class: "cheer", "data-testid": "cheer", "data-kind": frame.kind }, h("span", { "aria-hidden": "true" }, icon), " ", noticeText(frame, (id) => boards.find((b) => b.id === id)));
  ui.cheers.prepend(item);
  while (ui.cheers.children.length > MAX_CHEERS) ui.cheers.lastElementChild!.remove();
  setTimeout(() => item.remove(), CHEER_SHOWN_MS);
}

credential.begin();
