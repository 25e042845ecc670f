/**
 * Jurisdiction packs: the legal text of a certificate, chosen by `?jurisdiction=` (or the configured
 * default), independent of the language it is printed in. Each pack says which rules the document is
 * written for and where in it each question those rules ask is answered (by cross-reference, so the
 * numbers always match the sections present). Every pack ends in a signature block for the person who
 * verified the document; only the US pack's is the 28 U.S.C. § 1746 declaration.
 */
import type { CertificateLanguage, Ref } from "./i18n.ts";

export const JURISDICTIONS = ["cn", "us", "eu"] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

export interface PackFacts {
  readonly ref: Ref;
  /** Whether the receipt carries an RFC 3161 token, and whether one is stated to be qualified. */
  readonly tsa: "none" | "ordinary" | "qualified";
  readonly development: boolean;
}

export interface Pack {
  readonly title: string;
  readonly paragraphs: readonly string[];
  /** A declaration to be signed by a qualified person, with blank lines for name, signature and date. */
  readonly declaration?: { readonly text: string; readonly lines: readonly string[] };
}

/** A signature block for the person who checked the certificate (no oath formula: that is the US pack's). */
const CHECKED: Record<CertificateLanguage, { readonly text: string; readonly lines: readonly string[] }> = {
  en: {
    text:
      "Statement of the person who verified this certificate: I followed the verification steps of this document with public tools on the file I " +
      "examined; its SHA-256 digest is the one stated, and that digest is anchored as stated.",
    lines: ["Name and qualification: ______________________   Date: ____________", "Signature: ______________________"],
  },
  "zh-CN": {
    text: "核验人声明：本人已使用公开工具，按本证书的核验步骤对所检查文件进行核验；其 SHA-256 摘要与所载一致，且该摘要如所载已上链存证。",
    lines: ["姓名及资质：______________________   日期：____________", "签名：______________________"],
  },
};

const CN: Record<CertificateLanguage, (f: PackFacts) => Pack> = {
  en: (f) => ({
    title: "For courts of the People's Republic of China",
    paragraphs: [
      "Supreme People's Court, Online Litigation Rules (2021), and how this document answers each question they ask:",
      `Art. 16 — data stored on a blockchain is presumed unaltered after it was anchored unless the other side rebuts it: the anchor and its ` +
        `inclusion proof are in ${f.ref("anchors")} and ${f.ref("proof")}, and anyone can re-check them by ${f.ref("verify")}.`,
      `Art. 17 — the court examines the platform's qualification and any interest relationship with a party (neutrality): the operator and the ` +
        `submitting account are named in ${f.ref("service")}, and the operator's relationship statement is in ${f.ref("statements")}. The chain is ` +
        `public and the verifier open-source, so the operator's cooperation is not needed.`,
      `Art. 18 — authenticity before anchoring (source, how the data was generated and stored): the file as submitted and where its bytes are kept ` +
        `are in ${f.ref("subject")}; the declared claim, any AI process record and earlier versions are in ${f.ref("claim")}` +
        (f.ref("lineage") ? ` and ${f.ref("lineage")}` : "") +
        `.`,
      `Art. 19 — expert appraisal: ${f.ref("verify")} and the manual docs/verify-by-hand.md give every step with public tools.`,
      "Ministry of Justice industry standard SF/T 0076-2020 (technical specification for electronic data preservation): this document records the " +
        "items it expects of a preservation record — the digest algorithm and value, the time source and its evidence, the storage location of the " +
        "data, the preserving party and the verification method.",
      ...(f.development ? ["This document was issued on a development chain and has no evidential value before any court."] : []),
    ],
    declaration: CHECKED.en,
  }),
  "zh-CN": (f) => ({
    title: "适用于中华人民共和国法院",
    paragraphs: [
      "最高人民法院《人民法院在线诉讼规则》（2021 年），以及本证书对其所涉问题的回应：",
      `第十六条 —— 区块链存储的数据上链后推定未经篡改，但有相反证据足以推翻的除外：存证及其包含性证明见${f.ref("anchors")}与${f.ref("proof")}，任何人均可按${f.ref("verify")}重新核验。`,
      `第十七条 —— 人民法院审查存证平台的资质及其与当事人是否存在利害关系（中立性）：运营方与提交账户见${f.ref("service")}，运营方关系声明见${f.ref("statements")}。区块链公开、核验工具开源，无需运营方配合。`,
      `第十八条 —— 上链前数据的真实性（来源、生成及存储方式）：提交时的文件及其存储位置见${f.ref("subject")}；自行声明的内容、AI 生成过程记录及先前版本见${f.ref("claim")}` +
        (f.ref("lineage") ? `与${f.ref("lineage")}` : "") +
        `。`,
      `第十九条 —— 鉴定：${f.ref("verify")}及专家手册 docs/verify-by-hand.md 列明使用公开工具的全部步骤。`,
      "司法部司法行政行业标准 SF/T 0076-2020《电子数据存证技术规范》：本证书载明存证记录应有的各项内容 —— 摘要算法与摘要值、时间来源及其证据、数据存储位置、存证方与核验方法。",
      ...(f.development ? ["本证书出具于开发测试链，在任何法院均不具有证据效力。"] : []),
    ],
    declaration: CHECKED["zh-CN"],
  }),
};

const US_DECLARATION_EN = {
  text:
    "Certification under Federal Rules of Evidence 902(13) and 902(14), made by declaration under 28 U.S.C. § 1746: I, ______________________ " +
    "(name), am qualified by ______________________ (knowledge, skill, experience, training or education). On ____________ (date) I obtained the file " +
    "examined and computed its SHA-256 digest by the steps above; it is the digest stated in this certificate, and that digest is included, by the " +
    "proof stated, in the root recorded on the chain as stated. The record was made in the regular course of the operator's activity. I declare under " +
    "penalty of perjury under the laws of the United States of America that the foregoing is true and correct.",
  lines: [
    "Executed on (date): ____________   at (place): ______________________",
    "Signature: ______________________   Printed name and title: ______________________",
  ],
};

const US: Record<CertificateLanguage, (f: PackFacts) => Pack> = {
  en: (f) => ({
    title: "For courts of the United States",
    paragraphs: [
      `Federal Rules of Evidence 902(13) (records generated by an electronic process or system) and 902(14) (data copied from an electronic ` +
        `device, storage medium or file, authenticated by a process of digital identification): a qualified person certifies, by the declaration ` +
        `below, that the digest of the file matches the digest anchored as shown in ${f.ref("anchors")} and ${f.ref("proof")}. The proponent must ` +
        `give the adverse party reasonable written notice and make the record and the certification available for inspection (Rule 902(11)).`,
      `The system and its regular practice are described in ${f.ref("statements")}; the steps the declarant follows are in ${f.ref("verify")}. ` +
        `Some states have their own rule, e.g. Vermont, 12 V.S.A. § 1913 (a declaration of when the record entered and was retrieved from the ` +
        `blockchain, made as a regular practice).`,
      ...(f.development ? ["This document was issued on a development chain: no certification should be made on it."] : []),
    ],
    declaration: US_DECLARATION_EN,
  }),
  "zh-CN": (f) => ({
    title: "适用于美国法院",
    paragraphs: [
      `《美国联邦证据规则》第 902(13) 条（电子程序或系统生成的记录）与第 902(14) ` +
        `条（经数字识别程序认证的、从电子设备、存储介质或文件复制的数据）：由具备资质的人员以下列声明证明，所检查文件的摘要与${f.ref("anchors")}及${f.ref("proof")}所示已上链的摘要一致。提出方须以书面形式合理通知对方当事人，并提供记录与证明以供查阅（第 ` +
        `902(11) 条）。`,
      `系统与常规业务见${f.ref("statements")}；声明人遵循的步骤见${f.ref("verify")}。部分州另有规定，例如佛蒙特州法典第 12 编第 1913 条（就记录何时写入及何时从区块链取出所作、作为常规业务的声明）。`,
      ...(f.development ? ["本证书出具于开发测试链：不应据此作出任何证明。"] : []),
    ],
    declaration: {
      text:
        "依《美国联邦证据规则》第 902(13) 条与第 902(14) 条所作证明，以 28 U.S.C. § 1746 规定的声明形式作出：本人 ______________________（姓名），具备 " +
        "______________________（知识、技能、经验、培训或教育）资质。本人于 ____________（日期）取得所检查文件，并按上述步骤计算其 SHA-256 " +
        "摘要；该摘要即本证书所载摘要，且依所载证明包含于所载已上链的根中。该记录系运营方在常规业务中形成。本人依美利坚合众国法律声明，如有不实愿受伪证罪处罚，以上内容真实无误。",
      lines: ["签署日期：____________   地点：______________________", "签名：______________________   姓名及职务：______________________"],
    },
  }),
};

const EU: Record<CertificateLanguage, (f: PackFacts) => Pack> = {
  en: (f) => ({
    title: "For courts of the European Union (eIDAS)",
    paragraphs: [
      `Regulation (EU) No 910/2014 (eIDAS), Art. 41(1): an electronic time stamp shall not be denied legal effect and admissibility as evidence ` +
        `solely because it is electronic or not qualified. The blockchain anchor of ${f.ref("anchors")} is such an ordinary electronic time stamp, ` +
        `which the court weighs freely, supported by the public re-checks of ${f.ref("verify")}.`,
      "Art. 41(2): only a qualified electronic time stamp enjoys a presumption of the accuracy of the date and time it indicates and of the " +
        "integrity of the data to which they are bound. An RFC 3161 token from a qualified trust service provider (ETSI EN 319 422; its certificate " +
        "carries the qcStatement 0.4.0.19422.1.1) adds that presumption; Art. 41(3) extends it to qualified time stamps issued in any Member State.",
      f.tsa === "qualified"
        ? `This certificate carries an RFC 3161 token that the receipt states to be qualified (${f.ref("tsa")}); the verifier confirms it against ` +
          `the EU trusted lists it chooses.`
        : f.tsa === "ordinary"
          ? `This certificate carries an RFC 3161 token from an authority not stated to be qualified (${f.ref("tsa")}): an independent second ` +
            `witness, weighed freely like the anchor.`
          : "This certificate carries no RFC 3161 token: the presumption of Art. 41(2) does not apply; the anchor is weighed freely.",
    ],
    declaration: CHECKED.en,
  }),
  "zh-CN": (f) => ({
    title: "适用于欧洲联盟法院（eIDAS 条例）",
    paragraphs: [
      `欧盟第 910/2014 ` +
        `号条例（eIDAS）第四十一条第一款：不得仅因电子时间戳为电子形式或不符合合格电子时间戳的要求而否认其法律效力及作为证据的可采性。${f.ref("anchors")}的区块链存证即属此类普通电子时间戳，由法院自由评价，并可由${f.ref("verify")}的公开核验佐证。`,
      "第四十一条第二款：唯有合格电子时间戳享有其所示日期与时间准确、所绑定数据完整的推定。来自合格信任服务提供者的 RFC 3161 时间戳（ETSI EN 319 422；其证书载有合格声明标识 0.4.0.19422.1.1）可带来此项推定；第三款规定，任一成员国出具的合格时间戳在所有成员国均获承认。",
      f.tsa === "qualified"
        ? `本证书附有回执所述为合格的 RFC 3161 时间戳（见${f.ref("tsa")}）；核验方依其自行选定的欧盟可信名单予以确认。`
        : f.tsa === "ordinary"
          ? `本证书附有未声明为合格的时间戳机构出具的 RFC 3161 时间戳（见${f.ref("tsa")}）：作为独立的第二见证，与区块链存证一样由法院自由评价。`
          : "本证书未附 RFC 3161 时间戳：第四十一条第二款的推定不适用；区块链存证由法院自由评价。",
    ],
    declaration: CHECKED["zh-CN"],
  }),
};

/** The legal text of `jurisdiction`, in `language`. */
export function jurisdictionPack(jurisdiction: Jurisdiction, language: CertificateLanguage, facts: PackFacts): Pack {
  return { cn: CN, us: US, eu: EU }[jurisdiction][language](facts);
}
