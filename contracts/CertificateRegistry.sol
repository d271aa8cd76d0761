// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ICertificateRegistry} from "./interfaces/ICertificateRegistry.sol";
import {AdministrationRegistry} from "./AdministrationRegistry.sol";
import {Clock} from "./Clock.sol";

/// @title AEO certificates and their lifecycle
/// @notice See {ICertificateRegistry}.
/// @dev A certificate occupies exactly one storage slot (`Certificate` packs into 256 bits), so
/// issuing costs one fresh slot and every later event one slot update. Every write goes through
/// the same three steps: `_checkTerms` (the one validation), `_pack` (the one packing of the
/// terms) and `_record` (the one history head and the one store).
abstract contract CertificateRegistry is ICertificateRegistry, AdministrationRegistry, Clock {
    /// @notice Flag bit 0: the operator is a small or medium-sized enterprise.
    uint8 public constant FLAG_SME = 1;
    /// @notice Flag bit 1: the operator withholds (or has withdrawn) its consent to the exchange
    /// of its data with MRA partners; no partner recognises the certificate. Clear: consent given,
    /// so certificates issued before the bit existed keep their recognition.
    uint8 public constant FLAG_CONSENT_WITHHELD = 2;
    /// @dev Every defined flag bit.
    uint256 private constant KNOWN_FLAGS = 3;

    /// @dev Bits 0..103 of a certificate word: status, programmes, roles, flags, validFrom, validUntil.
    uint256 private constant STATE_MASK = (1 << 104) - 1;
    uint256 private constant STATUS_MASK = 0xff;
    uint256 private constant COUNT_SHIFT = 104;
    uint256 private constant HEAD_SHIFT = 128;
    /// @dev ABI size of one `CertificateInput` (seven static words).
    uint256 private constant INPUT_SIZE = 0xe0;

    /// @dev A storage slot holding one certificate word (OpenZeppelin's `StorageSlot` pattern).
    struct CertificateSlot {
        uint256 word;
    }

    // Certificate storage: one word per certificate, laid out as the `Certificate` struct
    // (status | programmes << 8 | roles << 16 | flags << 32 | validFrom << 40 | validUntil << 72
    // | eventCount << 104 | head << 128), kept at the storage slot whose number is the certificate
    // id itself (read and written by `_load` and `_store` only). Ids begin with two upper-case
    // ASCII bytes, so they never meet the contract's sequential slots, and they are keccak
    // outputs like the slots of Solidity mappings, which they meet no more often than two
    // mappings meet each other. It saves the mapping's slot hash on every certificate access.

    /// @inheritdoc ICertificateRegistry
    function issue(CertificateInput calldata input) external returns (bytes32 id) {
        return _issue(_writer(), _offset(input));
    }

    /// @inheritdoc ICertificateRegistry
    function issueBatch(CertificateInput[] calldata inputs) external returns (bytes32[] memory ids) {
        bytes2 issuer = _writer();
        uint256 count = inputs.length;
        if (count == 0) revert EmptyBatch();
        // The return data is written in place (offset word, length, then each id as it is
        // issued) and returned as it stands: no `bytes32[]` index check per item and no
        // re-encoding loop after the last. Measured: 176 gas and 24 opcodes per certificate
        // (py-evm interprets each one: a batch's time is set by this loop), 2,880,488 ->
        // 2,862,748 gas for a batch of 101.
        uint256 offset;
        uint256 out;
        uint256 start;
        assembly ("memory-safe") {
            offset := inputs.offset
            start := mload(0x40)
            mstore(start, 0x20)
            mstore(add(start, 0x20), count)
            out := add(start, 0x40)
            mstore(0x40, add(out, shl(5, count)))
        }
        // Unchecked: `count` items of calldata cannot overflow an offset.
        unchecked {
            uint256 end = offset + count * INPUT_SIZE;
            for (; offset < end; offset += INPUT_SIZE) {
                bytes32 id = _issue(issuer, offset);
                assembly ("memory-safe") {
                    mstore(out, id)
                    out := add(out, 0x20)
                }
            }
        }
        assembly ("memory-safe") {
            return(start, sub(out, start))
        }
    }

    /// @inheritdoc ICertificateRegistry
    function suspend(bytes32 id, uint16 reasonCode) external {
        if (reasonCode == 0) revert MissingReasonCode();
        (uint256 word, bytes2 issuer) = _loadForIssuer(id);
        Status status = _status(word);
        if (status != Status.Active) revert CertificateNotActive(id, status);
        (uint24 sequence, bytes16 head) =
            _record(id, word, _withStatus(word, Status.Suspended), Action.Suspended, 0, reasonCode);
        emit CertificateSuspended(id, issuer, sequence, reasonCode, head);
    }

    /// @inheritdoc ICertificateRegistry
    function reinstate(bytes32 id, uint16 reasonCode) external {
        (uint256 word, bytes2 issuer) = _loadForIssuer(id);
        Status status = _status(word);
        if (status != Status.Suspended) revert CertificateNotSuspended(id, status);
        (uint24 sequence, bytes16 head) =
            _record(id, word, _withStatus(word, Status.Active), Action.Reinstated, 0, reasonCode);
        emit CertificateReinstated(id, issuer, sequence, reasonCode, head);
    }

    /// @inheritdoc ICertificateRegistry
    function revoke(bytes32 id, uint16 reasonCode) external {
        if (reasonCode == 0) revert MissingReasonCode();
        (uint256 word, bytes2 issuer) = _loadOpenForIssuer(id);
        (uint24 sequence, bytes16 head) =
            _record(id, word, _withStatus(word, Status.Revoked), Action.Revoked, 0, reasonCode);
        emit CertificateRevoked(id, issuer, sequence, reasonCode, head);
    }

    /// @inheritdoc ICertificateRegistry
    function annul(bytes32 id, uint16 reasonCode) external {
        if (reasonCode == 0) revert MissingReasonCode();
        (uint256 word, bytes2 issuer) = _loadOpenForIssuer(id);
        (uint24 sequence, bytes16 head) =
            _record(id, word, _withStatus(word, Status.Annulled), Action.Annulled, 0, reasonCode);
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
        uint256 state = _pack(word & STATUS_MASK, programmes, roles, flags, validFrom, validUntil);
        (uint24 sequence, bytes16 head) = _record(id, word, state, Action.Amended, documentHash, reasonCode);
        emit CertificateAmended(
            id, issuer, sequence, programmes, roles, flags, validFrom, validUntil, documentHash, reasonCode, head
        );
        if ((word >> 32 ^ flags) & FLAG_CONSENT_WITHHELD != 0) {
            emit CertificateConsentChanged(id, issuer, sequence, flags & FLAG_CONSENT_WITHHELD == 0);
        }
    }

    /// @inheritdoc ICertificateRegistry
    function renew(bytes32 id, uint32 validFrom, uint32 validUntil, bytes32 documentHash) external {
        // Validated before the certificate is read, as every write validates its input first: the
        // scope and flags stay the stored ones (valid since issue), so a minimal valid scope
        // stands in for them.
        _checkTerms(1, 1, 0, validFrom, validUntil, documentHash);
        (uint256 word, bytes2 issuer) = _loadOpenForIssuer(id);
        Certificate memory cert = _unpack(word);
        uint256 state = _pack(uint256(cert.status), cert.programmes, cert.roles, cert.flags, validFrom, validUntil);
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
    function _certificate(bytes32 id) internal view returns (Certificate memory) {
        return _unpack(_load(id));
    }

    /// @dev Number of events of a certificate (0 when unknown).
    function _eventCount(bytes32 id) internal view returns (uint24) {
        return uint24(_load(id) >> COUNT_SHIFT);
    }

    /// @dev Issues one certificate of `issuer` from the `CertificateInput` at calldata `offset`
    /// (the single and the batch path alike).
    function _issue(bytes2 issuer, uint256 offset) private returns (bytes32 id) {
        uint256 certificateNumber;
        uint256 programmes;
        uint256 roles;
        uint256 flags;
        uint256 validFrom;
        uint256 validUntil;
        uint256 documentHash;
        // The seven input words as they are, without the ABI decoder's per-field checks and
        // jumps (`_checkTerms` range-checks every word itself): py-evm interprets each opcode, so
        // batch throughput is set here. Measured: a batch of 100 runs in 77 ms of py-evm CPU
        // time this way, 108-122 ms through the decoder.
        assembly ("memory-safe") {
            certificateNumber := calldataload(offset)
            programmes := calldataload(add(offset, 0x20))
            roles := calldataload(add(offset, 0x40))
            flags := calldataload(add(offset, 0x60))
            validFrom := calldataload(add(offset, 0x80))
            validUntil := calldataload(add(offset, 0xa0))
            documentHash := calldataload(add(offset, 0xc0))
        }
        if (certificateNumber == 0) revert EmptyCertificateNumber();
        _checkTerms(programmes, roles, flags, validFrom, validUntil, bytes32(documentHash));
        id = _certificateId(issuer, bytes32(certificateNumber));
        // The id begins with the issuer's code: `_load`'s test of its first two bytes is moot.
        if (_slot(id).word != 0) revert CertificateAlreadyIssued(id);
        uint256 state = _pack(uint256(Status.Active), programmes, roles, flags, validFrom, validUntil);
        (, bytes16 head) = _record(id, 0, state, Action.Issued, bytes32(documentHash), 0);
        _emitIssued(id, issuer, offset, head);
    }

    /// @dev `emit CertificateIssued(id, issuer, the input's seven fields..., head)`. The input's
    /// calldata words, validated clean by `_checkTerms`, are the event's first seven data words
    /// as they are: one copy instead of re-encoding each field. Measured: 144 gas per issue
    /// (52,562 -> 52,418), 126 per certificate of a batch.
    function _emitIssued(bytes32 id, bytes2 issuer, uint256 offset, bytes16 head) private {
        bytes32 topic = CertificateIssued.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, offset, INPUT_SIZE)
            mstore(add(p, INPUT_SIZE), head)
            log3(p, add(INPUT_SIZE, 0x20), topic, id, issuer)
        }
    }

    /// @dev The calldata offset of a `CertificateInput`.
    function _offset(CertificateInput calldata input) private pure returns (uint256 offset) {
        assembly ("memory-safe") {
            offset := input
        }
    }

    /// @dev Stores `state` with the next event number and history head; returns both. The one
    /// place where a head is computed and a certificate word is written (`word` 0: issuance).
    function _record(bytes32 id, uint256 word, uint256 state, Action action, bytes32 documentHash, uint16 reasonCode)
        private
        returns (uint24 sequence, bytes16 head)
    {
        sequence = uint24(word >> COUNT_SHIFT) + 1;
        head = _nextHead(bytes16(bytes32(word)), id, sequence, action, state, documentHash, reasonCode);
        _store(id, state | (uint256(sequence) << COUNT_SHIFT) | (uint256(uint128(head)) << HEAD_SHIFT));
    }

    /// @dev The word of a known certificate of the caller's administration.
    function _loadForIssuer(bytes32 id) private view returns (uint256 word, bytes2 issuer) {
        bytes2 caller = _writer();
        word = _load(id);
        if (word == 0) revert UnknownCertificate(id);
        issuer = bytes2(id);
        if (issuer != caller) revert NotIssuer(id, issuer, caller);
    }

    /// @dev As `_loadForIssuer`, for a certificate that is neither Revoked nor Annulled.
    function _loadOpenForIssuer(bytes32 id) private view returns (uint256 word, bytes2 issuer) {
        (word, issuer) = _loadForIssuer(id);
        Status status = _status(word);
        if (status == Status.Revoked || status == Status.Annulled) revert CertificateClosed(id, status);
    }

    /// @dev The one validation of a certificate's terms (issue, amend and renew). The words may
    /// come straight from calldata (`_issue`), so each is also checked against its type's range.
    function _checkTerms(
        uint256 programmes,
        uint256 roles,
        uint256 flags,
        uint256 validFrom,
        uint256 validUntil,
        bytes32 documentHash
    ) private pure {
        bool valid;
        // Every rule below folded into one branch-free test, so that valid terms (every batch
        // item) cost one jump instead of eleven: py-evm interprets each opcode.
        assembly ("memory-safe") {
            valid := and(
                and(
                    and(lt(sub(programmes, 1), 0xff), lt(sub(roles, 1), 0xffff)),
                    and(iszero(shr(2, flags)), iszero(iszero(documentHash)))
                ),
                and(
                    iszero(shr(32, or(validFrom, validUntil))),
                    or(iszero(validUntil), gt(validUntil, validFrom))
                )
            )
        }
        if (valid) return;
        if (programmes == 0 || roles == 0 || programmes > type(uint8).max || roles > type(uint16).max) {
            revert InvalidScope(uint8(programmes), uint16(roles));
        }
        if (flags & ~KNOWN_FLAGS != 0) revert UnknownFlags(uint8(flags));
        if (validFrom > type(uint32).max || validUntil > type(uint32).max || (validUntil != 0 && validUntil <= validFrom))
        {
            revert InvalidValidity(uint32(validFrom), uint32(validUntil));
        }
        revert EmptyDocumentHash();
    }

    /// @dev The one packing of a certificate's state (bits 0..103 of its word).
    function _pack(
        uint256 status,
        uint256 programmes,
        uint256 roles,
        uint256 flags,
        uint256 validFrom,
        uint256 validUntil
    ) private pure returns (uint256) {
        return status | (programmes << 8) | (roles << 16) | (flags << 32) | (validFrom << 40) | (validUntil << 72);
    }

    /// @dev The state of `word` with another status (the terms unchanged).
    function _withStatus(uint256 word, Status status) private pure returns (uint256) {
        return (word & STATE_MASK & ~STATUS_MASK) | uint256(status);
    }

    /// @dev The stored status of `word`.
    function _status(uint256 word) private pure returns (Status) {
        return Status(word & STATUS_MASK);
    }

    /// @dev A certificate word read back into its fields (the inverse of `_pack` and `_record`).
    function _unpack(uint256 word) private pure returns (Certificate memory cert) {
        cert.status = _status(word);
        cert.programmes = uint8(word >> 8);
        cert.roles = uint16(word >> 16);
        cert.flags = uint8(word >> 32);
        cert.validFrom = uint32(word >> 40);
        cert.validUntil = uint32(word >> 72);
        cert.eventCount = uint24(word >> COUNT_SHIFT);
        cert.head = bytes16(bytes32(word));
    }

    /// @dev The word of certificate `id` (0 when unknown); see the storage note at the top. An id
    /// that does not begin with two upper-case ASCII letters is no certificate id: it reads as
    /// unknown, never as whatever other state its number would address.
    function _load(bytes32 id) private view returns (uint256) {
        bool alpha2;
        // The same test as `a >= 0x41 && a <= 0x5A && ...` on `id[0]` and `id[1]`, without
        // Solidity's index checks and short-circuit jumps. Measured: 213 gas on every certificate
        // read (suspend 32,965 -> 32,752, acknowledge 54,689 -> 54,476).
        assembly ("memory-safe") {
            let a := byte(0, id)
            let b := byte(1, id)
            alpha2 := and(lt(sub(a, 0x41), 26), lt(sub(b, 0x41), 26))
        }
        return alpha2 ? _slot(id).word : 0;
    }

    /// @dev Writes the word of certificate `id`.
    function _store(bytes32 id, uint256 word) private {
        _slot(id).word = word;
    }

    /// @dev The storage slot numbered `id` (used by `_load`, `_store` and `_issue`'s test for an
    /// existing id only).
    function _slot(bytes32 id) private pure returns (CertificateSlot storage slot) {
        assembly ("memory-safe") {
            slot.slot := id
        }
    }

    /// @dev `bytes32(issuer) | (keccak256(abi.encode(issuer, number)) >> 16)`. Assembly hashes in
    /// the scratch space (0x00..0x3f) instead of allocating 96 bytes: about 200 gas per issuance.
    function _certificateId(bytes2 issuer, bytes32 certificateNumber) private pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, issuer)
            mstore(0x20, certificateNumber)
            id := or(issuer, shr(16, keccak256(0x00, 0x40)))
        }
    }

    /// @dev `bytes16(keccak256(abi.encode(previous, id, sequence, action, state, documentHash, reasonCode)))`.
    function _nextHead(
        bytes16 previous,
        bytes32 id,
        uint24 sequence,
        Action action,
        uint256 state,
        bytes32 documentHash,
        uint16 reasonCode
    ) private pure returns (bytes16 head) {
        // Hashed past the free memory pointer without allocating: abi.encode would allocate 256
        // bytes per event, and a batch's memory (and its quadratic cost) would grow with each
        // certificate. Measured: 136 gas per lifecycle event (suspend 33,101 -> 32,965).
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
