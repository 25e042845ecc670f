/**
 * A bounded reader of ZIP archives (PKWARE APPNOTE 6.3): the central directory, then each member on
 * demand, stored or deflated. Enough for a capture bundle; no ZIP64, no
 * encryption, no multi-disk archives (each refused with ZIP_UNSUPPORTED).
 */
import { inflateRawSync } from "node:zlib";
import { InputError } from "../errors.ts";

/** Most members an archive may list. */
const MAX_MEMBERS = 256;
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

interface Member {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly offset: number;
}

/** A ZIP archive in memory: member names, and a member's bytes by name. */
export interface ZipArchive {
  readonly names: readonly string[];
  /** The member's bytes, undefined when there is none; refuses members larger than `maxBytes`. */
  read(name: string, maxBytes: number): Uint8Array | undefined;
}

/**
 * Opens a ZIP archive held in memory.
 *
 * @example
 * const zip = openZip(await readFile("capture.zip"));
 * const manifest = zip.read("manifest.json", 1 << 20);
 */
export function openZip(bytes: Uint8Array): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new InputError("ZIP_INVALID", `not a readable ZIP archive: ${why}`);
  let eocd = -1;
  // The end-of-central-directory record is in the last 22 + 65,535 (comment) bytes.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad("no end-of-central-directory record");
  const count = view.getUint16(eocd + 10, true);
  const dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirOffset === 0xffffffff) throw new InputError("ZIP_UNSUPPORTED", "ZIP64 archives are not supported");
  if (count > MAX_MEMBERS) throw bad(`${count} members, more than ${MAX_MEMBERS}`);
  const members = new Map<string, Member>();
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) throw bad("broken central directory");
    const flags = view.getUint16(p + 8, true);
    if (flags & 1) throw new InputError("ZIP_UNSUPPORTED", "encrypted members are not supported");
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    members.set(name, {
      name,
      method: view.getUint16(p + 10, true),
      crc: view.getUint32(p + 16, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      offset: view.getUint32(p + 42, true),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return {
    names: [...members.keys()],
    read(name, maxBytes) {
      const m = members.get(name);
      if (!m) return undefined;
      if (m.size > maxBytes) throw new InputError("ZIP_MEMBER_TOO_LARGE", `${name} is ${m.size} bytes, more than ${maxBytes}`);
      if (m.offset + 30 > bytes.length || view.getUint32(m.offset, true) !== LOCAL) throw bad(`no local header for ${name}`);
      const start = m.offset + 30 + view.getUint16(m.offset + 26, true) + view.getUint16(m.offset + 28, true);
      const raw = bytes.subarray(start, start + m.compressedSize);
      if (raw.length !== m.compressedSize) throw bad(`${name} is cut short`);
      let out: Uint8Array;
      if (m.method === 0) out = raw;
      else if (m.method === 8) out = new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(1, m.size) }));
      else throw new InputError("ZIP_UNSUPPORTED", `${name} uses compression method ${m.method}`);
      // The CRC-32 is not checked here: the caller checks SHA-256 digests, which name what differs.
      if (out.length !== m.size) throw bad(`${name} is not ${m.size} bytes`);
      return out;
    },
  };
}
