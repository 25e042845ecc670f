/**
 * Hashes computed on worker threads, so that the second digest of an upload (SHA3-256, ~460 MB/s)
 * runs beside the SHA-256 and the IPFS import on the request thread instead of after them.
 *
 * The threads are a fixed pool shared by every upload (HASH_THREADS, default 2): an upload opens a
 * hash session on the least loaded thread, and however many uploads are open — stalled ones
 * included — the process runs that many threads and no more. Chunks are copied to the worker; at
 * most `maxInFlight` bytes of one session wait there, so memory stays flat however large the file.
 *
 * The copies travel in recycled buffers: the worker hands each buffer back once hashed, and the pool
 * keeps up to {@link RECYCLED_BYTES} of them per size class for the next chunks. Without it every
 * chunk left a dead buffer on the worker, whose heap barely moves, so nothing collected them until
 * V8's external-memory limit: tens of MB per thread during an upload.
 */
import { Worker } from "node:worker_threads";

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const sessions = new Map();
parentPort.on("message", (m) => {
  if (m.op === "open") { sessions.set(m.id, createHash(m.algorithm)); return; }
  const h = sessions.get(m.id);
  if (m.op === "abort") { sessions.delete(m.id); return; }
  if (!h) return;
  if (m.op === "update") {
    h.update(m.chunk);
    parentPort.postMessage({ id: m.id, done: m.chunk.byteLength, buffer: m.chunk.buffer }, [m.chunk.buffer]);
    return;
  }
  if (m.op === "digest") { sessions.delete(m.id); parentPort.postMessage({ id: m.id, digest: h.digest("hex") }); }
});
`;

export interface ThreadedHash {
  /** Queues a chunk; resolves at once unless too many bytes of this session are waiting on the worker. */
  update(chunk: Uint8Array): Promise<void>;
  /** The hex digest; the session ends. */
  digest(): Promise<string>;
  /** Ends the session without a digest (the upload failed). */
  abort(): void;
}

export interface HashPool {
  /** Opens a hash session with `algorithm` (any node:crypto hash name) on one of the pool's threads. */
  hash(algorithm: string, maxInFlight?: number): ThreadedHash;
  /** Threads of the pool (fixed). */
  readonly threads: number;
  /** Open sessions (uploads being hashed). */
  readonly sessions: number;
  /** Copy buffers made so far (recycled ones are not counted again). */
  readonly buffersAllocated: number;
  /** Stops the threads; open sessions fail. */
  close(): Promise<void>;
}

interface Session {
  inFlight: number;
  maxInFlight: number;
  waiting: (() => void) | undefined;
  finished: ((hex: string) => void) | undefined;
  failed: ((e: unknown) => void) | undefined;
  error: unknown;
}

/** Bytes of spare copy buffers the pool keeps, per size class. */
export const RECYCLED_BYTES = 8 * 1024 * 1024;
/** Chunks up to this size are copied into recycled buffers (size classes are powers of two from 4 KiB). */
const LARGEST_RECYCLED = 4 * 1024 * 1024;

/** Spare ArrayBuffers by size class (a power of two), handed back by the workers. */
class BufferRecycler {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Buffers made since the pool started (for tests: recycling makes this stop growing). */
  allocated = 0;

  /** A view of `length` bytes over a recycled buffer, or a new one. */
  take(length: number): Uint8Array<ArrayBuffer> {
    const size = sizeClass(length);
    if (size === undefined) {
      this.allocated++;
      return new Uint8Array(length);
    }
    const buffer = this.free.get(size)?.pop();
    if (buffer) return new Uint8Array(buffer, 0, length);
    this.allocated++;
    return new Uint8Array(new ArrayBuffer(size), 0, length);
  }

  give(buffer: ArrayBuffer): void {
    const size = buffer.byteLength;
    if (sizeClass(size) !== size) return;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    if ((list.length + 1) * size <= RECYCLED_BYTES) list.push(buffer);
  }
}

function sizeClass(length: number): number | undefined {
  if (length > LARGEST_RECYCLED) return undefined;
  let size = 4096;
  while (size < length) size *= 2;
  return size;
}

interface Thread {
  worker: Worker;
  sessions: Map<number, Session>;
}

/**
 * Starts a fixed pool of `threads` hashing workers (unref'd: they do not keep the process alive).
 *
 * @example
 * const pool = createHashPool(2);
 * const sha3 = pool.hash("sha3-256");
 * for await (const chunk of file) await sha3.update(chunk);
 * const hex = await sha3.digest();
 */
export function createHashPool(threads: number): HashPool {
  if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`a hash pool needs at least one thread, got ${threads}`);
  let nextId = 1;
  let closed = false;
  const pool: Thread[] = [];
  const recycler = new BufferRecycler();
  const fail = (thread: Thread, e: unknown) => {
    for (const s of thread.sessions.values()) {
      s.error = e;
      s.failed?.(e);
      s.waiting?.();
    }
    thread.sessions.clear();
  };
  const start = (): Thread => {
    const thread: Thread = { worker: new Worker(WORKER_SOURCE, { eval: true }), sessions: new Map() };
    thread.worker.unref();
    thread.worker.on("message", (m: { id: number; done?: number; digest?: string; buffer?: ArrayBuffer }) => {
      if (m.buffer) recycler.give(m.buffer);
      const s = thread.sessions.get(m.id);
      if (!s) return;
      if (m.done !== undefined) {
        s.inFlight -= m.done;
        if (s.waiting && s.inFlight <= s.maxInFlight / 2) {
          const w = s.waiting;
          s.waiting = undefined;
          w();
        }
      } else if (m.digest !== undefined) {
        thread.sessions.delete(m.id);
        s.finished?.(m.digest);
      }
    });
    thread.worker.on("error", (e) => fail(thread, e));
    thread.worker.on("exit", () => {
      fail(thread, new Error("the hash worker exited"));
      // A thread that died is replaced, so the pool keeps its size.
      const i = pool.indexOf(thread);
      if (i >= 0 && !closed) pool[i] = start();
    });
    return thread;
  };
  for (let i = 0; i < threads; i++) pool.push(start());

  return {
    threads,
    get sessions() {
      return pool.reduce((n, t) => n + t.sessions.size, 0);
    },
    get buffersAllocated() {
      return recycler.allocated;
    },
    hash(algorithm, maxInFlight = 4 * 1024 * 1024) {
      if (closed) throw new Error("the hash pool is closed");
      const thread = pool.reduce((a, b) => (b.sessions.size < a.sessions.size ? b : a));
      const id = nextId++;
      const s: Session = { inFlight: 0, maxInFlight, waiting: undefined, finished: undefined, failed: undefined, error: undefined };
      thread.sessions.set(id, s);
      thread.worker.postMessage({ op: "open", id, algorithm });
      return {
        async update(chunk) {
          if (s.error) throw s.error;
          s.inFlight += chunk.byteLength;
          // Copy just the view and hand the copy over: cloning a view would copy its whole buffer (often a
          // pool far larger than the chunk), and transferring the caller's buffer would detach it. The
          // copy's buffer comes back with the worker's answer and is reused.
          const copy = recycler.take(chunk.byteLength);
          copy.set(chunk);
          thread.worker.postMessage({ op: "update", id, chunk: copy }, [copy.buffer]);
          if (s.inFlight > s.maxInFlight) await new Promise<void>((r) => (s.waiting = r));
          if (s.error) throw s.error;
        },
        digest() {
          return new Promise<string>((resolve, reject) => {
            if (s.error) return reject(s.error);
            s.finished = resolve;
            s.failed = reject;
            thread.worker.postMessage({ op: "digest", id });
          });
        },
        abort() {
          if (!thread.sessions.delete(id)) return;
          thread.worker.postMessage({ op: "abort", id });
          s.waiting?.();
        },
      };
    },
    async close() {
      closed = true;
      await Promise.all(pool.map((t) => t.worker.terminate()));
    },
  };
}

let shared: HashPool | undefined;

/** The process's default pool (two threads), started on first use, for callers given no pool. */
export function defaultHashPool(): HashPool {
  shared ??= createHashPool(2);
  return shared;
}

/**
 * A hash session on the default pool.
 *
 * @example
 * const sha3 = createThreadedHash("sha3-256");
 */
export function createThreadedHash(algorithm: string, maxInFlight = 4 * 1024 * 1024): ThreadedHash {
  return defaultHashPool().hash(algorithm, maxInFlight);
}
