// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/**
 * @title IEvidenceAnchor
 * @notice Records Merkle roots of batched evidence digests, once and forever, and verifies RFC 9162
 * inclusion proofs against them so that anyone can check an entry from a block explorer.
 * @dev Example, from a block explorer's "write contract" tab (anchorer role required):
 *      anchor(0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, 1000)
 *      and from its "read contract" tab (anyone):
 *      verifyInclusion(leafHash, 17, 1000, [sibling0, sibling1, ...], root) -> (true, 1764000000)
 */
interface IEvidenceAnchor {
    /**
     * @notice What the chain witnessed for one root.
     * @param timestamp Block timestamp (Unix seconds) of the block that anchored the root; 0 if unknown.
     * @param blockNumber Number of that block.
     * @param treeSize Number of leaves in the RFC 9162 tree whose root was anchored.
     */
    struct Anchor {
        uint64 timestamp;
        uint64 blockNumber;
        uint64 treeSize;
    }

    /**
     * @notice Emitted once per root, when it is anchored.
     * @param root The RFC 9162 Merkle tree head (SHA-256).
     * @param treeSize Number of leaves in the tree.
     * @param anchorer The account holding the anchorer role that sent the transaction.
     */
    event Anchored(bytes32 indexed root, uint64 treeSize, address indexed anchorer);

    /// @notice The root was anchored before, at `anchoredAt` (Unix seconds); history is never rewritten.
    error RootAlreadyAnchored(bytes32 root, uint64 anchoredAt);

    /// @notice The zero value is reserved to mean "not anchored".
    error ZeroRoot();

    /// @notice A tree has at least one leaf.
    error EmptyTree();

    /// @notice An inclusion proof names a leaf outside the tree: malformed input, not a failed proof.
    error IndexOutOfRange(uint256 index, uint256 treeSize);

    /**
     * @notice Records `root` with the current block's timestamp and number. First write wins, forever.
     * @dev Reverts with {RootAlreadyAnchored} if `root` is known, {ZeroRoot} or {EmptyTree} on bad input,
     * and with an AccessControl error if the sender lacks the anchorer role. Emits {Anchored}.
     * @param root RFC 9162 tree head of the batch.
     * @param treeSize Number of leaves in the batch (at least 1).
     */
    function anchor(bytes32 root, uint64 treeSize) external;

    /**
     * @notice Reads what was recorded for `root`; every field is zero if it was never anchored.
     * @param root The tree head to look up.
     * @return The recorded anchor.
     */
    function getAnchor(bytes32 root) external view returns (Anchor memory);

    /**
     * @notice Checks that `leafHash` is leaf number `index` of an anchored tree of `treeSize` leaves
     * with head `root`, by the RFC 9162 section 2.1.3.2 algorithm with SHA-256.
     * @dev WARNING: `leafHash` must be SHA-256(0x00 || leaf data). Inner nodes are hashed with a 0x01
     * prefix, so no inner node is a valid leaf hash; and because the algorithm derives the exact path
     * length from (`index`, `treeSize`), an inner node presented as a leaf with a shortened path fails.
     * Also fails (returns false) if `root` is not anchored or was anchored with another tree size.
     * @param leafHash SHA-256(0x00 || leaf data) of the entry.
     * @param index Zero-based position of the leaf in the tree.
     * @param treeSize Number of leaves in the tree.
     * @param path Sibling hashes from the leaf up to the root, as RFC 9162 orders them.
     * @param root The anchored tree head.
     * @return included True when the path leads to `root` and `root` is anchored with `treeSize`.
     * @return anchoredAt Block timestamp (Unix seconds) of the anchor when `included`, else 0.
     */
    function verifyInclusion(
        bytes32 leafHash,
        uint256 index,
        uint256 treeSize,
        bytes32[] calldata path,
        bytes32 root
    ) external view returns (bool included, uint64 anchoredAt);
}
