// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AeoLedger} from "../AeoLedger.sol";

/// @title Test harness: AeoLedger with a settable clock (never deployed outside tests)
contract AeoLedgerHarness is AeoLedger {
    uint256 private _fixedTime;

    constructor(address governance_) AeoLedger(governance_) {}

    /// @notice Pin `_time()` to `timestamp` (0 returns to the block timestamp).
    function setTime(uint256 timestamp) external {
        _fixedTime = timestamp;
    }

    function _time() internal view override returns (uint256) {
        return _fixedTime == 0 ? block.timestamp : _fixedTime;
    }
}
