/**
 * The CLI's help texts: the command list, and each command's options and exit codes.
 */
import { readFileSync } from "node:fs";
import { ASSET_KINDS } from "../leaf.ts";

/**
 * The CLI's version: the `version` of client-sdk/package.json (two levels up from src/cli/ and from dist/cli/), the one
 * source test/version.test.ts holds the other package.json files to.
 *
 * @example
 * VERSION // "0.1.0"
 */
export const VERSION: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/**
 * Exit codes: what a script can branch on.
 *
 * @example
 * process.exitCode = verdict.verified ? EXIT.OK : EXIT.NOT_VERIFIED;
 */
export const EXIT = { OK: 0, NOT_VERIFIED: 1, USAGE: 2, SERVICE: 3 } as const;

const EXIT_TABLE = `exit codes:
  0  done; for verify: verified; for lookup: anchored
  1  not verified (a check failed, or no independent witness was checked); for lookup: not anchored
  2  usage or I/O error (bad option, unreadable file or receipt, RPC unreachable)
  3  service error (the message carries the service's error code, e.g. RECEIPT_PENDING)`;

const SERVICE = `service:  --server URL (or PRIORPROOF_URL), --key KEY (or PRIORPROOF_API_KEY)`;

/**
 * Help text by command (`main` is the overview).
 *
 * @example
 * console.log(HELP.verify);
 */
export const HELP: Readonly<Record<string, string>> = {
  main: `priorproof ${VERSION} — timestamp evidence and verify PriorProof receipts

usage: priorproof <command> [options]

commands:
  stamp <files…>            hash files here and stamp their digests (--upload sends the files)
  status <id>               an entry's status and anchors
  receipt <id> [-o FILE]    fetch an entry's receipt (JSON)
  verify <file> <receipt>   verify a file against its receipt, without the service
  certificate <id> -o PDF   download the certificate (PDF)
  lookup <file|digest>      is this file (or digest) anchored at the service?
  capture <url> [-o DIR]    capture a web page (screenshot, MHTML, network log, TLS chain) and stamp it
  verify-capture <dir|zip|pdf> verify a capture's parts against its manifest, and the manifest's receipt
  statement <receipt> [-o F] the statement a receipt's claimant signature covers (for openssl cms -verify)
  watch <dir>               stamp every new or changed file under a folder, linking versions
  keygen -o FILE            make a content key for stamp --encrypt (kept here, never sent)
  decrypt <cid|file> -o F   fetch an encrypted upload's ciphertext and decrypt it with the content key

${SERVICE}
output:   one human line per result; --json prints one JSON document on stdout instead.
          Progress bars (hashing, uploads) go to stderr, and only when it is a terminal.

${EXIT_TABLE}

Run priorproof <command> --help for a command's options.`,

  stamp: `usage: priorproof stamp <files…> [--upload | --encrypt [--key-file KEY]] [--title T] [--kind K] [--author A] [--claimant C]
                        [--previous DIGEST|FILE] [--note N] [--ai-process FILE.json] [--wait] [--timeout SECONDS] [--json]
                        [--sign-key KEY.pem --sign-cert CHAIN.pem | --sign-p12 FILE.p12]

Hashes each file on this machine (SHA-256) and stamps the digest: the file never leaves it unless
--upload is given (then it is streamed to the service, which stores it in IPFS; the digest the service
records is checked against the one computed here while sending; the media type sent is read from the
file's leading bytes or its extension).
The claim (--title, --kind, --author, --claimant, --previous, --note, --ai-process) is committed with
every file.
  --kind        one of ${ASSET_KINDS.join(", ")}
  --previous    the earlier version of the work: its SHA-256, or the file itself
  --ai-process  a JSON object recording how an AI-assisted image was made (tool, model, prompt, seed,
                licence of the tool, iterations…); printed as a table on the certificate
  --wait        wait until every entry is anchored (events from the service; --timeout, default 600 s)
  --sign-key    sign the statement {sha256, sha3_256, claim, signedAt} here with this PEM private key
                (ECDSA P-256/P-384, Ed25519, RSA → RSA-PSS); --sign-cert is the signer's PEM certificate and
                chain. The CMS signature is committed in the leaf; the key never leaves this machine.
  --sign-p12    the same from a PKCS#12 file; password from PRIORPROOF_P12_PASSWORD, else asked for
  --encrypt     upload each file encrypted here (priorproof-aead/1, AES-256-GCM) with the content key of
                --key-file (made by priorproof keygen) or PRIORPROOF_CONTENT_KEY: the stamp covers the
                plaintext's digest, the service stores only the ciphertext and never sees the key.
                File names and media types are sent in the clear. Read it back with priorproof decrypt.

${SERVICE}

${EXIT_TABLE.replace(/\n {2}1 [^\n]*/, "")}`,

  watch: `usage: priorproof watch <dir> [--upload] [--kind K] [--author A] [--settle SECONDS] [--interval SECONDS]
                       [--once [--wait]] [--json]

Stamps every new or changed file under <dir> once it has been stable (size and modification time
unchanged) for --settle seconds (default 2), hash-only unless --upload is given. Each new version of a
file is linked to the previous one (claim.previous); claim.title is the file's path under <dir>.
Runs until interrupted; --once stamps what changed since the last run and exits (--wait: after saving
every receipt). Everything is kept under <dir>/.priorproof/: the queue (nothing is lost when the agent,
the service or the network stops), the state, and the receipts, mirroring the tree:
  <dir>/.priorproof/receipts/<path>/<first 16 hex digits of the SHA-256>.receipt.json
Ignore patterns: <dir>/.priorproofignore (gitignore syntax). On a terminal a status line is drawn;
--json prints one JSON object per line (queued, stamped, receipt, retrying, failed, idle).
  --kind        one of ${ASSET_KINDS.join(", ")}
  --interval    seconds between full scans (default 1; file notifications trigger one sooner)

${SERVICE}

exit codes: 0 done (or interrupted) · 2 usage error · 3 a file failed, or --once could not reach the service (queue kept)`,

  keygen: `usage: priorproof keygen -o FILE [--json]

Writes a new random 256-bit content key (64 hex digits) to FILE, mode 0600, never over an existing file.
stamp --encrypt and decrypt read it with --key-file FILE (or PRIORPROOF_CONTENT_KEY). Keep a copy: the
service cannot recover content encrypted with a lost key.

exit codes: 0 written · 2 usage or I/O error`,

  decrypt: `usage: priorproof decrypt <cid|file> -o FILE [--key-file KEY] [--json]

Fetches the ciphertext of an encrypted upload by its CID (or reads a ciphertext file) and decrypts it
with the content key (--key-file, or PRIORPROOF_CONTENT_KEY), chunk by chunk. FILE is written only when
every chunk authenticated; a tampered or truncated ciphertext fails with DECRYPTION_FAILED or TRUNCATED.

${SERVICE}

exit codes: 0 written · 2 usage, I/O or decryption error · 3 service error (CONTENT_NOT_FOUND …)`,

  status: `usage: priorproof status <id> [--json]

Prints the entry's status (pending, batched, anchored, confirmed), digest and anchors.

${SERVICE}

exit codes: 0 found · 2 usage error · 3 service error (ENTRY_NOT_FOUND, UNAUTHORIZED …)`,

  receipt: `usage: priorproof receipt <id> [-o receipt.json] [--wait] [--timeout SECONDS] [--json]

Fetches the entry's receipt: the self-contained proof to keep with the file. Without -o it is printed
on stdout. Before the entry is anchored the service answers RECEIPT_PENDING: add --wait to wait.

${SERVICE}

exit codes: 0 written · 2 usage or I/O error · 3 service error (RECEIPT_PENDING, ENTRY_NOT_FOUND,
  CERTIFICATE_NEEDS_OPERATOR, CERTIFICATE_NEEDS_PUBLIC_URL …)`,

  verify: `usage: priorproof verify <file> <receipt.json> [--rpc URL]… [--rpc-timeout S] [--tsa-ca PEM]
                         [--signer-ca PEM] [--offline] [--checkpoint CHAIN:NUMBER:HASH]… [--checkpoints FILE]
                         [--trust-code-hash HASH]… [--deployments FILE]… [--min-confirmations N] [--json]

Verifies a file against its receipt without the PriorProof service, trusting nothing the receipt
asserts. Every check is listed as PASS, FAIL (with its code) or SKIP (with why); FACT lines are what
this verifier derived (time, block, chain, contract identity, deployment, finality); WARN lines carry a
code (NOT_FINAL, DEVELOPMENT_CHAIN …). The receipt's chain name, development flag, explorer URL and
confirmations are printed only as "asserted by the receipt, not checked".
  --rpc URL          a JSON-RPC node of the receipt's chain (any provider, or your own); repeat for several
                     chains. Time and inclusion come from eth_getTransactionReceipt(txHash) (success, the
                     contract's Anchored(root, treeSize) log) and the block by hash, which must be the
                     canonical block at its number; the contract's code must hash to a released
                     EvidenceAnchor build. The contract's views are a cross-check only.
  --rpc-timeout S    seconds before one RPC call is given up (default 15): RPC_TIMEOUT, never a hang
  --tsa-ca PEM       trust anchors for the RFC 3161 time-stamp tokens a receipt may carry
  --signer-ca PEM    CA certificates you trust for the claimant's signature (never taken from the receipt);
                     the signer's certificates are judged at the anchor's proven time
  --offline          no network at all (not even --rpc)
  --checkpoint C:N:H block N of chain C has hash H — a hash YOU read (two explorers, your own node); never
                     one copied from the receipt. Repeat for several
  --checkpoints F    a file of such checkpoints, one per line (# starts a comment)
  --trust-code-hash H  also accept contract code whose keccak-256 is H (a build you compiled yourself)
  --deployments F    the operator's published deployments (deployments/<chainId>.json, the service's
                     /.well-known/priorproof.json, or an array): the verdict says "operator" or "other"
  --min-confirmations N  finality policy instead of the chain registry's rule

Offline, the file's digests, the claim, the leaf and the Merkle proof are checked, and an offline block
proof (anchors[].inclusion) when the receipt carries one. What remains — that the block is canonical,
and the contract's code when the proof has no account proof — is listed as TODO with the ways to settle
it (your --rpc, the explorers of this verifier's registry, a --checkpoint you read yourself).
Exit 0 only when the file matches and an independent witness confirmed the anchor.

exit codes: 0 verified (possibly "not final": see WARN) · 1 not verified (a check failed, or a fact remains)
            2 bad input or I/O error (unreadable or non-I-JSON receipt, bad option, RPC unreachable or timed out)`,

  certificate: `usage: priorproof certificate <id> -o certificate.pdf [--lang en|zh-CN] [--jurisdiction cn|us|eu] [--json]

Downloads the PDF certificate (PDF/A-3b) of an anchored entry (the receipt is attached inside).
  --jurisdiction  the legal text: cn (PRC), us (FRE 902(13)/(14) with the § 1746 declaration), eu
                  (eIDAS Art. 41); default the account's setting, then the service's

${SERVICE}

exit codes: 0 written · 2 usage or I/O error · 3 service error (RECEIPT_PENDING, ENTRY_NOT_FOUND,
  CERTIFICATE_NEEDS_OPERATOR, CERTIFICATE_NEEDS_PUBLIC_URL …)`,

  statement: `usage: priorproof statement <receipt.json> [-o statement.json]

Prints the statement a signed receipt's claimant signature covers: the RFC 8785 canonical JSON of
{sha256, sha3_256, claim, signedAt} rebuilt from the receipt. -o writes exactly the signed bytes (no
newline), for: openssl cms -verify -binary -inform DER -in signature.der -content statement.json -CAfile CA.pem

exit codes: 0 printed · 2 usage or I/O error (no signature, unreadable receipt)`,

  lookup: `usage: priorproof lookup <file|digest> [--json]

Asks the service's public lookup whether this digest is anchored, where and when. A file is hashed
here first; only its digest is sent. No API key is needed.

--server URL (or PRIORPROOF_URL)

exit codes: 0 anchored · 1 not anchored · 2 usage or I/O error · 3 service error`,

  capture: `usage: priorproof capture <url> [--no-js] [--viewport WxH] [--time-budget SECONDS]
                          [--wait] [--timeout SECONDS] [-o DIR] [--json]

Asks the service to capture the page at <url> with its headless Chromium: a full-page screenshot, the
DOM as MHTML, every response's digest (network.json), the TLS chain. The manifest listing them is
stamped like a file (claim "web capture of <url>"). See docs/capture.md for what a capture proves.
  --no-js          do not run the page's JavaScript
  --wait           wait until the capture is done (--timeout, default 600 s)
  -o DIR           wait, then write manifest.json, every part and (once anchored) receipt.json to DIR,
                   ready for priorproof verify-capture DIR

${SERVICE}

exit codes: 0 queued or captured · 1 the capture failed · 2 usage error · 3 service error (CAPTURE_TARGET_PRIVATE …)`,

  "verify-capture": `usage: priorproof verify-capture <dir|zip|certificate.pdf> [--receipt FILE] [--rpc URL]… [--rpc-timeout S] [--offline]
                                 [--checkpoint CHAIN:NUMBER:HASH]… [--checkpoints FILE] [--tsa-ca PEM]
                                 [--trust-code-hash HASH]… [--deployments FILE]… [--min-confirmations N] [--json]

Checks a capture bundle without the service: manifest.json follows priorproof-capture/1 in its
canonical encoding, every part it lists has its size and SHA-256 (a changed byte fails, naming the
part), and the receipt (receipt.json in the bundle, or --receipt; strict I-JSON) stamps the manifest's
SHA-256 and verifies as priorproof verify checks a receipt, trusting nothing it asserts. A capture's
certificate PDF is such a bundle too: its attachments (manifest.json, the parts, receipt.json) are read
from it; a part too large to be attached is missing (fetch it by its CID into a folder beside the others).

The receipt options are those of priorproof verify (see priorproof verify --help): --rpc (a node of the
receipt's chain), --rpc-timeout S (default 15), --offline (no network; what remains is listed as TODO),
--checkpoint C:N:H / --checkpoints FILE (block hashes YOU read), --tsa-ca (TSA trust anchors),
--trust-code-hash, --deployments (operator or other), --min-confirmations. There is no --signer-ca: the
service writes a capture's claim, which carries no claimant signature.
--json prints {source, url, verified, checks, manifestSha256, failedParts, offline, receipt, hints};
receipt is the receipt's verdict in the schema of POST /v1/verify (VERDICT_JSON_SCHEMA).

exit codes: 0 verified · 1 not verified (a part differs, the receipt failed, or a fact remains: see TODO)
            2 usage or I/O error (unreadable bundle, non-I-JSON receipt, RPC unreachable or timed out)`,
};
