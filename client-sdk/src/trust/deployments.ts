/**
 * Which EvidenceAnchor deployments an operator publishes (docs/design/format-v2.md, "Which deployment").
 *
 * A known build deployed by anyone still proves a true time (its `Anchored` events cannot be backdated),
 * but a court may want to know whether the anchor is the operator's own contract. The verifier holds a
 * list it chose: the repository's `deployments/<chainId>.json` records, a service's
 * `/.well-known/priorproof.json`, or a list the user pins. A receipt never supplies it.
 */
import { InputError } from "../errors.ts";

/** One deployment an operator publishes, and where the verifier got the list from. */
export interface OperatorDeployment {
  readonly chainId: number;
  /** Lower-case 0x address. */
  readonly address: `0x${string}`;
  /** Where this entry was read (a file path, a URL, "pinned"). */
  readonly source: string;
}

/** The format tag of `/.well-known/priorproof.json`. */
export const WELL_KNOWN_FORMAT = "priorproof-service/1";

/** `/.well-known/priorproof.json`: what a PriorProof service publishes about itself. */
export interface WellKnownDocument {
  readonly format: typeof WELL_KNOWN_FORMAT;
  readonly operator: string;
  readonly deployments: readonly { readonly chainId: number; readonly address: string; readonly codeHash?: string; readonly deployBlock?: number }[];
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function entry(v: unknown, source: string, at: string): OperatorDeployment {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new InputError("INVALID_DEPLOYMENTS", `${at}: expected an object`);
  const o = v as Record<string, unknown>;
  if (typeof o.chainId !== "number" || !Number.isSafeInteger(o.chainId) || o.chainId < 1)
    throw new InputError("INVALID_DEPLOYMENTS", `${at}.chainId: expected a positive integer`);
  if (typeof o.address !== "string" || !ADDRESS.test(o.address)) throw new InputError("INVALID_DEPLOYMENTS", `${at}.address: expected a 20-byte 0x address`);
  return { chainId: o.chainId, address: o.address.toLowerCase() as `0x${string}`, source };
}

/**
 * Reads an operator deployment list from any of its published shapes: one `deployments/<chainId>.json`
 * record (`{ chainId, address, … }`), an array of such records, or a `/.well-known/priorproof.json`
 * document (`{ format: "priorproof-service/1", deployments: [...] }`). Throws `INVALID_DEPLOYMENTS`.
 *
 * @example
 * parseDeployments(JSON.parse(await readFile("deployments/11155111.json", "utf8")), "deployments/11155111.json")
 */
export function parseDeployments(doc: unknown, source: string): OperatorDeployment[] {
  if (Array.isArray(doc)) return doc.slice(0, 1_000).map((d, i) => entry(d, source, `[${i}]`));
  if (typeof doc === "object" && doc !== null && "deployments" in doc) {
    const list = (doc as { deployments: unknown }).deployments;
    if (!Array.isArray(list)) throw new InputError("INVALID_DEPLOYMENTS", "deployments: expected an array");
    return list.slice(0, 1_000).map((d, i) => entry(d, source, `deployments[${i}]`));
  }
  return [entry(doc, source, "deployment")];
}

/**
 * The operator deployment that is `(chainId, address)`, or undefined.
 *
 * @example
 * findOperatorDeployment(list, 31337, anchor.contract)?.source // "deployments/31337.json"
 */
export function findOperatorDeployment(list: readonly OperatorDeployment[], chainId: number, address: string): OperatorDeployment | undefined {
  const a = address.toLowerCase();
  return list.find((d) => d.chainId === chainId && d.address === a);
}
