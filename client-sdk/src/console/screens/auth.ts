/** First-admin setup (token from the URL fragment) and sign-in. */
import { api, ApiError, type User } from "../api.ts";
import { h } from "../dom.ts";
import { t, errorText } from "../i18n.ts";
import { go } from "../state.ts";

type Me = { user: User; csrfToken: string };

export function field(id: string, label: string, attrs: Record<string, unknown> = {}, hint?: string): HTMLElement {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: id, ...attrs, ...(hint ? { "aria-describedby": `${id}-hint` } : {}) }),
    hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null,
  );
}

const val = (form: HTMLFormElement, name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;

export function setupScreen(done: (me: Me) => void): HTMLElement {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
  const msg = h("p", { class: "msg", role: "alert" });
  const form = h(
    "form",
    { class: "card narrow", id: "setup-form" },
    h("h1", null, t("setupTitle")),
    h("p", { class: "lead" }, t("setupLead")),
    field("email", t("email"), { type: "email", required: true, autocomplete: "username" }),
    field("name", t("name"), { type: "text", autocomplete: "name" }),
    field("password", t("password"), { type: "password", required: true, minlength: "10", autocomplete: "new-password" }, t("passwordRule")),
    h("button", { type: "submit" }, t("createAdmin")),
    msg,
  );
  if (!token) msg.textContent = t("setupNoToken");
  void api<{ needed: boolean }>("GET", "/v1/console/setup").then(
    (r) => {
      if (!r.needed) {
        msg.textContent = t("setupDone");
        go("/app/login", true);
      }
    },
    () => undefined,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.textContent = "";
    try {
      const me = await api<Me>("POST", "/v1/console/setup", {
        token,
        email: val(form, "email"),
        password: val(form, "password"),
        ...(val(form, "name") ? { name: val(form, "name") } : {}),
      });
      history.replaceState(null, "", "/app/setup"); // the token is spent: drop it from the address bar
      done(me);
    } catch (err) {
      msg.textContent = errorText(err);
    }
  });
  return form;
}

export function loginScreen(done: (me: Me) => void): HTMLElement {
  const msg = h("p", { class: "msg", role: "alert" });
  const form = h(
    "form",
    { class: "card narrow", id: "login-form" },
    h("h1", null, t("loginTitle")),
    field("email", t("email"), { type: "email", required: true, autocomplete: "username" }),
    field("password", t("password"), { type: "password", required: true, autocomplete: "current-password" }),
    h("button", { type: "submit" }, t("login")),
    msg,
  );
  void api<{ needed: boolean }>("GET", "/v1/console/setup").then(
    (r) => {
      if (r.needed) msg.textContent = t("setupNeeded");
    },
    () => undefined,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.textContent = "";
    try {
      done(await api<Me>("POST", "/v1/console/login", { email: val(form, "email"), password: val(form, "password") }));
    } catch (err) {
      if (err instanceof ApiError && err.code === "LOGIN_THROTTLED") msg.textContent = t("loginThrottled", { s: err.retryAfter ?? 60 });
      else if (err instanceof ApiError && err.status === 401) msg.textContent = t("loginFailed");
      else msg.textContent = errorText(err);
      msg.dataset.code = err instanceof ApiError ? err.code : "ERROR";
    }
  });
  return form;
}
