// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Time seam
/// @notice All time-dependent logic reads `_time()`, which test harnesses override instead of
/// waiting for blocks.
abstract contract Clock {
    /// @dev The current time as Unix seconds.
    function _time() internal view virtual returns (uint256) {
        return block.timestamp;
    }
}
