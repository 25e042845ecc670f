/**
 * Simplified Chinese. Latin script appears only in hashes, addresses, URLs, commands, proper names and
 * the technical tokens listed in ZH_ALLOWED_LATIN (a test fails on any other Latin word).
 */
import { GET_ANCHOR, VERIFY_INCLUSION } from "./contract.ts";
import type { Strings } from "./i18n.ts";

const CN_DIGITS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
/** 1 → 一, 12 → 十二, 20 → 二十 (sections never reach 100). */
export function chineseNumber(n: number): string {
  if (n < 10) return CN_DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? "" : CN_DIGITS[tens]}十${ones === 0 ? "" : CN_DIGITS[ones]}`;
}

/**
 * Latin-script tokens the Chinese certificate keeps as they are: algorithm and standard names, file and
 * program names, command options, contract functions and legal citations.
 */
export const ZH_ALLOWED_LATIN = [
  "SHA-256", "SHA3-256", "SHA256", "IPFS", "CID", "RFC", "UTC", "PDF", "PDF/A-3", "JSON", "RPC", "ETSI", "EN", "OID", "AI", "EVM",
  "PriorProof", "EvidenceAnchor", "Anchored", "eIDAS", "SF/T", "U.S.C.", "Linux", "macOS", "Windows",
  "sha256sum", "certutil", "-hashfile", "openssl", "ts", "-verify", "-digest", "-in", "-CAfile", "pdfdetach", "-saveall", "pkcs7", "-inform", "DER", "-print_certs", "-out", "tsa.pem", "-token_in", "-untrusted",
  "priorproof", "verify", "--rpc", "--offline", "--checkpoint", "receipt.json", "token.tsr", "docs/verify-by-hand.md",
  "eth_getTransactionReceipt", "eth_getBlockByHash", "eth_call", "verifyInclusion", "getAnchor",
  "bytes32", "uint256", "uint64", "bool", "leafHash", "index", "treeSize", "path", "root", "included", "anchoredAt",
  "timestamp", "blockNumber", "OPERATOR", "PUBLIC_URL", "UTF-8", "GMT",
  // Member names of the certificate-number recipe (canonical JSON, printed verbatim).
  "entry", "sha256", "leaf", "anchors", "type", "evm", "rfc3161", "chainId", "txHash", "serial",
] as const;

const ref = (n: number) => `第${chineseNumber(n)}部分`;

export const ZH_CN: Strings = {
  title: "电子证据时间戳证书",
  lineageTitle: "电子证据时间戳证书 —— 版本沿革",
  portfolioTitle: "电子证据清单报告",
  dev: "开发测试链 —— 不具有证据效力",
  summary: (a) =>
    `SHA-256 摘要为下列数值的文件，最迟于 ${a.bound}（UTC）已经存在 —— 见证为${a.witness}；该时间界限的计算见${a.ref("anchors")}。该文件由本服务的账户“${a.tenant}”提交${a.claimant ? `；其声明的权利主张人为“${a.claimant}”（自行声明，未经核实：见${a.ref("claim")}）` : ""}。`,
  certId: "证书编号",
  page: "页",
  sectionTitle: (n, title) => `${chineseNumber(n)}、${title}`,
  sectionRef: ref,
  heads: {
    subject: "文件（证据对象）",
    claim: "声明 —— 由提交方自行声明，未经任何人核实",
    signature: "对声明的签名",
    service: "服务记录（提交账户与服务收到时间）",
    anchors: "区块链存证（时间证据）",
    tsa: "RFC 3161 可信时间戳（独立见证）",
    proof: "包含性证明（RFC 9162 默克尔树，SHA-256）",
    lineage: "先前版本（版本沿革）",
    statements: "声明事项",
    jurisdiction: "",
    verify: "使用公开工具核验（无需 PriorProof）",
    identity: "证书编号所标识的对象",
  },
  kinds: { design: "外观设计", trademark: "商标", "ai-image": "AI 生成图像", source: "源代码", other: "其他" },
  chainLabel: (name, chainId, development) => `${name === `链 ${chainId} ` ? `链 ${chainId}` : `${name} —— 链编号 ${chainId}`}${development ? " —— 开发测试链，不具有证据效力" : ""}`,
  unnamedChain: (chainId) => `链 ${chainId} `,
  operatorUnset: "未配置（本实例未设置 OPERATOR）",
  witnessEvm: (block, chain) => `${chain}第 ${block} 号区块`,
  witnessTsa: (tsa) => `时间戳机构 ${tsa} 的 RFC 3161 时间戳`,
  bytes: "字节",
  yes: "是",
  no: "否",
  none: "无",
  truncated: "（此处为节选；全文见附件 receipt.json）",
  newlineNote: "¶ 表示提交文本中的换行。",
  l: {
    name: "提交时的文件名", size: "大小", media: "媒体类型", sha256: "SHA-256", sha3: "SHA3-256（第二种哈希算法）", cid: "IPFS CID", cidProfile: "CID 导入参数", stored: "服务是否保存文件内容",
    storedYes: "是（除非提交账户公开，否则仅该账户可访问）", storedNo: "否（仅提交哈希：文件从未离开提交方）",
    storedEncrypted: "是，由提交方在上传前加密（priorproof-aead/1，AES-256-GCM）；服务从未持有密钥",
    cidEncrypted: "IPFS CID（加密后内容）",
    encryptedNote: "上述摘要为原始文件的摘要：它们是证据，已在链上承诺，验证者依据原始文件核对。服务仅保存了加密后的内容（以 IPFS CID 标识），无法读取。持有提交方密钥者可按该 CID 取回加密内容并解密，所得文件的 SHA-256 与上述值一致。",
    cTitle: "标题", cKind: "资产类型", cAuthor: "作者", cClaimant: "权利主张人", cPrevious: "前一版本（SHA-256）", cAi: "AI 生成过程记录", cNote: "备注", claimNone: "提交该文件时未附声明。",
    aiKey: "项目", aiValue: "内容",
    sigFormat: "签名格式", sigSignedAt: "签名时间（签名人自述）", sigSigner: "签名人", sigChain: "签名人链编号", sigValue: "签名值", sigNote: "签名由核验方依其自行选定的信任锚核验；本页仅予以转录。",
    sigSubject: "签名人（证书主体）", sigIssuer: "签发者", sigSerial: "证书序列号", sigValidity: "证书有效期", sigTrust: "信任锚",
    sigTrusted: (anchor, at) => `${anchor}（本服务配置的签名人 CA），证书按 ${at} 的时间判断`,
    sigUntrusted: "本服务未配置：签名对摘要与声明成立，但签名人证书的签发者须由核验方依其自选的 CA 判断",
    sigInvalid: (code) => `签发本证书时签名未通过核验（${code}）。`,
    operator: "运营方", submittedBy: "提交账户（本服务的账户）", submittedByNote: "调用本服务的账户，由服务记录；不同于自行声明的权利主张人，亦不同于任何签名人", received: "服务收到时间（服务自身时钟 —— 并非时间证据）", requestId: "请求编号", software: "软件", issued: "回执签发时间", certificateIssued: "证书签发时间",
    chain: "区块链", contract: "合约（EvidenceAnchor）", deployTx: "合约部署交易", tx: "存证交易", blockNumber: "区块高度", blockHash: "区块哈希", blockTime: "区块时间（UTC，由出块者设定）", localTime: "区块时间（当地）",
    bound: "最迟存在时间（UTC，保守界限）", depth: "签发时确认数", final: "已最终确认", notFinal: "尚未最终确认", required: "为最终确认所需", explorer: "区块浏览器",
    offline: "离线证明", offlineValue: "receipt.json 中附有区块头与收据树证明：无需任何节点即可证明存证位于下列哈希的区块中",
    lookup: "唯一需查询的事实", lookupValue: (block, chainId, hash) => `链 ${chainId} 第 ${block} 号区块的哈希为 ${hash}`, explorerBlock: "查询地址",
    tsa: "时间戳机构", tsaIssuer: "时间戳证书签发者", tsaSerial: "时间戳证书序列号", tsaFp: "时间戳证书 SHA-256 指纹", genTime: "时间戳生成时间", serial: "时间戳序列号", policy: "策略 OID", qualified: "合格时间戳（ETSI EN 319 422），依回执所述", stamped: "被加盖时间戳的数据（批次根）",
    proofOf: (chain) => `${chain}的证明`, leafEnc: "叶子编码", claimDigest: "声明摘要", salt: "叶子盐值（每条记录随机）", leafHash: "叶子哈希", index: "叶子序号", treeSize: "树大小", pathNode: "路径节点", root: "根（已上链）",
    version: "版本", versionOf: (n, total) => `第 ${n} 版（共 ${total} 版）`, thisVersion: "本文件的证据对象", entry: "记录", status: "状态", anchorsCol: "存证",
  },
  timeWhy: (tol, received) =>
    `界限晚于区块时间的原因：区块时间是出块者在本链 ${tol} 秒容差内选定的整秒，而服务于 ${received} 收到该文件，因此界限取区块时间加上该容差，且不早于服务为该记录登记的任何时间，并向上取整到秒。`,
  tsaTime: "RFC 3161 时间戳的生成时间来自时间戳机构自身的时钟；界限仅在服务收到时间更晚时取后者。",
  statements: {
    proves: (r) => `本证书证明：${r("subject")}所列 SHA-256 摘要对应的文件，连同${r("claim")}的声明，最迟于${r("anchors")}所述界限时间已经存在。文件改动任何一位都会改变摘要，因此其他文件无法与之匹配。`,
    notProves: (r) => `本证书不证明：文件的创作者、文件或其任何权利的归属、文件已被公开或披露，亦不证明${r("claim")}声明的真实性。服务收到时间不是时间证据。`,
    submitted: (tenant, r) => `谁持有该文件：账户“${tenant}”向本服务提交了该摘要（见${r("service")}）。这是服务对其客户的记录，并非关于文件创作者或权利人的陈述。`,
    practice: (r) => `系统说明与常规业务：PriorProof 将每个提交的摘要记入默克尔树，通过只记录一次且永不覆盖的合约将树根锚定于${r("anchors")}所列区块链，并在正常业务过程中依据该记录出具本证书。${r("verify")}的核验步骤无需运营方配合。`,
    operatorLine: (operator) => `本服务运营方：${operator}。`,
    neutrality: "运营方声明 —— 与权利主张人及提交账户的关系（由运营方填写并签名）：",
  },
  steps: (a, r) => [
    `计算文件的 SHA-256：Linux 或 macOS 执行 “sha256sum 文件”，Windows 执行 “certutil -hashfile 文件 SHA256”；结果应为 ${a.sha}。`,
    `重建叶子：${a.leafEncoding === "priorproof-leaf/2" ? "SHA-256(0x00 || 0x02 || SHA-256(文件) || SHA3-256(文件) || 声明摘要 || 签名摘要 || 盐值)（缺少的摘要为 32 个零字节）" : "SHA-256(0x00 || 0x01 || SHA-256(文件) || 声明摘要 || 盐值)"}（|| 表示字节拼接），结果应等于${r("proof")}的叶子哈希；再按 RFC 9162 §2.1.3.2 依次折叠${r("proof")}的路径，得到根 ${a.root}。`,
    `在两个独立的区块浏览器或任一 RPC 节点上查询链 ${a.chainId} 上的交易 ${a.tx} 与区块 ${a.block}（哈希 ${a.hash}）：eth_getTransactionReceipt 应显示状态为 1，并含合约 ${a.contract} 发出、载有该根的 Anchored 日志；eth_getBlockByHash 给出区块时间。`,
    `调用合约 ${a.contract} 的只读函数 verifyInclusion(bytes32 leafHash, uint256 index, uint256 treeSize, bytes32[] path, bytes32 root)，选择器 ${VERIFY_INCLUSION.selector}（区块浏览器的合约读取页，或 eth_call）；返回 (bool included, uint64 anchoredAt)。getAnchor(bytes32 root)，选择器 ${GET_ANCHOR.selector}，返回结构体 (uint64 timestamp, uint64 blockNumber, uint64 treeSize)，共三个 32 字节字。`,
    `或使用开源核验工具：priorproof verify 文件 receipt.json --rpc 〈RPC 地址〉（receipt.json 已附于本 PDF），或扫描二维码打开核验页面，放入文件与本 PDF。`,
  ],
  offlineStep: (a) =>
    `无网络时：执行 priorproof verify 文件 receipt.json --offline，核验 receipt.json 中的区块头与收据证明；唯一需查询的事实是链 ${a.chainId} 第 ${a.block} 号区块的哈希为 ${a.hash}（任一区块浏览器或 RPC 节点；在那里确认后可用 --checkpoint ${a.chainId}:${a.block}:${a.hash}）。`,
  tsaStep: "RFC 3161 时间戳：用 pdfdetach -saveall 从本 PDF 附件中取出 token.tsr，用 openssl pkcs7 -inform DER -in token.tsr -print_certs -out tsa.pem 取出其中的时间戳机构证书，再执行 openssl ts -verify -digest 〈去掉 0x 的根〉 -token_in -in token.tsr -CAfile 〈独立取得的时间戳机构根证书〉 -untrusted tsa.pem。",
  manual: "全部命令，连同确切的 RPC 调用及其字节布局，载于开源 PriorProof 代码库中的专家手册 docs/verify-by-hand.md。",
  attachments: "本 PDF 的附件（PDF/A-3 关联文件）：receipt.json（可机器核验的回执，关系为“来源”），以及（如有）RFC 3161 时间戳令牌。",
  identity: (a) => [
    `证书编号 ${a.id} 标识的是证据本身而非本份文件：记录、文件摘要、叶子及每一项存证。本证书的每次下载、每种语言版本编号相同；签发时间与确认数另行列明，不影响编号。`,
    "重新计算方法：对下列文本（RFC 8785 规范化 JSON，UTF-8 编码）计算 SHA-256，取前 16 位十六进制数字（大写，按 4-4-4-4 分组）：",
    a.json,
  ],
  qr: "扫码核验（文件仅在浏览器中计算哈希，不会上传）：",
  unconfigured: (v) => `本实例未配置 ${v}：本证书仅供开发测试使用。`,
  generated: "生成时间",
  portfolioIntro: (tenant, count, filter) => `账户“${tenant}”的全部 ${count} 条记录${filter ? `（筛选条件：${filter}）` : ""}，按收到顺序排列。每条已上链记录的回执均作为附件（receipt-〈记录〉.json），可单独核验。`,
  lineageIntro: (count) => `同一作品的 ${count} 个版本，依各版本声明中的“前一版本”摘要相互关联。每个版本在下文各有其证明，并各附回执（receipt-〈序号〉.json）。`,
};
