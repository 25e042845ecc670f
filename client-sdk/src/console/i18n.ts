/** The console's words in English and Simplified Chinese; the browser's language by default, the user's choice remembered. */
import { en, type Key } from "./i18n-en.ts";
import { zh } from "./i18n-zh.ts";

export type { Key } from "./i18n-en.ts";

/** Both dictionaries (the zh-CN test checks that no English UI text remains). */
export const MESSAGES = { en, "zh-CN": zh } as const;

export type Lang = "en" | "zh-CN";
export const LANGS: readonly { id: Lang; label: string }[] = [
  { id: "en", label: "English" },
  { id: "zh-CN", label: "简体中文" },
];
const STORE_KEY = "priorproof.lang";

function initial(): Lang {
  try {
    const saved = localStorage.getItem(STORE_KEY);
    if (saved === "en" || saved === "zh-CN") return saved;
  } catch {
    // storage blocked: the browser's language
  }
  return navigator.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export let lang: Lang = initial();

export function setLang(next: Lang): void {
  lang = next;
  try {
    localStorage.setItem(STORE_KEY, next);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.lang = next;
}

/** The text of `key` in the current language, `{name}` placeholders filled in. */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const text: string = lang === "zh-CN" ? zh[key] : en[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ""));
}

/** An error for the user: the service's stable code in the user's language, else its message. */
export function errorText(e: unknown): string {
  const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "";
  const key = `err_${code}`;
  if (key in en) return t(key as Key);
  return t("error", { msg: e instanceof Error ? e.message : String(e) });
}

/** A compact, unambiguous UTC date-time for tables (2026-11-30 12:01 UTC). */
export function whenShort(iso: string | null | undefined): string {
  return iso && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : (iso ?? "—");
}

/** A date-time in the user's language, UTC stated. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" }).format(d) + " UTC";
}
