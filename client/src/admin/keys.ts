/**
 * API keys for systems: listed with their scopes, created (the key is shown once, here, and never
 * again: only its hash is kept) and revoked.
 */
import type { Scope } from "../../../protocol/index.ts";
import { formatDateTime } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { element, h } from "../page.ts";
import { type ApiKey, call, isOwnKey, path } from "./api.ts";
import type { Section } from "./nav.ts";
import { knowKeys } from "./tokens.ts";
import { actionButton, cell, confirmed, copyField, Form, sectionNotice, table, when } from "./ui.ts";

const notice = sectionNotice("keys-notice");
element("keys-heading", HTMLHeadingElement).after(notice.node);

const SCOPES: readonly Scope[] = ["ingest", "read", "admin"];

const list = table("key-list", "keys-list-heading", [m.colName, m.colKeyStart, m.colScopes, m.colCreated, m.colStatus, ""]);

const create = new Form("key-create");
const name = create.input("name", { label: m.fieldName, required: true, hint: m.keyNameHint });
const scopes = create.checkboxes("scopes", { label: m.fieldScopes, required: true, hint: m.scopesHint }, SCOPES.map((s) => [s, m.scopeNames[s]] as const));
create.finish(m.addKey);
const created = h("div", { class: "result", "data-testid": "key-created", tabindex: "-1", hidden: "" });

create.onSubmit(async () => {
  const chosen = scopes.filter((box) => box.checked).map((box) => box.value);
  const key = await call<ApiKey & { key: string }>("POST", "/v1/keys", { name: name.value, scopes: chosen });
  create.node.reset();
  created.replaceChildren(h("p", { class: "warning" }, h("strong", {}, m.keyShownOnce)), copyField("key-created-key", m.keyOf(key.name), key.key, { secret: true }));
  created.hidden = false;
  created.focus();
  await load();
});

element("keys-panel", HTMLElement).append(list.node, h("h2", { id: "key-create-heading" }, m.newKey), create.node, created);

async function load(): Promise<void> {
  const { keys } = await call<{ keys: ApiKey[] }>("GET", "/v1/keys");
  knowKeys(keys);
  list.body.replaceChildren(
    ...keys.map((key) => {
      const own = key.revokedAt === null && isOwnKey(key.prefix);
      return h(
        "tr",
        { "data-testid": "key-row", "data-id": key.id, "data-status": key.revokedAt ? "revoked" : "active" },
        cell(key.name, ...(own ? [" ", h("span", { class: "tag" }, m.thisBrowsersKey)] : [])),
        cell(h("code", {}, `${key.prefix}…`)),
        cell(key.scopes.map((s) => m.scopeNames[s as Scope] ?? s).join(", ")),
        cell(when(key.createdAt)),
        cell(key.revokedAt ? m.revokedAt(formatDateTime(key.revokedAt)) : m.active),
        cell(...(key.revokedAt ? [] : [actionButton(m.revoke, "key-revoke", () => void revoke(key, own), { danger: true, label: m.revokeWhat(key.name) })])),
      );
    }),
  );
}

async function revoke(key: ApiKey, own: boolean): Promise<void> {
  if (!confirmed(own ? m.confirmRevokeOwnKey(key.name) : m.confirmRevokeKey(key.name))) return;
  try {
    await call("DELETE", path`/v1/keys/${key.id}`);
    notice.show();
    await load();
  } catch (error) {
    notice.failed(m.revoking(key.name), error);
  }
}

export const keysSection: Section = {
  name: "keys",
  async show() {
    try {
      await load();
      notice.show();
    } catch (error) {
      notice.failed(m.loadKeys, error);
    }
  },
};

/** The keys' names are needed for the audit's "who" from the start. */
export const loadKeyNames = async () => knowKeys((await call<{ keys: ApiKey[] }>("GET", "/v1/keys")).keys);
