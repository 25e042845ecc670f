/**
 * RFC 3161 §2.4.2: parsing the TimeStampResp a TSA answers (status, then the token's exact bytes).
 */
import * as asn1js from "asn1js";
import { TimestampRejectedError } from "../errors.ts";
import { children, isUniversal, signedBigInt } from "../pki/der.ts";
import { fail, parseDer, type ParsedTimeStampResponse } from "./common.ts";

const PKI_STATUS = ["granted", "grantedWithMods", "rejection", "waiting", "revocationWarning", "revocationNotification"] as const;
const FAIL_INFO: Readonly<Record<number, string>> = {
  0: "badAlg",
  2: "badRequest",
  5: "badDataFormat",
  14: "timeNotAvailable",
  15: "unacceptedPolicy",
  16: "unacceptedExtension",
  17: "addInfoNotAvailable",
  25: "systemFailure",
};

/**
 * Parses a DER TimeStampResp (RFC 3161 §2.4.2). Returns the token's exact bytes when the status is
 * granted or grantedWithMods; throws `TimestampRejectedError` (`TSA_REJECTED`) for any other status and
 * `TSA_MALFORMED` when the bytes are not a TimeStampResp. It does not verify the token.
 */
export function parseTimeStampResponse(der: Uint8Array): ParsedTimeStampResponse {
  const root = parseDer(der, "timestamp response");
  const top = isUniversal(root, 16) ? children(root) : [];
  const statusInfo = top[0];
  if (!statusInfo || top.length > 2 || !isUniversal(statusInfo, 16)) fail("TSA_MALFORMED", "timestamp response: expected SEQUENCE { PKIStatusInfo, token? }");
  const [statusNode, ...rest] = children(statusInfo);
  if (!(statusNode instanceof asn1js.Integer)) fail("TSA_MALFORMED", "timestamp response: PKIStatus is not an INTEGER");
  const statusCode = signedBigInt(statusNode.valueBlock.valueHexView);
  const statusStrings: string[] = [];
  const failInfo: string[] = [];
  for (const node of rest) {
    if (node instanceof asn1js.BitString) {
      const bits = node.valueBlock.valueHexView;
      for (let i = 0; i < bits.length * 8; i++) {
        if (((bits[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) failInfo.push(FAIL_INFO[i] ?? `bit${i}`);
      }
    } else if (isUniversal(node, 16)) {
      for (const s of children(node)) statusStrings.push(s instanceof asn1js.Utf8String ? s.getValue() : "?");
    } else {
      fail("TSA_MALFORMED", "timestamp response: unexpected element in PKIStatusInfo");
    }
  }
  const name = statusCode >= 0n && statusCode < 6n ? PKI_STATUS[Number(statusCode)] : undefined;
  if (name !== "granted" && name !== "grantedWithMods") {
    throw new TimestampRejectedError(name ?? String(statusCode), failInfo, statusStrings);
  }
  const tokenNode = top[1];
  if (!tokenNode || !isUniversal(tokenNode, 16)) fail("TSA_MALFORMED", `timestamp response: status ${name} without a token`);
  return { status: name, statusStrings, token: new Uint8Array(tokenNode.valueBeforeDecodeView) };
}
