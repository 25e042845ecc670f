// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IEvidenceAnchor} from "./IEvidenceAnchor.sol";
import {RFC6962} from "./RFC6962.sol";

/**
 * @title EvidenceAnchor
 * @notice Append-only registry of PriorProof batch roots. Not upgradeable on purpose: an evidence
 * registry whose code could change would weaken every timestamp it ever recorded.
 * @dev Roles through OpenZeppelin AccessControl: DEFAULT_ADMIN_ROLE grants and revokes ANCHORER_ROLE.
 */
contract EvidenceAnchor is IEvidenceAnchor, AccessControl {
    /// @notice Role allowed to call {anchor}.
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    mapping(bytes32 root => Anchor) private _anchors;

    /**
     * @param admin Account given DEFAULT_ADMIN_ROLE (it can grant and revoke anchorers).
     * @param anchorer First account given ANCHORER_ROLE; address(0) grants none.
     */
    constructor(address admin, address anchorer) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (anchorer != address(0)) _grantRole(ANCHORER_ROLE, anchorer);
    }

    /// @inheritdoc IEvidenceAnchor
    function anchor(bytes32 root, uint64 treeSize) external onlyRole(ANCHORER_ROLE) {
        if (root == bytes32(0)) revert ZeroRoot();
        if (treeSize == 0) revert EmptyTree();
        uint64 anchoredAt = _anchors[root].timestamp;
        if (anchoredAt != 0) revert RootAlreadyAnchored(root, anchoredAt);

        _anchors[root] = Anchor({
            timestamp: uint64(block.timestamp),
            blockNumber: uint64(block.number),
            treeSize: treeSize
        });
        emit Anchored(root, treeSize, msg.sender);
    }

    /// @inheritdoc IEvidenceAnchor
    function getAnchor(bytes32 root) external view returns (Anchor memory) {
        return _anchors[root];
    }

    /// @inheritdoc IEvidenceAnchor
    function verifyInclusion(
        bytes32 leafHash,
        uint256 index,
        uint256 treeSize,
        bytes32[] calldata path,
        bytes32 root
    ) external view returns (bool included, uint64 anchoredAt) {
        if (index >= treeSize) revert IndexOutOfRange(index, treeSize);
        Anchor memory a = _anchors[root];
        if (a.timestamp == 0 || a.treeSize != treeSize) return (false, 0);
        (bool ok, bytes32 computed) = RFC6962.rootFromPath(leafHash, index, treeSize, path);
        if (!ok || computed != root) return (false, 0);
        return (true, a.timestamp);
    }
}
