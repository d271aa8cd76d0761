// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AdministrationRegistry} from "./AdministrationRegistry.sol";
import {Recognition} from "./Recognition.sol";

/// @title aeo-ledger
/// @notice The shared ledger of AEO certificates and MRAs: administrations, certificates, MRAs,
/// recognition and acknowledgements behind one address. The modules share one deployment because
/// a call between contracts costs at least 2,600 gas more per write (EIP-2929 cold account access).
contract AeoLedger is Recognition {
    /// @param governance_ The consortium governance address (an EOA or a multisig contract).
    constructor(address governance_) AdministrationRegistry(governance_) {}
}
