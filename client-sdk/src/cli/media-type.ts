/**
 * The media type the CLI sends with an upload (it is printed on the certificate): the file's leading
 * bytes when they are a known signature, else its extension, else `application/octet-stream`.
 */
import { open } from "node:fs/promises";
import { extname } from "node:path";

const BY_EXTENSION: Readonly<Record<string, string>> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".bmp": "image/bmp",
  ".heic": "image/heic",
  ".avif": "image/avif",
  ".psd": "image/vnd.adobe.photoshop",
  ".pdf": "application/pdf",
  ".ai": "application/postscript",
  ".eps": "application/postscript",
  ".dxf": "image/vnd.dxf",
  ".dwg": "image/vnd.dwg",
  ".step": "model/step",
  ".stp": "model/step",
  ".stl": "model/stl",
  ".obj": "model/obj",
  ".glb": "model/gltf-binary",
  ".gltf": "model/gltf+json",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".html": "text/html",
  ".json": "application/json",
  ".xml": "application/xml",
  ".zip": "application/zip",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ".mp4": "video/mp4",
  ".mov": "video/quicktime",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
};

/** Signatures that decide the type whatever the name says (a PNG saved as .jpg is a PNG). */
const MAGIC: readonly { readonly bytes: readonly (number | null)[]; readonly type: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], type: "image/png" },
  { bytes: [0xff, 0xd8, 0xff], type: "image/jpeg" },
  { bytes: [0x47, 0x49, 0x46, 0x38], type: "image/gif" },
  { bytes: [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50], type: "image/webp" },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], type: "application/pdf" },
];

/** The media type of bytes that start with `head`, by signature; undefined when none matches. */
export function sniffMediaType(head: Uint8Array): string | undefined {
  return MAGIC.find((m) => m.bytes.length <= head.length && m.bytes.every((b, i) => b === null || head[i] === b))?.type;
}

/**
 * @example
 * await mediaTypeOf("render.png") // "image/png"
 */
export async function mediaTypeOf(path: string): Promise<string> {
  const fh = await open(path, "r");
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return sniffMediaType(head.subarray(0, bytesRead)) ?? BY_EXTENSION[extname(path).toLowerCase()] ?? "application/octet-stream";
  } finally {
    await fh.close();
  }
}
