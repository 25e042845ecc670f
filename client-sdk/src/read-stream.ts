/**
 * Reads a ReadableStream chunk by chunk through a reader (not every browser can iterate a ReadableStream
 * with for await). A consumer that stops early (abort, bad chunk, error) cancels the stream, telling the
 * producer nothing more is read; the reader's lock is released either way.
 */
export async function* readStream<T>(stream: ReadableStream<T>): AsyncGenerator<T> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
