/**
 * The words of a web capture's section (docs/capture.md, "Certificate of a capture"), per language. Kept
 * apart from i18n.ts: only a certificate whose entry stamps a capture manifest uses them.
 */
import { CAPTURE_STATEMENTS } from "../capture/facts.ts";
import type { CertificateLanguage, Ref } from "./i18n.ts";

export interface CaptureStrings {
  /** The headline's second sentence: the file is a capture's manifest. */
  readonly headline: (url: string, ref: Ref) => string;
  readonly intro: string;
  readonly l: {
    url: string;
    finalUrl: string;
    redirect: (n: number) => string;
    httpStatus: string;
    title: string;
    outcome: string;
    notes: string;
    tlsSubject: string;
    tlsIssuer: string;
    tlsProtocol: string;
    tlsValidity: string;
    tlsChain: (n: number, total: number) => string;
    tlsNone: string;
    remote: string;
    dns: string;
    started: string;
    finished: string;
    clock: string;
    serverDate: string;
    browser: string;
    userAgent: string;
    viewport: string;
    manifestVersion: string;
    manifestSha256: string;
    manifestCid: string;
    previous: string;
    previousNone: string;
    screenshot: string;
    parts: string;
    partSize: string;
    partMedia: string;
    partSha256: string;
    partCid: string;
    partWhere: string;
    attached: (name: string) => string;
    notAttached: string;
    notStored: string;
  };
  readonly outcome: Record<"complete" | "timeout" | "truncated", string>;
  readonly screenshotCaption: (a: { width: number; height: number; scale: number; cropped: boolean }) => string;
  readonly screenshotMissing: string;
  /** How one part is checked by hand. */
  readonly partCheck: (name: string, sha256: string) => string;
  readonly statements: readonly string[];
  /** The capture's verification step (section "verify"). */
  readonly step: (ref: Ref) => string;
  /** What the PDF carries for a capture (after the usual attachments sentence). */
  readonly attachments: string;
  /** One sentence per jurisdiction pack: where the capture's making is described. */
  readonly pack: (ref: Ref) => string;
}

const pct = (scale: number) => `${Math.round(scale * 1000) / 10}%`;

export const CAPTURE_EN: CaptureStrings = {
  headline: (url, ref) =>
    `That file is the manifest of a web capture of ${url}: the record, made by this service's browser, of what that address returned; each part it ` +
    `lists is bound by its SHA-256 (${ref("capture")}).`,
  intro:
    "The file certified here is the manifest (priorproof-capture/1, canonical JSON) of a web capture: a fresh headless Chromium loaded the address " +
    "below and recorded a full-page screenshot, the page as MHTML and as DOM, every network response with the SHA-256 of its body, and the TLS " +
    "certificate chain. The manifest lists each part by size and SHA-256, so the anchor of the manifest covers every part.",
  l: {
    url: "Address requested",
    finalUrl: "Address shown (after redirects)",
    redirect: (n) => `Redirect ${n}`,
    httpStatus: "HTTP status of the page",
    title: "Page title (as the site set it)",
    outcome: "Outcome",
    notes: "Notes",
    tlsSubject: "TLS certificate subject",
    tlsIssuer: "TLS certificate issuer",
    tlsProtocol: "TLS protocol",
    tlsValidity: "TLS certificate validity",
    tlsChain: (n, total) => `TLS chain certificate ${n} / ${total} (SHA-256 of DER)`,
    tlsNone: "none (the page was fetched without TLS)",
    remote: "Connected to (IP and port)",
    dns: "DNS answer before loading",
    started: "Capture started (capturing host's clock — not the evidence of time)",
    finished: "Capture finished (same clock)",
    clock: "Clock source (as the manifest records it)",
    serverDate: "Date header sent by the site",
    browser: "Browser",
    userAgent: "User agent",
    viewport: "Viewport (CSS pixels)",
    manifestVersion: "Manifest format",
    manifestSha256: "Manifest SHA-256 (= the file's SHA-256)",
    manifestCid: "Manifest IPFS CID",
    previous: "Previous capture of the address (manifest SHA-256)",
    previousNone: "none (first capture of this address by this account)",
    screenshot: "Screenshot",
    parts: "Parts listed in the manifest",
    partSize: "Size",
    partMedia: "Media type",
    partSha256: "SHA-256",
    partCid: "IPFS CID",
    partWhere: "Where to get it",
    attached: (name) => `attached to this PDF as ${name}`,
    notAttached:
      "not attached (too large for this PDF): fetch it by its CID — from the service with the submitting account's key (GET /ipfs/<CID>), or from " +
      "any IPFS node holding it",
    notStored: "not stored by the service (IPFS failed at capture time)",
  },
  outcome: {
    complete: "complete: the page loaded within the budgets",
    timeout: "timeout: captured as it stood when the time budget ran out",
    truncated: "truncated: captured as it stood when the size budget ran out",
  },
  screenshotCaption: (a) =>
    `The captured screenshot (screenshot.png), scaled to ${a.width} × ${a.height} pixels (${pct(a.scale)} of its width)` +
    (a.cropped ? "; only the top of the page is printed — the whole page is in the part itself" : "") +
    `. The printed image is an illustration: the evidence is the part with the SHA-256 listed below.`,
  screenshotMissing: "The screenshot could not be read from the service's storage when this certificate was issued; the part and its SHA-256 are listed below.",
  partCheck: (name, sha256) => `sha256sum ${name} (Windows: certutil -hashfile ${name} SHA256) must print ${sha256.replace(/^0x/, "")}`,
  statements: CAPTURE_STATEMENTS,
  step: (ref) =>
    `Web capture: save this PDF's attachments (pdfdetach -saveall certificate.pdf) into a folder, add any part not attached (fetched by its ` +
    `CID, ${ref("capture")}), and run priorproof verify-capture FOLDER --rpc <RPC URL> (or give it this PDF itself: priorproof verify-capture ` +
    `certificate.pdf --rpc <RPC URL>): it checks every part's size and SHA-256 against manifest.json, and the manifest against receipt.json. By ` +
    `hand: sha256sum manifest.json must give the digest of ${ref("subject")}, and each part the SHA-256 listed in ${ref("capture")}.`,
  attachments: "For the web capture: manifest.json (the file certified) and the parts listed as attached in the capture section, under their own names.",
  pack: (ref) =>
    `The file is the record of a web capture made by an automated process (a headless browser run by this service): how the page was fetched and ` +
    `what was recorded — address, redirects, TLS certificate, connection, browser, times and every part's digest — is in ${ref("capture")}.`,
};

export const CAPTURE_ZH: CaptureStrings = {
  headline: (url, ref) =>
    `该文件是对 ${url} 的网页取证清单：由本服务的浏览器记录该地址所返回的内容；清单所列每一组成部分均以其 SHA-256 摘要绑定（见${ref("capture")}）。`,
  intro:
    "本证书所证明的文件是一次网页取证的清单（priorproof-capture/1，规范化 JSON）：全新启动的无界面 Chromium 浏览器加载下列地址，记录整页截图、MHTML 与 DOM 形式的网页、每一个网络响应及其响应体的 SHA-256 摘要，以及 TLS " +
    "证书链。清单逐一列明各组成部分的大小与 SHA-256 摘要，因此清单的上链存证涵盖每一组成部分。",
  l: {
    url: "请求的地址",
    finalUrl: "最终显示的地址（重定向之后）",
    redirect: (n) => `第 ${n} 次重定向`,
    httpStatus: "网页的 HTTP 状态码",
    title: "网页标题（由网站设定）",
    outcome: "结果",
    notes: "说明",
    tlsSubject: "TLS 证书主体",
    tlsIssuer: "TLS 证书签发者",
    tlsProtocol: "TLS 协议",
    tlsValidity: "TLS 证书有效期",
    tlsChain: (n, total) => `TLS 证书链第 ${n} 张（共 ${total} 张；DER 的 SHA-256）`,
    tlsNone: "无（该网页未经 TLS 取得）",
    remote: "连接的地址（IP 与端口）",
    dns: "加载前的 DNS 解析结果",
    started: "取证开始（取证主机时钟 —— 并非时间证据）",
    finished: "取证结束（同一时钟）",
    clock: "时钟来源（清单原文）",
    serverDate: "网站发送的 Date 头",
    browser: "浏览器",
    userAgent: "用户代理",
    viewport: "视口（CSS 像素）",
    manifestVersion: "清单格式",
    manifestSha256: "清单 SHA-256（即该文件的 SHA-256）",
    manifestCid: "清单 IPFS CID",
    previous: "该地址的前一次取证（清单 SHA-256）",
    previousNone: "无（本账户对该地址的首次取证）",
    screenshot: "截图",
    parts: "清单所列组成部分",
    partSize: "大小",
    partMedia: "媒体类型",
    partSha256: "SHA-256",
    partCid: "IPFS CID",
    partWhere: "取得方式",
    attached: (name) => `作为 ${name} 附于本 PDF`,
    notAttached: "未附于本 PDF（文件过大）：凭其 CID 取得 —— 使用提交账户的密钥向本服务请求（GET /ipfs/〈CID〉），或从任一存有该内容的 IPFS 节点取得",
    notStored: "服务未保存（取证时 IPFS 存储失败）",
  },
  outcome: { complete: "完整：网页在预算内加载完毕", timeout: "超时：按时间预算用尽时的状态取证", truncated: "截断：按数据量预算用尽时的状态取证" },
  screenshotCaption: (a) =>
    `取证截图（screenshot.png），缩放至 ${a.width} × ${a.height} 像素（宽度的 ${pct(a.scale)}）${a.cropped ? "；此处仅印出网页顶部 —— 整页见该组成部分本身" : ""}。印出的图像仅供参考：证据是下列 SHA-256 所对应的组成部分。`,
  screenshotMissing: "签发本证书时未能从服务存储中读取截图；该组成部分及其 SHA-256 列于下文。",
  partCheck: (name, sha256) => `sha256sum ${name}（Windows：certutil -hashfile ${name} SHA256）的输出应为 ${sha256.replace(/^0x/, "")}`,
  statements: [
    "本次取证显示本服务的浏览器在所述时间、经其所用网络路径，从所列地址收到的内容；它不表明谁控制该网站，也不表明其他访问者看到相同内容。",
    "取证时间来自取证主机的时钟，并非时间证据：时间证据是清单回执的上链存证。",
    "每一组成部分以其 SHA-256 摘要对照清单核验；清单对照其回执核验（priorproof verify-capture）。",
  ],
  step: (ref) =>
    `网页取证：将本 PDF 的附件保存到一个文件夹（pdfdetach -saveall certificate.pdf），补入未附的组成部分（凭${ref("capture")}所列 CID 取得），然后执行 priorproof verify-capture 文件夹 --rpc ` +
    `〈RPC 地址〉（或直接对本 PDF 执行 priorproof verify-capture certificate.pdf --rpc 〈RPC 地址〉）：它对照 manifest.json 核验每一组成部分的大小与 SHA-256，并对照 receipt.json ` +
    `核验清单。手工核验：sha256sum manifest.json 的结果应为${ref("subject")}的摘要，各组成部分的结果应为${ref("capture")}所列 SHA-256。`,
  attachments: "网页取证另附：manifest.json（所证明的文件），以及取证部分中注明已附的各组成部分（沿用其原名）。",
  pack: (ref) =>
    `该文件是由自动化程序（本服务运行的无界面浏览器）所作网页取证的记录：网页如何取得及所记录的内容 —— 地址、重定向、TLS 证书、连接、浏览器、时间及每一组成部分的摘要 —— 见${ref("capture")}。`,
};

export const CAPTURE_STRINGS: Record<CertificateLanguage, CaptureStrings> = { en: CAPTURE_EN, "zh-CN": CAPTURE_ZH };
