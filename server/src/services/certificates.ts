/**
 * The court certificate: a PDF a judge can read and the other side's expert can re-check with public
 * tools (see shared CERTIFICATE.md). A pure function of the receipt and a little context, so the
 * service and the CLI produce the same document. The receipt (and any RFC 3161 token) travel inside
 * the PDF as attachments, fonts are embedded, every page carries the certificate id and page number.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import fontkit from "@pdf-lib/fontkit";
import { canonicalJson, type EvmAnchor, type Receipt, type Rfc3161Anchor } from "@priorproof/client-sdk";
import { AFRelationship, PDFDocument, type PDFFont, type PDFPage, rgb } from "pdf-lib";
import QRCode from "qrcode";
import { woffToSfnt } from "./woff.ts";

export type CertificateLanguage = "en" | "zh-CN";

export interface CertificateInput {
  readonly receipt: Receipt;
  readonly language: CertificateLanguage;
  /** The public verification page for this entry (the QR code's target). */
  readonly verifyUrl: string;
  readonly organisationTimeZone?: string;
  readonly generatedAt: Date;
  readonly software: string;
}

const require = createRequire(import.meta.url);
const fontFile = (pkg: string, file: string) => woffToSfnt(readFileSync(require.resolve(`${pkg}/files/${file}`)));
let fonts: { regular: Uint8Array; bold: Uint8Array; mono: Uint8Array; cjk: Uint8Array } | undefined;
function fontBytes() {
  fonts ??= {
    regular: fontFile("@fontsource/noto-sans", "noto-sans-latin-400-normal.woff"),
    bold: fontFile("@fontsource/noto-sans", "noto-sans-latin-700-normal.woff"),
    mono: fontFile("@fontsource/noto-sans-mono", "noto-sans-mono-latin-400-normal.woff"),
    cjk: fontFile("@fontsource/noto-sans-sc", "noto-sans-sc-chinese-simplified-400-normal.woff"),
  };
  return fonts;
}

const TEXT = {
  en: {
    title: "Evidence timestamp certificate",
    dev: "DEVELOPMENT CHAIN — NO EVIDENTIAL VALUE",
    summary: (sha: string, time: string, chain: string, block: number) => `A file whose SHA-256 digest is the value below existed, and was held by the party that submitted it, no later than ${time} — the time of block ${block} of ${chain}, in which the digest's Merkle root was recorded.`,
    certId: "Certificate", page: "page",
    s1: "1. The file (subject)", name: "File name as submitted", size: "Size", media: "Media type", sha256: "SHA-256", sha3: "SHA3-256 (second hash family)", cid: "IPFS CID", cidProfile: "CID import profile", bytes: "bytes",
    s2: "2. Claim — declared by the user, not verified by anyone", claimNone: "No claim was submitted with this file.", cTitle: "Title", cKind: "Asset kind", cAuthor: "Author", cClaimant: "Claimant", cPrevious: "Previous version (SHA-256)", cAi: "AI process record", cNote: "Note",
    s3: "3. Service record", operator: "Operator", received: "Received by the service (the service's own clock — NOT the evidence of time)", requestId: "Request id", software: "Software", issued: "Receipt issued",
    s4: "4. Anchor on the blockchain (the evidence of time)", chain: "Chain", contract: "Contract (EvidenceAnchor)", deployTx: "Contract deployment transaction", tx: "Anchoring transaction", blockNumber: "Block number", blockHash: "Block hash", blockTime: "Block time (UTC)", localTime: "Block time (local)", depth: "Confirmations when issued", final: "final", notFinal: "not yet final", required: "required", explorer: "Explorer",
    offline: "Offline proof", offlineValue: "block header and receipt-trie proof in receipt.json: they show the anchor in the block with the hash below, with no node needed",
    lookup: "The one fact to look up", lookupValue: (block: number, chainId: number, hash: string) => `block ${block} of chain ${chainId} has hash ${hash}`, explorerBlock: "Look it up",
    s5: "5. RFC 3161 time-stamp token (independent witness)", tsa: "Time-stamping authority", tsaIssuer: "TSA certificate issuer", tsaSerial: "TSA certificate serial", tsaFp: "TSA certificate SHA-256 fingerprint", genTime: "Time stamped (genTime)", serial: "Token serial", policy: "Policy OID", qualified: "Qualified (ETSI EN 319 422)", yes: "yes", no: "no", stamped: "Data stamped (the batch root)",
    s6: "6. Inclusion proof (RFC 9162 Merkle tree, SHA-256)", leafEnc: "Leaf encoding", claimDigest: "Claim digest", salt: "Leaf salt (random, per entry)", leafHash: "Leaf hash", index: "Leaf index", treeSize: "Tree size", pathNode: "Path node", root: "Root (anchored)",
    s7: "7. Statements",
    proves: "What this proves: the file with the SHA-256 digest above, together with the claim in section 2, existed no later than the block time in section 4 (and the genTime in section 5, when present). Changing a single bit of the file changes the digest, so no other file matches it.",
    notProves: "What this does not prove: who created the file, who owns it or any right in it, that it was published or disclosed, or that the claim in section 2 is true. The service's receive time is not evidence.",
    practice: "System description and regular practice: PriorProof records each submitted digest in a Merkle tree, anchors the tree's root on the chain named above through a contract that records each root once and never overwrites it, and issues this certificate from that record in the regular course of its operation. The verification steps below need no cooperation from the operator.",
    neutrality: "Operator statement — relationship to the claimant (to be completed by the operator):",
    declaration: "Declaration of a qualified person (28 U.S.C. § 1746 form): I declare under penalty of perjury under the laws of ____________ that I have verified, by the steps in section 8, that the file I examined has the SHA-256 digest stated above and that this digest is anchored as stated, and that the foregoing is true and correct.",
    signature: "Name, qualification: ______________________   Signature: ______________________   Date: ____________",
    s8: "8. How to verify with public tools (no PriorProof needed)",
    steps: (a: { sha: string; root: string; chainId: number; contract: string; block: number; hash: string; tx: string }) => [
      `Compute the file's SHA-256: "sha256sum FILE" (Linux/macOS) or "certutil -hashfile FILE SHA256" (Windows); it must equal ${a.sha}.`,
      "Rebuild the leaf: SHA-256(0x00 || 0x01 || SHA-256(file) || claim digest || salt), where || joins bytes, and fold the path of section 6 (RFC 9162 §2.1.3.2) to obtain the root.",
      `Find transaction ${a.tx} and block ${a.block} (hash ${a.hash}) on chain ${a.chainId} in two independent block explorers or any RPC node.`,
      `Call the contract's view verifyInclusion(leafHash, index, treeSize, path, root) at ${a.contract} (an explorer's "Read contract" tab, or "cast call"); it must return true and the anchoring time. getAnchor(${a.root.slice(0, 18)}…) returns the time, block and tree size.`,
      "RFC 3161 token (if any): extract token.tsr from this PDF's attachments and run: openssl ts -verify -digest <root hex without 0x> -token_in -in token.tsr -CAfile <TSA CA certificate>.",
      "Or run the open-source verifier: priorproof verify FILE receipt.json --rpc <RPC URL> (receipt.json is attached to this PDF), or open the verification page of the QR code.",
    ],
    offlineStep: (a: { chainId: number; block: number; hash: string }) =>
      `With no network: priorproof verify FILE receipt.json --offline checks the block header and receipt proof in receipt.json; the one fact left to look up is that block ${a.block} of chain ${a.chainId} has hash ${a.hash} (any explorer or RPC node; or --checkpoint ${a.hash} once confirmed).`,
    attachments: "Attached to this PDF: receipt.json (the machine-verifiable receipt) and, when present, the RFC 3161 token(s).",
    qr: "Scan to verify (the file is hashed in your browser, never uploaded):",
    generated: "Generated",
  },
  "zh-CN": {
    title: "电子证据时间戳证书",
    dev: "开发测试链 —— 不具有证据效力",
    summary: (sha: string, time: string, chain: string, block: number) => `SHA-256 摘要为下列数值的文件，最迟于 ${time}（${chain} 第 ${block} 号区块的时间，该文件摘要所在默克尔树的根记录于此区块）已经存在，并由提交方持有。`,
    certId: "证书编号", page: "页",
    s1: "一、文件（证据对象）", name: "提交时的文件名", size: "大小", media: "媒体类型", sha256: "SHA-256", sha3: "SHA3-256（第二种哈希算法）", cid: "IPFS CID", cidProfile: "CID 导入参数", bytes: "字节",
    s2: "二、声明 —— 由用户自行声明，未经任何人核实", claimNone: "提交该文件时未附声明。", cTitle: "标题", cKind: "资产类型", cAuthor: "作者", cClaimant: "权利主张人", cPrevious: "前一版本（SHA-256）", cAi: "AI 生成过程记录", cNote: "备注",
    s3: "三、服务记录", operator: "运营方", received: "服务收到时间（服务自身时钟 —— 并非时间证据）", requestId: "请求编号", software: "软件", issued: "回执签发时间",
    s4: "四、区块链存证（时间证据）", chain: "区块链", contract: "合约（EvidenceAnchor）", deployTx: "合约部署交易", tx: "存证交易", blockNumber: "区块高度", blockHash: "区块哈希", blockTime: "区块时间（UTC）", localTime: "区块时间（当地）", depth: "签发时确认数", final: "已最终确认", notFinal: "尚未最终确认", required: "为最终确认所需", explorer: "区块浏览器",
    offline: "离线证明", offlineValue: "receipt.json 中附有区块头与收据树证明：无需任何节点即可证明存证位于下列哈希的区块中",
    lookup: "唯一需查询的事实", lookupValue: (block: number, chainId: number, hash: string) => `链 ${chainId} 第 ${block} 号区块的哈希为 ${hash}`, explorerBlock: "查询地址",
    s5: "五、RFC 3161 可信时间戳（独立见证）", tsa: "时间戳机构", tsaIssuer: "时间戳证书签发者", tsaSerial: "时间戳证书序列号", tsaFp: "时间戳证书 SHA-256 指纹", genTime: "时间戳时间（genTime）", serial: "时间戳序列号", policy: "策略 OID", qualified: "合格时间戳（ETSI EN 319 422）", yes: "是", no: "否", stamped: "被加盖时间戳的数据（批次根）",
    s6: "六、包含性证明（RFC 9162 默克尔树，SHA-256）", leafEnc: "叶子编码", claimDigest: "声明摘要", salt: "叶子盐值（每条记录随机）", leafHash: "叶子哈希", index: "叶子序号", treeSize: "树大小", pathNode: "路径节点", root: "根（已上链）",
    s7: "七、声明",
    proves: "本证书证明：上述 SHA-256 摘要对应的文件，连同第二部分的声明，最迟于第四部分所列区块时间（如有第五部分，亦最迟于其时间戳时间）已经存在。文件改动任何一位都会改变摘要，因此其他文件无法与之匹配。",
    notProves: "本证书不证明：文件的创作者、文件或其任何权利的归属、文件已被公开或披露，亦不证明第二部分声明的真实性。服务收到时间不是证据。",
    practice: "系统说明与常规业务：PriorProof 将每个提交的摘要记入默克尔树，通过只记录一次且永不覆盖的合约将树根锚定于上述区块链，并在正常业务过程中依据该记录出具本证书。第八部分的核验步骤无需运营方配合。",
    neutrality: "运营方声明 —— 与权利主张人的关系（由运营方填写）：",
    declaration: "专业人员声明（参照 28 U.S.C. § 1746 格式）：本人依 ____________ 法律，如作伪证愿受处罚，声明本人已按第八部分步骤核验，所检查文件的 SHA-256 摘要与上述一致，且该摘要如上所述已上链存证，以上内容真实无误。",
    signature: "姓名及资质：______________________   签名：______________________   日期：____________",
    s8: "八、使用公开工具核验（无需 PriorProof）",
    steps: (a: { sha: string; root: string; chainId: number; contract: string; block: number; hash: string; tx: string }) => [
      `计算文件 SHA-256：Linux/macOS 执行 "sha256sum 文件"，Windows 执行 "certutil -hashfile 文件 SHA256"；结果应为 ${a.sha}。`,
      "重建叶子：SHA-256(0x00 || 0x01 || SHA-256(文件) || 声明摘要 || 盐值)（|| 表示字节拼接），并按 RFC 9162 §2.1.3.2 依次折叠第六部分的路径得到根。",
      `在两个独立的区块浏览器或任一 RPC 节点上查询链 ${a.chainId} 上的交易 ${a.tx} 与区块 ${a.block}（哈希 ${a.hash}）。`,
      `调用合约 ${a.contract} 的只读函数 verifyInclusion(leafHash, index, treeSize, path, root)（区块浏览器 "Read contract" 页或 "cast call"），应返回 true 及存证时间。`,
      "RFC 3161 时间戳（如有）：从本 PDF 附件中取出 token.tsr，执行 openssl ts -verify -digest <去掉 0x 的根> -token_in -in token.tsr -CAfile <时间戳机构 CA 证书>。",
      "或使用开源核验工具：priorproof verify 文件 receipt.json --rpc <RPC 地址>（receipt.json 已附于本 PDF），或扫描二维码打开核验页面。",
    ],
    offlineStep: (a: { chainId: number; block: number; hash: string }) =>
      `无网络时：执行 priorproof verify 文件 receipt.json --offline，核验 receipt.json 中的区块头与收据证明；唯一需查询的事实是链 ${a.chainId} 第 ${a.block} 号区块的哈希为 ${a.hash}（任一区块浏览器或 RPC 节点；确认后可用 --checkpoint ${a.hash}）。`,
    attachments: "本 PDF 附件：receipt.json（可机器核验的回执），以及（如有）RFC 3161 时间戳令牌。",
    qr: "扫码核验（文件仅在浏览器中计算哈希，不会上传）：",
    generated: "生成时间",
  },
} as const;

type Strings = (typeof TEXT)["en"] | (typeof TEXT)["zh-CN"];

/** Groups hex in blocks of 8 for reading aloud and comparing by eye. */
export function groupHex(hex: string): string {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  return (hex.startsWith("0x") ? "0x " : "") + (body.match(/.{1,8}/g) ?? []).join(" ");
}

/** Deterministic certificate id: the first 16 hex digits of SHA-256 of the canonical receipt. */
export function certificateId(receipt: Receipt): string {
  return createHash("sha256").update(canonicalJson(receipt)).digest("hex").slice(0, 16).toUpperCase();
}

function localTime(iso: string, zone: string | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone: zone, dateStyle: "long", timeStyle: "long" }).format(new Date(iso)) + ` (${zone})`;
  } catch {
    return undefined;
  }
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 50;
const TOP = A4.height - 70;
const BOTTOM = 60;

/**
 * Renders the certificate.
 *
 * @example
 * const pdf = await renderCertificate({ receipt, language: "en", verifyUrl, generatedAt: new Date(), software: "priorproof-server/0.1.0" });
 */
export async function renderCertificate(input: CertificateInput): Promise<Uint8Array> {
  const { receipt } = input;
  const t: Strings = TEXT[input.language];
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const bytes = fontBytes();
  const zh = input.language === "zh-CN";
  const font = await doc.embedFont(zh ? bytes.cjk : bytes.regular, { subset: true });
  // The CJK bold face loses glyphs when pdf-lib subsets it (a CFF subsetting defect), so Chinese
  // headings use the regular face, which subsets correctly (checked on the rendered pages).
  const bold = zh ? font : await doc.embedFont(bytes.bold, { subset: true });
  const mono = await doc.embedFont(bytes.mono, { subset: true });
  const id = certificateId(receipt);
  const evm = receipt.anchors.filter((a): a is EvmAnchor => a.type === "evm");
  const tsas = receipt.anchors.filter((a): a is Rfc3161Anchor => a.type === "rfc3161");
  const first = evm[0];
  const development = evm.some((a) => a.development);
  const width = A4.width - 2 * MARGIN;

  let page: PDFPage = doc.addPage([A4.width, A4.height]);
  let y = TOP;
  const newPage = () => {
    page = doc.addPage([A4.width, A4.height]);
    y = TOP;
  };
  const need = (h: number) => {
    if (y - h < BOTTOM) newPage();
  };
  /** Splits text into lines that fit `w` (by words; by characters for CJK, mono or long tokens). */
  const widths = new Map<PDFFont, Map<string, number>>();
  const widthOf = (tok: string, f: PDFFont, size: number): number => {
    let m = widths.get(f);
    if (!m) {
      m = new Map();
      widths.set(f, m);
    }
    let w = m.get(tok);
    if (w === undefined) {
      // Measured once per token at size 1: fontkit layout is slow for CJK, and lines are measured often.
      w = f.widthOfTextAtSize(tok, 1);
      m.set(tok, w);
    }
    return w * size;
  };
  const wrap = (text: string, f: PDFFont, size: number, w: number): string[] => {
    const lines: string[] = [];
    for (const paragraph of text.split("\n")) {
      let line = "";
      let lineW = 0;
      // Words (grouped hex wraps between groups); CJK text, which has no spaces, by characters.
      const tokens = zh && f !== mono ? [...paragraph] : paragraph.split(/(\s+)/).filter((x) => x !== "");
      for (const tok of tokens) {
        const tw = widthOf(tok, f, size);
        if (lineW + tw <= w) {
          line += tok;
          lineW += tw;
          continue;
        }
        if (line.trim() !== "") lines.push(line.trimEnd());
        line = "";
        lineW = 0;
        if (tw <= w) {
          if (tok.trim() !== "") {
            line = tok;
            lineW = tw;
          }
          continue;
        }
        for (const ch of tok) {
          const cw = widthOf(ch, f, size);
          if (lineW + cw > w && line) {
            lines.push(line);
            line = "";
            lineW = 0;
          }
          line += ch;
          lineW += cw;
        }
      }
      lines.push(line.trimEnd());
    }
    return lines;
  };
  // Characters a font lacks print as "?" rather than as nothing (a user's claim may hold any script).
  const charsets = new Map<PDFFont, Set<number>>();
  const safe = (text: string, f: PDFFont) => {
    let set = charsets.get(f);
    if (!set) {
      set = new Set(f.getCharacterSet());
      charsets.set(f, set);
    }
    const known = set;
    return [...text].map((ch) => (known.has(ch.codePointAt(0)!) || ch === "\n" ? ch : "?")).join("");
  };
  const para = (text: string, opts: { size?: number; f?: PDFFont; color?: ReturnType<typeof rgb>; indent?: number; gap?: number; right?: number } = {}) => {
    const size = opts.size ?? 9.5;
    const f = opts.f ?? font;
    const lines = wrap(safe(text, f), f, size, width - (opts.indent ?? 0) - (opts.right ?? 0));
    for (const line of lines) {
      need(size + 4);
      page.drawText(line, { x: MARGIN + (opts.indent ?? 0), y, size, font: f, color: opts.color ?? rgb(0.1, 0.1, 0.12) });
      y -= size + 3.5;
    }
    y -= opts.gap ?? 3;
  };
  const heading = (text: string) => {
    need(40);
    y -= 8;
    page.drawText(safe(text, bold), { x: MARGIN, y, size: 12, font: bold, color: rgb(0.07, 0.2, 0.45) });
    y -= 5;
    page.drawLine({ start: { x: MARGIN, y }, end: { x: MARGIN + width, y }, thickness: 0.6, color: rgb(0.07, 0.2, 0.45) });
    y -= 13;
  };
  /** A labelled value; `hex` values go in the monospace font, grouped. */
  const field = (label: string, value: string | number | undefined | null, opts: { hex?: boolean; mono?: boolean } = {}) => {
    if (value === undefined || value === null || value === "") return;
    const text = opts.hex ? groupHex(String(value)) : String(value);
    const labelW = 170;
    const f = opts.hex || opts.mono ? mono : font;
    const size = opts.hex ? 8.6 : 9.5;
    const labelLines = wrap(safe(label, font), font, 8.5, labelW - 8);
    const valueLines = wrap(safe(text, f), f, size, width - labelW);
    const h = Math.max(labelLines.length * 11, valueLines.length * (size + 3.5));
    need(h + 2);
    labelLines.forEach((l, i) => page.drawText(l, { x: MARGIN, y: y - i * 11, size: 8.5, font, color: rgb(0.35, 0.37, 0.42) }));
    valueLines.forEach((l, i) => page.drawText(l, { x: MARGIN + labelW, y: y - i * (size + 3.5), size, font: f, color: rgb(0.05, 0.05, 0.08) }));
    y -= h + 3;
  };

  // Title and summary.
  page.drawText(safe(t.title, bold), { x: MARGIN, y, size: 19, font: bold, color: rgb(0.07, 0.2, 0.45) });
  y -= 24;
  if (development) {
    page.drawRectangle({ x: MARGIN, y: y - 6, width, height: 20, color: rgb(0.98, 0.86, 0.86) });
    page.drawText(safe(t.dev, bold), { x: MARGIN + 8, y: y, size: 10.5, font: bold, color: rgb(0.64, 0.07, 0.1) });
    y -= 28;
  }
  const time = first ? first.blockTime : tsas[0]?.genTime ?? "";
  const summaryTime = `${time.replace("T", " ").replace("Z", " UTC")}`;
  const summaryTop = y + 4;
  y -= 14;
  para(t.summary(receipt.subject.sha256, summaryTime, first ? `${first.chainName} (chain id ${first.chainId})` : "the RFC 3161 authority", first?.blockNumber ?? 0), { size: 10.5, indent: 12, right: 12, f: font });
  para(groupHex(receipt.subject.sha256), { size: 10, f: mono, indent: 12, right: 12, gap: 4 });
  page.drawRectangle({ x: MARGIN, y: y, width, height: summaryTop - y, borderColor: rgb(0.07, 0.2, 0.45), borderWidth: 1 });
  y -= 18;

  // QR code to the verification page.
  const qrPng = await QRCode.toBuffer(input.verifyUrl, { errorCorrectionLevel: "M", margin: 2, width: 360 });
  const qr = await doc.embedPng(qrPng);
  need(120);
  page.drawImage(qr, { x: MARGIN + width - 100, y: y - 100, width: 100, height: 100 });
  const qrTop = y;
  // Text stays clear of the code and its quiet zone, so that phones decode it.
  para(t.qr, { size: 9, right: 120 });
  para(input.verifyUrl, { size: 8, f: mono, right: 120 });
  y = Math.min(y, qrTop - 110);

  heading(t.s1);
  field(t.name, receipt.subject.name);
  field(t.size, receipt.subject.size !== undefined ? `${receipt.subject.size.toLocaleString("en-US")} ${t.bytes}` : undefined);
  field(t.media, receipt.subject.mediaType);
  field(t.sha256, receipt.subject.sha256, { hex: true });
  field(t.sha3, receipt.subject.sha3_256, { hex: true });
  field(t.cid, receipt.subject.cid, { mono: true });
  field(t.cidProfile, receipt.subject.cidProfile);

  heading(t.s2);
  const c = receipt.claim;
  if (!c) para(t.claimNone);
  else {
    field(t.cTitle, c.title);
    field(t.cKind, c.kind);
    field(t.cAuthor, c.author);
    field(t.cClaimant, c.claimant);
    field(t.cPrevious, c.previous, { hex: true });
    field(t.cAi, c.aiProcess ? JSON.stringify(c.aiProcess) : undefined);
    field(t.cNote, c.note);
  }

  heading(t.s3);
  field(t.operator, receipt.service.operator);
  field(t.received, receipt.service.receivedAt);
  field(t.requestId, receipt.service.requestId);
  field(t.software, receipt.service.software);
  field(t.issued, receipt.issuedAt);

  heading(t.s4);
  for (const a of evm) {
    field(t.chain, `${a.chainName} — chain id ${a.chainId}${a.development ? ` — ${t.dev}` : ""}`);
    field(t.contract, a.contract, { hex: true });
    field(t.deployTx, a.deployTxHash, { hex: true });
    field(t.tx, a.txHash, { hex: true });
    field(t.blockNumber, a.blockNumber);
    field(t.blockHash, a.blockHash, { hex: true });
    field(t.blockTime, a.blockTime);
    field(t.localTime, localTime(a.blockTime, input.organisationTimeZone));
    field(t.depth, `${a.confirmations} (${a.confirmations >= a.requiredConfirmations ? t.final : t.notFinal}; ${a.requiredConfirmations} ${t.required})`);
    if (a.explorerUrl) field(t.explorer, `${a.explorerUrl.replace(/\/$/, "")}/tx/${a.txHash}`);
    if (a.inclusion) {
      // The header and receipt proof settle everything but the block hash: print that one fact plainly.
      field(t.offline, t.offlineValue);
      field(t.lookup, t.lookupValue(a.blockNumber, a.chainId, a.blockHash));
      if (a.explorerUrl) field(t.explorerBlock, `${a.explorerUrl.replace(/\/$/, "")}/block/${a.blockNumber}`);
    }
    y -= 6;
  }

  if (tsas.length > 0) {
    heading(t.s5);
    for (const a of tsas) {
      field(t.tsa, a.tsa.subject);
      field(t.tsaIssuer, a.tsa.issuer);
      field(t.tsaSerial, a.tsa.serial, { hex: true });
      field(t.tsaFp, a.tsa.sha256Fingerprint, { hex: true });
      field(t.genTime, a.genTime);
      field(t.serial, a.serial, { hex: true });
      field(t.policy, a.policy);
      field(t.qualified, a.qualified ? t.yes : t.no);
      field(t.stamped, a.proof.root, { hex: true });
      y -= 6;
    }
  }

  heading(t.s6);
  const proof = (first ?? tsas[0])!.proof;
  field(t.leafEnc, receipt.leaf.encoding);
  field(t.claimDigest, receipt.leaf.claimSha256 ?? "—", { hex: receipt.leaf.claimSha256 !== null });
  field(t.salt, receipt.leaf.salt, { hex: true });
  field(t.leafHash, receipt.leaf.hash, { hex: true });
  field(t.index, proof.index);
  field(t.treeSize, proof.treeSize);
  proof.path.forEach((n, i) => field(`${t.pathNode} ${i + 1} / ${proof.path.length}`, n, { hex: true }));
  field(t.root, proof.root, { hex: true });

  heading(t.s7);
  para(t.proves);
  para(t.notProves);
  para(t.practice);
  para(`${t.operator}: ${receipt.service.operator}`);
  para(t.neutrality);
  para("________________________________________________________________________________", { f: font });
  para("________________________________________________________________________________", { f: font, gap: 8 });
  para(t.declaration);
  y -= 10;
  para(t.signature, { gap: 8 });

  heading(t.s8);
  const steps: string[] = [...t.steps({ sha: receipt.subject.sha256, root: proof.root, chainId: first?.chainId ?? 0, contract: first?.contract ?? "", block: first?.blockNumber ?? 0, hash: first?.blockHash ?? "", tx: first?.txHash ?? "" })];
  if (first?.inclusion) steps.splice(2, 0, t.offlineStep({ chainId: first.chainId, block: first.blockNumber, hash: first.blockHash }));
  steps.forEach((s, i) => para(`${i + 1}. ${s}`, { indent: 0 }));
  para(t.attachments, { gap: 6 });
  para(`${t.generated}: ${input.generatedAt.toISOString()} — ${input.software}`, { size: 8, color: rgb(0.4, 0.4, 0.45) });

  // Header and footer on every page: certificate id, page x / y, the digest, and the dev-chain label.
  const pages = doc.getPages();
  pages.forEach((p, i) => {
    const footer = `${t.certId} ${id} — ${t.page} ${i + 1} / ${pages.length}`;
    p.drawText(safe(footer, font), { x: MARGIN, y: 30, size: 8, font, color: rgb(0.35, 0.37, 0.42) });
    p.drawText(groupHex(receipt.subject.sha256), { x: MARGIN, y: 20, size: 6.5, font: mono, color: rgb(0.45, 0.47, 0.52) });
    p.drawText(safe(`${t.title} — ${t.certId} ${id}`, font), { x: MARGIN, y: A4.height - 35, size: 8, font, color: rgb(0.35, 0.37, 0.42) });
    if (development && i > 0) p.drawText(safe(t.dev, bold), { x: MARGIN + width - bold.widthOfTextAtSize(safe(t.dev, bold), 8), y: A4.height - 35, size: 8, font: bold, color: rgb(0.64, 0.07, 0.1) });
  });

  // The machine-verifiable proof travels with the printed one.
  await doc.attach(new TextEncoder().encode(JSON.stringify(receipt, null, 2)), "receipt.json", {
    mimeType: "application/json", description: "PriorProof receipt (priorproof-receipt/1)", creationDate: input.generatedAt, modificationDate: input.generatedAt, afRelationship: AFRelationship.Source,
  });
  for (const [i, a] of tsas.entries()) {
    await doc.attach(Buffer.from(a.token, "base64"), tsas.length > 1 ? `token-${i + 1}.tsr` : "token.tsr", {
      mimeType: "application/timestamp-reply", description: `RFC 3161 time-stamp token from ${a.tsa.subject}`, creationDate: input.generatedAt, modificationDate: input.generatedAt, afRelationship: AFRelationship.Supplement,
    });
  }
  doc.setTitle(`${t.title} ${id}`);
  doc.setAuthor(receipt.service.operator);
  doc.setSubject(`SHA-256 ${receipt.subject.sha256}`);
  doc.setKeywords(["PriorProof", "timestamp", "evidence", receipt.subject.sha256, ...(first ? [first.txHash] : [])]);
  doc.setCreator(input.software);
  doc.setProducer(`${input.software} (pdf-lib)`);
  doc.setCreationDate(input.generatedAt);
  doc.setModificationDate(input.generatedAt);
  doc.setLanguage(input.language);
  return doc.save({ useObjectStreams: false });
}
