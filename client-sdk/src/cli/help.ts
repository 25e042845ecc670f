/**
 * The CLI's help texts: the command list, and each command's options and exit codes.
 */
import { ASSET_KINDS } from "../leaf.ts";

/**
 * The CLI's version (the package's).
 *
 * @example
 * VERSION // "0.1.0"
 */
export const VERSION = "0.1.0";

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
  verify-capture <dir|zip>  verify a capture's parts against its manifest, and the manifest's receipt

${SERVICE}
output:   one human line per result; --json prints one JSON document on stdout instead.
          Progress bars (hashing, uploads) go to stderr, and only when it is a terminal.

${EXIT_TABLE}

Run priorproof <command> --help for a command's options.`,

  stamp: `usage: priorproof stamp <files…> [--upload] [--title T] [--kind K] [--author A] [--claimant C]
                        [--previous DIGEST|FILE] [--note N] [--wait] [--timeout SECONDS] [--json]

Hashes each file on this machine (SHA-256) and stamps the digest: the file never leaves it unless
--upload is given (then it is streamed to the service, which stores it in IPFS; the digest the service
records is checked against the one computed here while sending).
The claim (--title, --kind, --author, --claimant, --previous, --note) is committed with every file.
  --kind        one of ${ASSET_KINDS.join(", ")}
  --previous    the earlier version of the work: its SHA-256, or the file itself
  --wait        wait until every entry is anchored (events from the service; --timeout, default 600 s)

${SERVICE}

${EXIT_TABLE.replace(/\n  1 [^\n]*/, "")}`,

  status: `usage: priorproof status <id> [--json]

Prints the entry's status (pending, batched, anchored, confirmed), digest and anchors.

${SERVICE}

exit codes: 0 found · 2 usage error · 3 service error (ENTRY_NOT_FOUND, UNAUTHORIZED …)`,

  receipt: `usage: priorproof receipt <id> [-o receipt.json] [--wait] [--timeout SECONDS] [--json]

Fetches the entry's receipt: the self-contained proof to keep with the file. Without -o it is printed
on stdout. Before the entry is anchored the service answers RECEIPT_PENDING: add --wait to wait.

${SERVICE}

exit codes: 0 written · 2 usage or I/O error · 3 service error (RECEIPT_PENDING, ENTRY_NOT_FOUND …)`,

  verify: `usage: priorproof verify <file> <receipt.json> [--rpc URL]… [--tsa-ca PEM] [--offline]
                         [--checkpoint BLOCKHASH]… [--checkpoints FILE] [--json]

Verifies a file against its receipt without the PriorProof service. Every check is listed as PASS,
FAIL (with its code) or SKIP (with why it could not be checked).
  --rpc URL        a JSON-RPC node of the receipt's chain (any provider, or your own); repeat for several
                   chains. The anchor is then confirmed on chain: contract, root, tree size, block number,
                   hash and time, and the contract's own verifyInclusion view.
  --tsa-ca PEM     trust anchors for the RFC 3161 time-stamp tokens a receipt may carry
  --offline        no network at all (not even --rpc)
  --checkpoint H   a block hash you already trust to be canonical on the receipt's chain (read from two
                   explorers, your own node, a newspaper…); repeat for several
  --checkpoints F  a file of such block hashes, one per line (# starts a comment)

Offline, the file's digest, the claim, the leaf and the Merkle proof are checked. When the receipt
carries a block header and receipt-trie proof (anchors[].inclusion), that is checked too: the header
hashes to the block hash, its receipt trie holds the anchor transaction, and that transaction logged
Anchored(root, treeSize) from the contract at the header's time. One outside fact then remains — that
the block hash is canonical on the chain — and the output says how to confirm it: --rpc, the explorer
link, or --checkpoint. With the hash pinned by --checkpoint, verification is complete with no network.
Exit 0 only when the file matches and an independent witness confirmed the anchor: the chain through
--rpc, the offline proof of a block whose hash is a checkpoint, or a TSA token checked with --tsa-ca.

exit codes: 0 verified · 1 not verified (a check failed, or an outside fact remains unconfirmed)
            2 usage or I/O error (unreadable file or receipt, RPC unreachable)`,

  certificate: `usage: priorproof certificate <id> -o certificate.pdf [--lang en|zh-CN] [--json]

Downloads the PDF certificate of an anchored entry (the receipt is attached inside).

${SERVICE}

exit codes: 0 written · 2 usage or I/O error · 3 service error (RECEIPT_PENDING, ENTRY_NOT_FOUND …)`,

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

  "verify-capture": `usage: priorproof verify-capture <dir|zip> [--receipt FILE] [--rpc URL]… [--checkpoint BLOCKHASH]…
                                 [--offline] [--json]

Checks a capture bundle without the service: manifest.json follows priorproof-capture/1 in its
canonical encoding, every part it lists has its size and SHA-256 (a changed byte fails, naming the
part), and the receipt (receipt.json in the bundle, or --receipt) stamps the manifest's SHA-256 and is
confirmed on its chain (--rpc) or by a pinned block hash (--checkpoint), as priorproof verify does.

exit codes: 0 verified · 1 not verified (a part differs, or the receipt was not confirmed) · 2 usage or I/O error`,
};
