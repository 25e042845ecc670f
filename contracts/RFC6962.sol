// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/**
 * @title RFC6962
 * @notice Merkle tree hashing and inclusion-proof verification of RFC 6962 / RFC 9162 (Certificate
 * Transparency) with SHA-256, the same tree the PriorProof SDK builds and verifies.
 */
library RFC6962 {
    /// @dev RFC 9162 section 2.1.1: leaf hashes are SHA-256(0x00 || data).
    bytes1 internal constant LEAF_PREFIX = 0x00;
    /// @dev RFC 9162 section 2.1.1: inner node hashes are SHA-256(0x01 || left || right).
    bytes1 internal constant NODE_PREFIX = 0x01;

    /**
     * @notice Hashes leaf data with the leaf prefix.
     * @param data The leaf data.
     * @return SHA-256(0x00 || data).
     */
    function hashLeaf(bytes memory data) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(LEAF_PREFIX, data));
    }

    /**
     * @notice Hashes two child nodes with the inner-node prefix.
     * @return SHA-256(0x01 || left || right).
     */
    function hashChildren(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(NODE_PREFIX, left, right));
    }

    /**
     * @notice Recomputes the tree head from a leaf hash and its inclusion path (RFC 9162 section
     * 2.1.3.2). Callers must ensure `index < treeSize`.
     * @dev WARNING: a path of the wrong length for (`index`, `treeSize`) yields ok = false, which is
     * what stops an inner node from being proven as a leaf.
     * @return ok False when the path is too short or too long for (`index`, `treeSize`).
     * @return root The recomputed head when `ok`.
     */
    function rootFromPath(bytes32 leafHash, uint256 index, uint256 treeSize, bytes32[] calldata path)
        internal
        pure
        returns (bool ok, bytes32 root)
    {
        uint256 fn = index;
        uint256 sn = treeSize - 1;
        bytes32 r = leafHash;
        uint256 length = path.length;
        for (uint256 i = 0; i < length; ++i) {
            if (sn == 0) return (false, bytes32(0)); // path longer than the tree is deep
            bytes32 p = path[i];
            if (fn & 1 == 1 || fn == sn) {
                r = hashChildren(p, r);
                if (fn & 1 == 0) {
                    // Right-most node of a level with no right sibling: climb until it is a right child.
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = hashChildren(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) return (false, bytes32(0)); // path shorter than the tree is deep
        return (true, r);
    }
}
