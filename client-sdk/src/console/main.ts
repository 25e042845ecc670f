/**
 * The PriorProof web console (issue 18), served at /app: setup, sign-in, stamping (files hashed in a
 * Web Worker, hash-only by default), the evidence list with live status, entry pages, export, the
 * quarterly check and administration. Plain DOM code; everything bundled, nothing inline (strict CSP).
 */
import { api, ApiError, setCsrf, setUnauthorizedHandler, type User } from "./api.ts";
import { h, mount, type Child } from "./dom.ts";
import { lang, LANGS, setLang, t, type Key, type Lang } from "./i18n.ts";
import { can, disposers, go, setRerender, startEvents, state, stopEvents } from "./state.ts";
import { loginScreen, setupScreen } from "./screens/auth.ts";
import { stampScreen } from "./screens/stamp.ts";
import { entriesScreen } from "./screens/entries.ts";
import { entryScreen } from "./screens/entry.ts";
import { exportScreen, reportScreen } from "./screens/export.ts";
import { keysScreen, usersScreen } from "./screens/admin.ts";

const root = document.getElementById("app")!;

function nav(): HTMLElement {
  const path = location.pathname;
  const link = (href: string, key: Key) =>
    h(
      "a",
      {
        href,
        class: "nav-link",
        "aria-current": path === href || path.startsWith(`${href}/`) ? "page" : false,
        onclick: (e: MouseEvent) => {
          e.preventDefault();
          go(href);
        },
      },
      t(key),
    );
  const user = state.user;
  return h(
    "header",
    { class: "top" },
    h("a", { href: "#main", class: "skip" }, t("skip")),
    h("span", { class: "brand" }, t("appName")),
    user
      ? h(
          "nav",
          { "aria-label": t("appName") },
          can.stamp() && link("/app/stamp", "navStamp"),
          link("/app/entries", "navEntries"),
          can.stamp() && link("/app/export", "navExport"),
          link("/app/report", "navReport"),
          can.admin() && link("/app/admin/users", "navUsers"),
          can.admin() && link("/app/admin/keys", "navKeys"),
        )
      : null,
    h(
      "div",
      { class: "top-right" },
      h(
        "label",
        { class: "lang" },
        h("span", { class: "sr" }, t("language")),
        h(
          "select",
          {
            id: "lang",
            "aria-label": t("language"),
            onchange: (e: Event) => {
              setLang((e.target as HTMLSelectElement).value as Lang);
              render();
            },
          },
          LANGS.map((l) => h("option", { value: l.id, selected: l.id === lang }, l.label)),
        ),
      ),
      user
        ? [
            h("span", { class: "who ud" }, t("signedInAs", { name: user.name || user.email, role: t(`role_${user.role}` as Key) })),
            h("button", { type: "button", class: "link", id: "signout", onclick: () => signOut("/v1/console/logout") }, t("signOut")),
            h("button", { type: "button", class: "link", id: "signout-all", onclick: () => signOut("/v1/console/logout-all") }, t("signOutAll")),
          ]
        : null,
    ),
  );
}

async function signOut(path: string): Promise<void> {
  try {
    await api("POST", path);
  } finally {
    state.user = undefined;
    stopEvents();
    go("/app/login");
  }
}

function screen(): Child {
  const path = location.pathname.replace(/\/+$/, "") || "/app";
  if (path === "/app/setup") return setupScreen(onSignedIn);
  if (!state.user) return loginScreen(onSignedIn);
  if (path === "/app" || path === "/app/login") {
    go(can.stamp() ? "/app/stamp" : "/app/entries", true);
    return null;
  }
  if (path === "/app/stamp") return stampScreen();
  if (path === "/app/entries") return entriesScreen();
  const m = /^\/app\/entries\/([^/]+)$/.exec(path);
  if (m) return entryScreen(decodeURIComponent(m[1]!));
  if (path === "/app/export") return exportScreen();
  if (path === "/app/report") return reportScreen();
  if (path === "/app/admin/users") return usersScreen();
  if (path === "/app/admin/keys") return keysScreen();
  return h("p", null, t("notFound"));
}

function render(): void {
  for (const d of disposers.splice(0)) d();
  document.documentElement.lang = lang;
  document.title = t("appName");
  const main = h("main", { id: "main", tabindex: "-1" });
  mount(root, nav(), main);
  const content = screen();
  if (content !== null) mount(main, content);
}

function onSignedIn(me: { user: User; csrfToken: string }): void {
  state.user = me.user;
  setCsrf(me.csrfToken);
  startEvents();
  go(can.stamp() ? "/app/stamp" : "/app/entries", true);
}

async function boot(): Promise<void> {
  setRerender(render);
  setUnauthorizedHandler(() => {
    if (!state.user) return;
    state.user = undefined;
    stopEvents();
    go("/app/login", true);
  });
  window.addEventListener("popstate", render);
  try {
    const me = await api<{ user: User; csrfToken: string }>("GET", "/v1/console/me");
    state.user = me.user;
    setCsrf(me.csrfToken);
    startEvents();
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) mount(root, h("p", { role: "alert" }, t("error", { msg: String(e) })));
  }
  render();
}

void boot();
