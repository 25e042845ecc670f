/** Administration: users and their roles, API keys (label, last use, revoke). */
import { api, type User } from "../api.ts";
import { h, mount } from "../dom.ts";
import { t, when, type Key, errorText } from "../i18n.ts";
import { can, state } from "../state.ts";
import { field } from "./auth.ts";

const ROLES = ["admin", "member", "viewer"] as const;
const denied = () => h("section", { class: "card" }, h("p", { class: "msg", role: "alert" }, t("forbidden")));
const errText = errorText;

export function usersScreen(): HTMLElement {
  if (!can.admin()) return denied();
  const list = h("div", { id: "users" }, t("loading"));
  const msg = h("p", { class: "msg", role: "status" });
  const load = async () => {
    try {
      const { users } = await api<{ users: User[] }>("GET", "/v1/console/users");
      mount(
        list,
        h(
          "table",
          { class: "grid" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", { scope: "col" }, t("email")),
              h("th", { scope: "col" }, t("name")),
              h("th", { scope: "col" }, t("role")),
              h("th", { scope: "col" }, t("disabled")),
              h("th", { scope: "col" }, t("created")),
              h("th", { scope: "col" }, t("actions")),
            ),
          ),
          h(
            "tbody",
            null,
            users.map((u) =>
              h(
                "tr",
                { "data-user": u.email },
                h("td", { class: "ud" }, u.email),
                h("td", { class: "ud" }, u.name ?? ""),
                h(
                  "td",
                  null,
                  h(
                    "select",
                    {
                      "aria-label": t("changeRole", { email: u.email }),
                      disabled: u.id === state.user?.id,
                      onchange: async (e: Event) => {
                        try {
                          await api("PATCH", `/v1/console/users/${u.id}`, { role: (e.target as HTMLSelectElement).value });
                        } catch (err) {
                          msg.textContent = errText(err);
                        }
                      },
                    },
                    ROLES.map((r) => h("option", { value: r, selected: r === u.role }, t(`role_${r}` as Key))),
                  ),
                ),
                h(
                  "td",
                  null,
                  h("input", {
                    type: "checkbox",
                    "aria-label": t("disableUser", { email: u.email }),
                    checked: u.disabled === true,
                    disabled: u.id === state.user?.id,
                    onchange: async (e: Event) => {
                      const box = e.target as HTMLInputElement;
                      try {
                        await api("PATCH", `/v1/console/users/${u.id}`, { disabled: box.checked });
                      } catch (err) {
                        box.checked = !box.checked;
                        msg.textContent = errText(err);
                      }
                    },
                  }),
                ),
                h("td", null, when(u.createdAt)),
                h(
                  "td",
                  null,
                  u.id === state.user?.id
                    ? null
                    : h(
                        "button",
                        {
                          type: "button",
                          class: "link danger",
                          "aria-label": t("deleteUser", { email: u.email }),
                          onclick: async () => {
                            if (!confirm(t("confirmDelete", { email: u.email }))) return;
                            try {
                              await api("DELETE", `/v1/console/users/${u.id}`);
                              await load();
                            } catch (err) {
                              msg.textContent = errText(err);
                            }
                          },
                        },
                        t("delete"),
                      ),
                ),
              ),
            ),
          ),
        ),
      );
    } catch (e) {
      mount(list, h("p", { class: "msg", role: "alert" }, errText(e)));
    }
  };
  const form = h(
    "form",
    { class: "inline-form", id: "add-user" },
    h("h2", null, t("addUser")),
    h(
      "div",
      { class: "cols" },
      field("u-email", t("email"), { type: "email", required: true, name: "email", autocomplete: "off" }),
      field("u-name", t("name"), { type: "text", name: "name" }),
      field(
        "u-password",
        t("password"),
        { type: "password", required: true, minlength: "10", name: "password", autocomplete: "new-password" },
        t("passwordRule"),
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: "u-role" }, t("role")),
        h(
          "select",
          { id: "u-role", name: "role" },
          ROLES.map((r) => h("option", { value: r, selected: r === "member" }, t(`role_${r}` as Key))),
        ),
      ),
    ),
    h("button", { type: "submit" }, t("add")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = (id: string) => (document.getElementById(id) as HTMLInputElement).value.trim();
    try {
      await api("POST", "/v1/console/users", {
        email: v("u-email"),
        password: (document.getElementById("u-password") as HTMLInputElement).value,
        role: v("u-role"),
        ...(v("u-name") ? { name: v("u-name") } : {}),
      });
      form.reset();
      msg.textContent = "";
      await load();
    } catch (err) {
      msg.textContent = errText(err);
    }
  });
  void load();
  return h("section", { class: "card" }, h("h1", null, t("usersTitle")), list, form, msg);
}

type Key_ = { id: string; label: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null };

export function keysScreen(): HTMLElement {
  if (!can.admin()) return denied();
  const list = h("div", { id: "keys" }, t("loading"));
  const msg = h("p", { class: "msg", role: "status" });
  const secret = h("div", { id: "new-key", role: "status" });
  const load = async () => {
    try {
      const { keys } = await api<{ keys: Key_[] }>("GET", "/v1/console/keys");
      mount(
        list,
        h(
          "table",
          { class: "grid" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", { scope: "col" }, t("label")),
              h("th", { scope: "col" }, t("created")),
              h("th", { scope: "col" }, t("lastUsed")),
              h("th", { scope: "col" }, t("actions")),
            ),
          ),
          h(
            "tbody",
            null,
            keys.map((k) =>
              h(
                "tr",
                { "data-key": k.label },
                h("td", { class: "ud" }, k.label),
                h("td", null, when(k.createdAt)),
                h("td", null, k.lastUsedAt ? when(k.lastUsedAt) : t("never")),
                h(
                  "td",
                  null,
                  k.revokedAt
                    ? t("revoked", { time: when(k.revokedAt) })
                    : h(
                        "button",
                        {
                          type: "button",
                          class: "link danger",
                          "aria-label": t("revokeKey", { label: k.label }),
                          onclick: async () => {
                            if (!confirm(t("confirmRevoke", { label: k.label }))) return;
                            try {
                              await api("DELETE", `/v1/console/keys/${k.id}`);
                              await load();
                            } catch (err) {
                              msg.textContent = errText(err);
                            }
                          },
                        },
                        t("revoke"),
                      ),
                ),
              ),
            ),
          ),
        ),
      );
    } catch (e) {
      mount(list, h("p", { class: "msg", role: "alert" }, errText(e)));
    }
  };
  const form = h(
    "form",
    { class: "inline-form", id: "create-key" },
    h("h2", null, t("createKey")),
    h("div", { class: "cols" }, field("k-label", t("label"), { type: "text", required: true, maxlength: "200" })),
    h("button", { type: "submit" }, t("createKey")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const k = await api<{ key: string; label: string }>("POST", "/v1/console/keys", {
        label: (document.getElementById("k-label") as HTMLInputElement).value.trim(),
      });
      mount(secret, h("p", null, t("keyShown")), h("code", { class: "mono secret", id: "new-key-secret" }, k.key));
      form.reset();
      await load();
    } catch (err) {
      msg.textContent = errText(err);
    }
  });
  void load();
  return h("section", { class: "card" }, h("h1", null, t("keysTitle")), h("p", { class: "lead" }, t("keysLead")), list, form, secret, msg);
}
