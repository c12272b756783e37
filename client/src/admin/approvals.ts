/**
 * The approval queue: rewards agents requested that need an approval, oldest waiting longest at
 * the bottom. Approving spends the held points; rejecting returns them (and the stock). Either may
 * carry a note for the agent.
 */
import type { Redemption } from "../../../protocol/index.ts";
import { formatNumber } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { element, h, showText } from "../page.ts";
import { call, path } from "./api.ts";
import type { Section } from "./nav.ts";
import { cell, sectionNotice, table, when } from "./ui.ts";

const notice = sectionNotice("approvals-notice");
element("approvals-heading", HTMLHeadingElement).after(notice.node);

const list = table("approval-list", "approvals-heading", [m.colRequested, m.colAgent, m.colReward, m.colCost, m.colAgentNote, m.colDecision]);
const empty = h("p", { class: "empty", "data-testid": "approvals-empty", hidden: "" }, m.nothingWaiting);
const refresh = h("button", { type: "button", class: "secondary", "data-testid": "approvals-refresh" }, m.refresh);
const said = h("p", { class: "hint", role: "status", "data-testid": "approvals-status" });
refresh.addEventListener("click", () => void show());

element("approvals-panel", HTMLElement).append(h("div", { class: "actions" }, refresh, said), list.node, empty);

async function load(): Promise<void> {
  const { redemptions } = await call<{ redemptions: Redemption[] }>("GET", "/v1/redemptions?status=pending");
  list.body.replaceChildren(...redemptions.map(row));
  empty.hidden = redemptions.length > 0;
  list.node.hidden = redemptions.length === 0;
}

function row(request: Redemption): HTMLTableRowElement {
  const noteId = `decision-note-${request.id}`;
  const note = h("input", { type: "text", id: noteId, "data-testid": "decision-note", maxlength: "500", "aria-describedby": `${noteId}-error` });
  const error = h("p", { class: "field-error", id: `${noteId}-error`, hidden: "" });
  const agent = request.agentName ?? request.agentId;
  const decide = (decision: "approve" | "reject") => async () => {
    for (const button of buttons) button.disabled = true;
    showText(error);
    try {
      await call("POST", path`/v1/redemptions/${request.id}/${decision}`, note.value.trim() ? { note: note.value.trim() } : {});
      showText(said, decision === "approve" ? m.approvedFor(request.rewardName, agent) : m.rejectedFor(request.rewardName, agent));
    } catch (error_) {
      for (const button of buttons) button.disabled = false;
      showText(error, m.failed(decision === "approve" ? m.approving : m.rejecting, error_ instanceof Error ? error_.message : String(error_)));
      note.setAttribute("aria-invalid", "true");
      return;
    }
    // Decided: the queue is read again (a failure to read it is the section's notice, not the decision's).
    await show();
  };
  const buttons = [
    h("button", { type: "button", "data-testid": "approve", "aria-label": m.approveWhat(request.rewardName, agent) }, m.approve),
    h("button", { type: "button", class: "secondary danger", "data-testid": "reject", "aria-label": m.rejectWhat(request.rewardName, agent) }, m.reject),
  ] as const;
  buttons[0].addEventListener("click", () => void decide("approve")());
  buttons[1].addEventListener("click", () => void decide("reject")());
  return h(
    "tr",
    { "data-testid": "queued", "data-id": request.id, "data-agent": request.agentId, "data-reward": request.rewardId },
    cell(when(request.requestedAt)),
    cell(agent),
    cell(request.rewardName),
    cell(formatNumber(request.cost)),
    cell(request.note ?? "—"),
    cell(h("label", { for: noteId }, m.noteForAgent), note, h("div", { class: "actions" }, ...buttons), error),
  );
}

async function show(): Promise<void> {
  try {
    await load();
    notice.show();
  } catch (error) {
    notice.failed(m.loadQueue, error);
  }
}

export const approvalsSection: Section = { name: "approvals", show };
