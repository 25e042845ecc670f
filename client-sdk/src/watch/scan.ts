/**
 * What the watch agent sees of its folder: every regular file no ignore rule excludes, with its size
 * and modification time. Rules: the defaults, then `DIR/.priorproofignore` (gitignore syntax), re-read
 * when it changes.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import ignore, { type Ignore } from "ignore";

/** Always ignored: the agent's own folder, and temporaries of common editors and systems. */
export const WATCH_DEFAULT_IGNORES = [
  ".priorproof/",
  ".priorproofignore",
  ".git/",
  ".DS_Store",
  "Thumbs.db",
  "desktop.ini",
  "*.tmp",
  "*.swp",
  "~$*",
  ".~lock.*#",
  "*.crdownload",
  "*.part",
];

const toPosix = (p: string) => p.split(sep).join("/");

/** A file as a scan sees it. */
export interface Seen {
  readonly size: number;
  readonly mtimeMs: number;
}

/** A scanner of `root`: each call walks the tree (relative POSIX path → size, mtime). */
export function createScanner(root: string): () => Promise<Map<string, Seen>> {
  let rules: Ignore = ignore().add(WATCH_DEFAULT_IGNORES);
  let rulesMtime = -1;
  const loadRules = async () => {
    const s = await lstat(join(root, ".priorproofignore")).catch(() => undefined);
    const m = s?.mtimeMs ?? 0;
    if (m === rulesMtime) return;
    rulesMtime = m;
    rules = ignore().add(WATCH_DEFAULT_IGNORES);
    if (s) rules.add(await readFile(join(root, ".priorproofignore"), "utf8"));
  };

  /** Every regular file under the root that no rule ignores: relative POSIX path → size, mtime. */
  return async () => {
    await loadRules();
    const found = new Map<string, Seen>();
    const walk = async (abs: string) => {
      let names;
      try {
        names = await readdir(abs, { withFileTypes: true });
      } catch {
        return;
      }
      for (const d of names) {
        const full = join(abs, d.name);
        const rel = toPosix(relative(root, full));
        if (d.isDirectory()) {
          if (!rules.ignores(`${rel}/`)) await walk(full);
        } else if (d.isFile() && !rules.ignores(rel)) {
          const s = await lstat(full).catch(() => undefined);
          if (s?.isFile()) found.set(rel, { size: s.size, mtimeMs: s.mtimeMs });
        }
      }
    };
    await walk(root);
    return found;
  };
}
