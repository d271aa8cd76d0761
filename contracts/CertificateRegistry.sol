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

    /// @dev One word per certificate, laid out as the `Certificate` struct:
    /// status | programmes << 8 | roles << 16 | flags << 32 | validFrom << 40 | validUntil << 72
    /// | eventCount << 104 | head << 128.
    mapping(bytes32 id => uint256 word) private _certificates;

    /// @inheritdoc ICertificateRegistry
    function issue(CertificateInput calldata input) external returns (bytes32 id) {
        return _issue(_writer(), input);
    }

    /// @inheritdoc ICertificateRegistry
    function issueBatch(CertificateInput[] calldata inputs) external returns (bytes32[] memory ids) {
        bytes2 issuer = _writer();
        uint256 count = inputs.length;
        if (count == 0) revert EmptyBatch();
        ids = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            ids[i] = _issue(issuer, inputs[i]);
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
        uint256 word = _certificates[id];
        return (uint24(word >> COUNT_SHIFT), bytes16(bytes32(word)));
    }

    /// @dev The stored record of a certificate (status None when unknown).
    function _certificate(bytes32 id) internal view returns (Certificate memory cert) {
        uint256 word = _certificates[id];
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
        return uint24(_certificates[id] >> COUNT_SHIFT);
    }

    function _issue(bytes2 issuer, CertificateInput calldata input) private returns (bytes32 id) {
        bytes32 number = input.number;
        if (number == bytes32(0)) revert EmptyCertificateNumber();
        uint8 programmes = input.programmes;
        uint16 roles = input.roles;
        uint8 flags = input.flags;
        uint32 validFrom = input.validFrom;
        uint32 validUntil = input.validUntil;
        bytes32 documentHash = input.documentHash;
        _checkTerms(programmes, roles, flags, validFrom, validUntil, documentHash);
        id = _certificateId(issuer, number);
        if (_certificates[id] != 0) revert CertificateAlreadyIssued(id);
        uint256 state = _packState(uint256(Status.Active), programmes, roles, flags, validFrom, validUntil);
        bytes16 head = _nextHead(0, id, 1, Action.Issued, state, documentHash, 0);
        _certificates[id] = state | (1 << COUNT_SHIFT) | (uint256(uint128(head)) << HEAD_SHIFT);
        emit CertificateIssued(id, issuer, number, programmes, roles, flags, validFrom, validUntil, documentHash, head);
    }

    /// @dev Stores the new state with the next event number and head; returns both.
    function _record(bytes32 id, uint256 word, uint256 state, Action action, bytes32 documentHash, uint16 reasonCode)
        private
        returns (uint24 sequence, bytes16 head)
    {
        sequence = uint24(word >> COUNT_SHIFT) + 1;
        head = _nextHead(bytes16(bytes32(word)), id, sequence, action, state, documentHash, reasonCode);
        _certificates[id] = state | (uint256(sequence) << COUNT_SHIFT) | (uint256(uint128(head)) << HEAD_SHIFT);
    }

    function _loadForIssuer(bytes32 id) private view returns (uint256 word, bytes2 issuer) {
        bytes2 caller = _writer();
        word = _certificates[id];
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
