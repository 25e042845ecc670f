/**
 * One watch agent per folder: `DIR/.priorproof/agent.lock` names the host and process and is touched
 * every 5 s while the agent runs.
 */
import { readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { InputError } from "../errors.ts";
import { writeAtomic } from "./journal.ts";

/** How long another machine's agent counts as alive after its last heartbeat (it beats every 5 s). */
const LOCK_STALE_MS = 30_000;
/** Lock files held by agents of this process. */
const heldLocks = new Set<string>();

/**
 * One agent per folder (a studio may point several machines at one shared drive): `agent.lock` names
 * the host and process and is touched every 5 s. A lock of a dead process on this host, or one not
 * touched for 30 s, is taken over; otherwise the folder is refused with `WATCH_LOCKED`.
 */
export async function takeLock(path: string): Promise<{ release(): Promise<void> }> {
  const me = { host: hostname(), pid: process.pid };
  if (heldLocks.has(path)) throw new InputError("WATCH_LOCKED", `another agent of this process watches this folder (${path})`);
  try {
    const held = JSON.parse(await readFile(path, "utf8")) as { host?: string; pid?: number; beatAt?: number };
    const alive = held.host === me.host ? held.pid !== me.pid && isAlive(held.pid ?? 0) : Date.now() - (held.beatAt ?? 0) < LOCK_STALE_MS;
    if (alive) throw new InputError("WATCH_LOCKED", `another agent watches this folder (${held.host} pid ${held.pid}); stop it first`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    // no lock, or an unreadable one: take it
  }
  const beat = () => writeAtomic(path, JSON.stringify({ ...me, beatAt: Date.now() }));
  heldLocks.add(path);
  await beat();
  const timer = setInterval(() => void beat().catch(() => undefined), 5_000);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      heldLocks.delete(path);
      await unlink(path).catch(() => undefined);
    },
  };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
