// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ICertificateRegistry} from "./interfaces/ICertificateRegistry.sol";
import {AdministrationRegistry} from "./AdministrationRegistry.sol";
import {Clock} from "./Clock.sol";

/// @title AEO certificates and their lifecycle
/// @notice See {ICertificateRegistry}.
/// @dev A certificate occupies exactly one storage slot (`Certificate` packs into 256 bits), so
/// issuing costs one fresh slot and every later event one slot update.
abstract contract CertificateRegistry is ICertificateRegistry, AdministrationRegistry, Clock {
    /// @notice Flag bit 0: the operator is a small or medium-sized enterprise.
    uint8 public constant FLAG_SME = 1;

    /// @dev Bits 0..103 of a certificate word: status, programmes, roles, flags, validFrom, validUntil.
    uint256 private constant STATE_MASK = (1 << 104) - 1;
    uint256 private constant STATUS_MASK = 0xff;
    uint256 private constant COUNT_SHIFT = 104;
    uint256 private constant HEAD_SHIFT = 128;
    /// @dev ABI size of one `CertificateInput` (seven static words).
    uint256 private constant INPUT_SIZE = 0xe0;

    // Certificate storage: one word per certificate, laid out as the `Certificate` struct
    // (status | programmes << 8 | roles << 16 | flags << 32 | validFrom << 40 | validUntil << 72
    // | eventCount << 104 | head << 128), kept at the storage slot whose number is the certificate
    // id itself (read and written by `_load` and `_store` only). Ids begin with two upper-case
    // ASCII bytes, so they never meet the contract's sequential slots, and they are keccak
    // outputs like the slots of Solidity mappings, which they meet no more often than two
    // mappings meet each other. It saves the mapping's slot hash on every certificate access.

    /// @inheritdoc ICertificateRegistry
    function issue(CertificateInput calldata input) external returns (bytes32 id) {
        uint256 offset;
        assembly ("memory-safe") {
            offset := input
        }
        return _issue(_writer(), offset);
    }

    /// @inheritdoc ICertificateRegistry
    function issueBatch(CertificateInput[] calldata inputs) external returns (bytes32[] memory) {
        bytes2 issuer = _writer();
        uint256 count = inputs.length;
        if (count == 0) revert EmptyBatch();
        // The return data, ABI-encoded in place (offset, length, ids) so that the loop writes each
        // id once and nothing is re-encoded after it.
        bytes memory encoded = new bytes(0x40 + count * 0x20);
        uint256 offset;
        uint256 out;
        assembly ("memory-safe") {
            offset := inputs.offset
            mstore(add(encoded, 0x20), 0x20)
            mstore(add(encoded, 0x40), count)
            out := add(encoded, 0x60)
        }
        (uint256 failedAt, bytes32 duplicate) = _issueAll(issuer, offset, count, out);
        if (duplicate != bytes32(0)) revert CertificateAlreadyIssued(duplicate);
        if (failedAt != 0) _revertInvalidInput(failedAt);
        assembly ("memory-safe") {
            return(add(encoded, 0x20), mload(encoded))
        }
    }

    /// @inheritdoc ICertificateRegistry
    function suspend(bytes32 id, uint16 reasonCode) external {
        if (reasonCode == 0) revert MissingReasonCode();
        (uint256 word, bytes2 issuer) = _loadForIssuer(id);
        Status status = Status(word & STATUS_MASK);
        if (status != Status.Active) revert CertificateNotActive(id, status);
        (uint24 sequence, bytes16 head) =
            _record(id, word, (word & STATE_MASK & ~STATUS_MASK) | uint256(Status.Suspended), Action.Suspended, 0, reasonCode);
        emit CertificateSuspended(id, issuer, sequence, reasonCode, head);
    }

    /// @inheritdoc ICertificateRegistry
    function reinstate(bytes32 id, uint16 reasonCode) external {
        (uint256 word, bytes2 issuer) = _loadForIssuer(id);
        Status status = Status(word & STATUS_MASK);
        if (status != Status.Suspended) revert CertificateNotSuspended(id, status);
        (uint24 sequence, bytes16 head) =
            _record(id, word, (word & STATE_MASK & ~STATUS_MASK) | uint256(Status.Active), Action.Reinstated, 0, reasonCode);
        emit CertificateReinstated(id, issuer, sequence, reasonCode, head);
    }

    /// @inheritdoc ICertificateRegistry
    function revoke(bytes32 id, uint16 reasonCode) external {
        if (reasonCode == 0) revert MissingReasonCode();
        (uint256 word, bytes2 issuer) = _loadOpenForIssuer(id);
        (uint24 sequence, bytes16 head) =
            _record(id, word, (word & STATE_MASK & ~STATUS_MASK) | uint256(Status.Revoked), Action.Revoked, 0, reasonCode);
        emit CertificateRevoked(id, issuer, sequence, reasonCode, head);
    }

    /// @inheritdoc ICertificateRegistry
    function annul(bytes32 id, uint16 reasonCode) external {
        if (reasonCode == 0) revert MissingReasonCode();
        (uint256 word, bytes2 issuer) = _loadOpenForIssuer(id);
        (uint24 sequence, bytes16 head) =
            _record(id, word, (word & STATE_MASK & ~STATUS_MASK) | uint256(Status.Annulled), Action.Annulled, 0, reasonCode);
        emit CertificateAnnulled(id, issuer, sequence, reasonCode, head);
    }

    /// @inheritdoc ICertificateRegistry
    function amend(
        bytes32 id,
        uint8 programmes,
        uint16 roles,
        uint8 flags,
        uint32 validFrom,
        uint32 validUntil,
        bytes32 documentHash,
        uint16 reasonCode
    ) external {
        _checkTerms(programmes, roles, flags, validFrom, validUntil, documentHash);
        (uint256 word, bytes2 issuer) = _loadOpenForIssuer(id);
        uint256 state = _packState(word & STATUS_MASK, programmes, roles, flags, validFrom, validUntil);
        (uint24 sequence, bytes16 head) = _record(id, word, state, Action.Amended, documentHash, reasonCode);
        emit CertificateAmended(
            id, issuer, sequence, programmes, roles, flags, validFrom, validUntil, documentHash, reasonCode, head
        );
    }

    /// @inheritdoc ICertificateRegistry
    function renew(bytes32 id, uint32 validFrom, uint32 validUntil, bytes32 documentHash) external {
        if (validUntil != 0 && validUntil <= validFrom) revert InvalidValidity(validFrom, validUntil);
        if (documentHash == bytes32(0)) revert EmptyDocumentHash();
        (uint256 word, bytes2 issuer) = _loadOpenForIssuer(id);
        uint256 state = (word & ((1 << 40) - 1)) | (uint256(validFrom) << 40) | (uint256(validUntil) << 72);
        (uint24 sequence, bytes16 head) = _record(id, word, state, Action.Renewed, documentHash, 0);
        emit CertificateRenewed(id, issuer, sequence, validFrom, validUntil, documentHash, head);
    }

    /// @inheritdoc ICertificateRegistry
    function certificate(bytes32 id) external view returns (Certificate memory) {
        return _certificate(id);
    }

    /// @inheritdoc ICertificateRegistry
    function issuerOf(bytes32 id) external pure returns (bytes2) {
        return bytes2(id);
    }

    /// @inheritdoc ICertificateRegistry
    function certificateId(bytes2 issuer, bytes32 number) external pure returns (bytes32) {
        return _certificateId(issuer, number);
    }

    /// @inheritdoc ICertificateRegistry
    function historyHead(bytes32 id) external view returns (uint24 eventCount, bytes16 head) {
        uint256 word = _load(id);
        return (uint24(word >> COUNT_SHIFT), bytes16(bytes32(word)));
    }

    /// @dev The stored record of a certificate (status None when unknown).
    function _certificate(bytes32 id) internal view returns (Certificate memory cert) {
        uint256 word = _load(id);
        cert.status = Status(word & STATUS_MASK);
        cert.programmes = uint8(word >> 8);
        cert.roles = uint16(word >> 16);
        cert.flags = uint8(word >> 32);
        cert.validFrom = uint32(word >> 40);
        cert.validUntil = uint32(word >> 72);
        cert.eventCount = uint24(word >> COUNT_SHIFT);
        cert.head = bytes16(bytes32(word));
    }

    /// @dev Number of events of a certificate (0 when unknown).
    function _eventCount(bytes32 id) internal view returns (uint24) {
        return uint24(_load(id) >> COUNT_SHIFT);
    }

    /// @dev Issues the certificate whose `CertificateInput` starts at calldata `offset`. The fast
    /// path reads, validates and logs the input words directly (py-evm interprets every opcode, so
    /// batch throughput is set by this loop); invalid input falls back to `_revertInvalidInput`,
    /// which names the error.
    function _issue(bytes2 issuer, uint256 offset) private returns (bytes32 id) {
        uint256 state;
        bool valid;
        assembly ("memory-safe") {
            let programmes := calldataload(add(offset, 0x20))
            let roles := calldataload(add(offset, 0x40))
            let flags := calldataload(add(offset, 0x60))
            let validFrom := calldataload(add(offset, 0x80))
            let validUntil := calldataload(add(offset, 0xa0))
            valid := and(
                and(
                    and(iszero(iszero(calldataload(offset))), iszero(iszero(calldataload(add(offset, 0xc0))))),
                    and(lt(sub(programmes, 1), 0xff), lt(sub(roles, 1), 0xffff))
                ),
                and(
                    and(lt(flags, 2), lt(validFrom, 0x100000000)),
                    and(lt(validUntil, 0x100000000), or(iszero(validUntil), gt(validUntil, validFrom)))
                )
            )
            state := or(
                or(or(1, shl(8, programmes)), or(shl(16, roles), shl(32, flags))),
                or(shl(40, validFrom), shl(72, validUntil))
            )
        }
        if (!valid) _revertInvalidInput(offset);
        bool exists;
        assembly ("memory-safe") {
            mstore(0x00, issuer)
            mstore(0x20, calldataload(offset))
            id := or(issuer, shr(16, keccak256(0x00, 0x40)))
            exists := iszero(iszero(sload(id)))
        }
        if (exists) revert CertificateAlreadyIssued(id);
        bytes32 topic = CertificateIssued.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            // head_1 = bytes16(keccak256(abi.encode(0, id, 1, Action.Issued, state, documentHash, 0)))
            mstore(p, 0)
            mstore(add(p, 0x20), id)
            mstore(add(p, 0x40), 1)
            mstore(add(p, 0x60), 1)
            mstore(add(p, 0x80), state)
            mstore(add(p, 0xa0), calldataload(add(offset, 0xc0)))
            mstore(add(p, 0xc0), 0)
            let head := and(keccak256(p, 0xe0), not(sub(shl(128, 1), 1)))
            sstore(id, or(or(state, shl(104, 1)), head))
            // CertificateIssued data: the input words (validated above) followed by the head.
            calldatacopy(p, offset, 0xe0)
            mstore(add(p, 0xe0), head)
            log3(p, 0x100, topic, id, issuer)
        }
    }

    /// @dev The batch loop, in one assembly block: py-evm interprets every opcode, so batch
    /// throughput is set here. Same steps as `_issue` for each input; stops at the first invalid
    /// input (returns its calldata offset) or existing certificate (returns its id), for the
    /// caller to revert with the named error. Each id is written at memory `out` onwards.
    function _issueAll(bytes2 issuer, uint256 offset, uint256 count, uint256 out)
        private
        returns (uint256 failedAt, bytes32 duplicate)
    {
        bytes32 topic = CertificateIssued.selector;
        assembly ("memory-safe") {
            // Scratch past the free memory pointer (nothing is allocated): the head preimage at
            // `h` (its constant words written once) and the log data at `d`.
            let h := mload(0x40)
            let d := add(h, 0xe0)
            mstore(h, 0)
            mstore(add(h, 0x40), 1)
            mstore(add(h, 0x60), 1)
            mstore(add(h, 0xc0), 0)
            for {
                let ptr := offset
                let end := add(offset, mul(count, 0xe0))
            } lt(ptr, end) { ptr := add(ptr, 0xe0) } {
                calldatacopy(d, ptr, 0xe0)
                // Validate each word while packing the state (few live values: a lean loop).
                // `bad` collects out-of-range bits (dirty high bits), zeros where a value is
                // required, and a validity period that ends before it starts.
                let word := mload(add(d, 0x20)) // programmes
                let bad := or(iszero(word), shr(8, word))
                let state := or(1, shl(8, word))
                word := mload(add(d, 0x40)) // roles
                bad := or(bad, or(iszero(word), shr(16, word)))
                state := or(state, shl(16, word))
                word := mload(add(d, 0x60)) // flags
                bad := or(bad, shr(1, word))
                state := or(state, shl(32, word))
                let validFrom := mload(add(d, 0x80))
                word := mload(add(d, 0xa0)) // validUntil
                bad := or(bad, or(shr(32, or(validFrom, word)), and(iszero(iszero(word)), iszero(gt(word, validFrom)))))
                state := or(state, or(shl(40, validFrom), shl(72, word)))
                if or(bad, or(iszero(mload(d)), iszero(mload(add(d, 0xc0))))) {
                    failedAt := ptr
                    break
                }
                mstore(0x00, issuer)
                mstore(0x20, mload(d))
                let id := or(issuer, shr(16, keccak256(0x00, 0x40)))
                if sload(id) {
                    duplicate := id
                    break
                }
                // head_1 = bytes16(keccak256(abi.encode(0, id, 1, Action.Issued, state, documentHash, 0)))
                mstore(add(h, 0x20), id)
                mstore(add(h, 0x80), state)
                mstore(add(h, 0xa0), mload(add(d, 0xc0)))
                let head := and(keccak256(h, 0xe0), not(sub(shl(128, 1), 1)))
                sstore(id, or(or(state, shl(104, 1)), head))
                // CertificateIssued data: the validated input words followed by the head.
                mstore(add(d, 0xe0), head)
                log3(d, 0x100, topic, id, issuer)
                mstore(out, id)
                out := add(out, 0x20)
            }
        }
    }

    /// @dev The word of certificate `id` (0 when unknown); see the storage note at the top. An id
    /// that does not begin with two upper-case ASCII letters is no certificate id: it reads as
    /// unknown, never as whatever other state its number would address.
    function _load(bytes32 id) private view returns (uint256 word) {
        assembly ("memory-safe") {
            let a := byte(0, id)
            let b := byte(1, id)
            if and(and(gt(a, 0x40), lt(a, 0x5b)), and(gt(b, 0x40), lt(b, 0x5b))) { word := sload(id) }
        }
    }

    /// @dev Writes the word of certificate `id`.
    function _store(bytes32 id, uint256 word) private {
        assembly ("memory-safe") {
            sstore(id, word)
        }
    }

    /// @dev Reverts with the custom error that names what is wrong with the input at `offset`.
    function _revertInvalidInput(uint256 offset) private pure {
        uint256 certificateNumber;
        uint256 programmes;
        uint256 roles;
        uint256 flags;
        uint256 validFrom;
        uint256 validUntil;
        assembly ("memory-safe") {
            certificateNumber := calldataload(offset)
            programmes := calldataload(add(offset, 0x20))
            roles := calldataload(add(offset, 0x40))
            flags := calldataload(add(offset, 0x60))
            validFrom := calldataload(add(offset, 0x80))
            validUntil := calldataload(add(offset, 0xa0))
        }
        if (certificateNumber == 0) revert EmptyCertificateNumber();
        if (programmes == 0 || roles == 0 || programmes > type(uint8).max || roles > type(uint16).max) {
            revert InvalidScope(uint8(programmes), uint16(roles));
        }
        if (flags > FLAG_SME) revert UnknownFlags(uint8(flags));
        if (validFrom > type(uint32).max || validUntil > type(uint32).max || (validUntil != 0 && validUntil <= validFrom))
        {
            revert InvalidValidity(uint32(validFrom), uint32(validUntil));
        }
        revert EmptyDocumentHash();
    }

    /// @dev Stores the new state with the next event number and head; returns both.
    function _record(bytes32 id, uint256 word, uint256 state, Action action, bytes32 documentHash, uint16 reasonCode)
        private
        returns (uint24 sequence, bytes16 head)
    {
        sequence = uint24(word >> COUNT_SHIFT) + 1;
        head = _nextHead(bytes16(bytes32(word)), id, sequence, action, state, documentHash, reasonCode);
        _store(id, state | (uint256(sequence) << COUNT_SHIFT) | (uint256(uint128(head)) << HEAD_SHIFT));
    }

    function _loadForIssuer(bytes32 id) private view returns (uint256 word, bytes2 issuer) {
        bytes2 caller = _writer();
        word = _load(id);
        if (word == 0) revert UnknownCertificate(id);
        issuer = bytes2(id);
        if (issuer != caller) revert NotIssuer(id, issuer, caller);
    }

    function _loadOpenForIssuer(bytes32 id) private view returns (uint256 word, bytes2 issuer) {
        (word, issuer) = _loadForIssuer(id);
        Status status = Status(word & STATUS_MASK);
        if (status == Status.Revoked || status == Status.Annulled) revert CertificateClosed(id, status);
    }

    function _checkTerms(
        uint8 programmes,
        uint16 roles,
        uint8 flags,
        uint32 validFrom,
        uint32 validUntil,
        bytes32 documentHash
    ) private pure {
        if (programmes == 0 || roles == 0) revert InvalidScope(programmes, roles);
        if (flags & ~FLAG_SME != 0) revert UnknownFlags(flags);
        if (validUntil != 0 && validUntil <= validFrom) revert InvalidValidity(validFrom, validUntil);
        if (documentHash == bytes32(0)) revert EmptyDocumentHash();
    }

    function _certificateId(bytes2 issuer, bytes32 certificateNumber) private pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, issuer)
            mstore(0x20, certificateNumber)
            id := or(issuer, shr(16, keccak256(0x00, 0x40)))
        }
    }

    function _packState(
        uint256 status,
        uint8 programmes,
        uint16 roles,
        uint8 flags,
        uint32 validFrom,
        uint32 validUntil
    ) private pure returns (uint256) {
        return status | (uint256(programmes) << 8) | (uint256(roles) << 16) | (uint256(flags) << 32)
            | (uint256(validFrom) << 40) | (uint256(validUntil) << 72);
    }

    /// @dev `bytes16(keccak256(abi.encode(previous, id, sequence, action, state, documentHash, reasonCode)))`,
    /// hashed in scratch memory past the free memory pointer (nothing is allocated).
    function _nextHead(
        bytes16 previous,
        bytes32 id,
        uint24 sequence,
        Action action,
        uint256 state,
        bytes32 documentHash,
        uint16 reasonCode
    ) private pure returns (bytes16 head) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, previous)
            mstore(add(p, 0x20), id)
            mstore(add(p, 0x40), sequence)
            mstore(add(p, 0x60), action)
            mstore(add(p, 0x80), state)
            mstore(add(p, 0xa0), documentHash)
            mstore(add(p, 0xc0), reasonCode)
            head := and(keccak256(p, 0xe0), not(sub(shl(128, 1), 1)))
        }
    }
}
