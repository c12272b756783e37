/**
 * Who is behind pace: every goal of the agents the credential covers (`GET /v1/goals/progress`
 * without a team is all of them), those behind pace listed furthest behind first, read again
 * every minute as pace follows the clock.
 */
import type { GoalProgress } from "../../../protocol/index.ts";
import { goalItem, paceOrder } from "../goals.ts";
import { common } from "../messages/common.ts";
import { m } from "../messages/dashboard.ts";
import { ApiError, describeError, element, h, showText } from "../page.ts";
import type { Session } from "./session.ts";

const RELOAD_MS = 60_000;
/** Goals listed until the manager asks for every one behind pace. */
const SHOWN_AT_FIRST = 10;

const ui = {
  list: element("pace", HTMLUListElement),
  summary: element("pace-summary", HTMLParagraphElement),
  empty: element("pace-empty", HTMLParagraphElement),
  more: element("pace-more", HTMLButtonElement),
};

export function startPace(session: Session, onRefused: (error: ApiError) => void): { stop(): void } {
  let progress: readonly GoalProgress[] = [];
  let everyone = false;
  ui.more.onclick = () => {
    everyone = !everyone;
    render(progress, everyone);
  };
  // A load still under way when the credential changes must not fill (or refuse) the next one's page.
  let stopped = false;
  const load = async () => {
    try {
      const answer = (await session.get<{ progress: GoalProgress[] }>("/v1/goals/progress")).progress;
      if (stopped) return;
      progress = answer;
      render(progress, everyone);
    } catch (error) {
      if (stopped) return;
      if (error instanceof ApiError && error.status === 401) onRefused(error);
      else showText(ui.empty, common.couldNotLoad(m.goals, describeError(error)));
    }
  };
  void load();
  const timer = setInterval(() => void load(), RELOAD_MS);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      ui.list.replaceChildren();
      ui.more.hidden = true;
      showText(ui.summary);
    },
  };
}

function render(progress: readonly GoalProgress[], everyone: boolean): void {
  const behind = progress.filter((p) => p.behindPace && !p.reached).sort(paceOrder);
  const agents = new Set(behind.map((p) => p.agentId)).size;
  showText(ui.summary, progress.length === 0 ? undefined : m.behindSummary(behind.length, progress.length, agents));
  ui.list.replaceChildren(
    ...behind.slice(0, everyone ? undefined : SHOWN_AT_FIRST).map((p) => {
      const item = goalItem(p);
      item.dataset["agent"] = p.agentId;
      item.dataset["team"] = p.teamId;
      item.dataset["testid"] = "pace-item";
      item.prepend(h("span", { class: "goal-agent" }, h("strong", {}, p.agentName), h("span", { class: "meta" }, p.teamName)));
      return item;
    }),
  );
  ui.more.hidden = behind.length <= SHOWN_AT_FIRST;
  ui.more.textContent = everyone ? m.showFewer : m.showAll(behind.length);
  ui.more.setAttribute("aria-expanded", String(everyone));
  showText(ui.empty, behind.length > 0 ? undefined : progress.length === 0 ? m.noGoals : m.nobodyBehind);
}
