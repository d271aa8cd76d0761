// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IMraRegistry} from "./interfaces/IMraRegistry.sol";
import {AdministrationRegistry} from "./AdministrationRegistry.sol";
import {Clock} from "./Clock.sol";

/// @title Mutual Recognition Agreements
/// @notice See {IMraRegistry}.
/// @dev Live MRAs (every party accepted, not terminated) are listed per pair of administrations,
/// so recognition and acknowledgement checks read the few MRAs joining two administrations and
/// never loop over all MRAs of one administration.
abstract contract MraRegistry is IMraRegistry, AdministrationRegistry, Clock {
    /// @notice Maximum number of parties of one MRA.
    uint256 public constant MAX_PARTIES = 16;
    /// @notice Maximum number of live MRAs joining the same two administrations.
    uint256 public constant MAX_LIVE_MRAS_PER_PAIR = 8;

    uint8 private constant NOT_PARTY = 0;
    uint8 private constant PENDING = 1;
    uint8 private constant ACCEPTED = 2;

    struct MraRecord {
        MraStatus status;
        bytes2 proposer;
        uint8 programmes;
        uint16 roles;
        uint32 effectiveFrom;
        uint8 acceptedCount;
        uint8 partyCount;
        uint24 eventCount;
        bytes32 documentHash;
        bytes32 head;
        bytes32 termsHash;
    }

    uint64 private _mraCount;
    mapping(uint64 mraId => MraRecord) private _mras;
    mapping(uint64 mraId => bytes2[]) private _parties;
    mapping(uint64 mraId => mapping(bytes2 code => uint8)) private _partyState;
    mapping(bytes2 code => uint64[]) private _mrasOf;
    mapping(bytes4 pair => uint64[]) private _live;

    /// @inheritdoc IMraRegistry
    function proposeMra(
        bytes2[] calldata parties,
        uint8 programmes,
        uint16 roles,
        uint32 effectiveFrom,
        bytes32 documentHash
    ) external returns (uint64 mraId) {
        bytes2 proposer = _writer();
        uint256 count = parties.length;
        if (count < 2) revert TooFewParties(count);
        if (count > MAX_PARTIES) revert TooManyParties(count, MAX_PARTIES);
        if (programmes == 0 || roles == 0) revert InvalidMraScope(programmes, roles);
        if (documentHash == bytes32(0)) revert EmptyMraDocument();
        mraId = ++_mraCount;
        bool proposerListed;
        for (uint256 i; i < count; ++i) {
            bytes2 party = parties[i];
            _requireActiveAdministration(party);
            if (_partyState[mraId][party] != NOT_PARTY) revert DuplicateParty(party);
            bool isProposer = party == proposer;
            proposerListed = proposerListed || isProposer;
            _partyState[mraId][party] = isProposer ? ACCEPTED : PENDING;
            _parties[mraId].push(party);
            _mrasOf[party].push(mraId);
        }
        if (!proposerListed) revert ProposerNotParty(proposer);
        MraRecord storage record = _mras[mraId];
        record.status = MraStatus.Proposed;
        record.proposer = proposer;
        record.programmes = programmes;
        record.roles = roles;
        record.effectiveFrom = effectiveFrom;
        record.acceptedCount = 1;
        record.partyCount = uint8(count);
        record.documentHash = documentHash;
        record.termsHash = keccak256(abi.encode(programmes, roles, effectiveFrom, documentHash, parties));
        bytes32 head = _advance(record, mraId, MraAction.Proposed, proposer, 0);
        emit MraProposed(mraId, proposer, parties, programmes, roles, effectiveFrom, documentHash, head);
    }

    /// @inheritdoc IMraRegistry
    function acceptMra(uint64 mraId) external {
        (MraRecord storage record, bytes2 party) = _forParty(mraId);
        if (record.status != MraStatus.Proposed) revert MraNotProposed(mraId, record.status);
        if (_partyState[mraId][party] == ACCEPTED) revert MraAlreadyAccepted(mraId, party);
        _partyState[mraId][party] = ACCEPTED;
        uint8 accepted = record.acceptedCount + 1;
        record.acceptedCount = accepted;
        if (accepted == record.partyCount) {
            record.status = MraStatus.Active;
            _link(mraId);
        }
        bytes32 head = _advance(record, mraId, MraAction.Accepted, party, 0);
        emit MraAccepted(mraId, party, record.eventCount, record.status, head);
    }

    /// @inheritdoc IMraRegistry
    function suspendMra(uint64 mraId, uint16 reasonCode) external {
        if (reasonCode == 0) revert MissingMraReason();
        (MraRecord storage record, bytes2 party) = _forParty(mraId);
        if (record.status != MraStatus.Active) revert MraNotActive(mraId, record.status);
        record.status = MraStatus.Suspended;
        bytes32 head = _advance(record, mraId, MraAction.Suspended, party, reasonCode);
        emit MraSuspended(mraId, party, record.eventCount, reasonCode, head);
    }

    /// @inheritdoc IMraRegistry
    function resumeMra(uint64 mraId) external {
        (MraRecord storage record, bytes2 party) = _forParty(mraId);
        if (record.status != MraStatus.Suspended) revert MraNotSuspended(mraId, record.status);
        record.status = MraStatus.Active;
        bytes32 head = _advance(record, mraId, MraAction.Resumed, party, 0);
        emit MraResumed(mraId, party, record.eventCount, head);
    }

    /// @inheritdoc IMraRegistry
    function terminateMra(uint64 mraId, uint16 reasonCode) external {
        if (reasonCode == 0) revert MissingMraReason();
        (MraRecord storage record, bytes2 party) = _forParty(mraId);
        MraStatus status = record.status;
        if (status == MraStatus.Terminated) revert MraAlreadyTerminated(mraId);
        if (status == MraStatus.Active || status == MraStatus.Suspended) _unlink(mraId);
        record.status = MraStatus.Terminated;
        bytes32 head = _advance(record, mraId, MraAction.Terminated, party, reasonCode);
        emit MraTerminated(mraId, party, record.eventCount, reasonCode, head);
    }

    /// @inheritdoc IMraRegistry
    function mra(uint64 mraId) external view returns (Mra memory) {
        MraRecord storage r = _mras[mraId];
        return Mra(
            r.status,
            r.proposer,
            r.programmes,
            r.roles,
            r.effectiveFrom,
            r.acceptedCount,
            r.eventCount,
            r.documentHash,
            r.head,
            r.termsHash,
            _parties[mraId]
        );
    }

    /// @inheritdoc IMraRegistry
    function mraCount() external view returns (uint64) {
        return _mraCount;
    }

    /// @inheritdoc IMraRegistry
    function mrasOf(bytes2 code) external view returns (uint64[] memory) {
        return _mrasOf[code];
    }

    /// @inheritdoc IMraRegistry
    function hasAccepted(uint64 mraId, bytes2 code) external view returns (bool) {
        return _partyState[mraId][code] == ACCEPTED;
    }

    /// @inheritdoc IMraRegistry
    function liveMrasBetween(bytes2 a, bytes2 b) external view returns (uint64[] memory) {
        return _live[_pairKey(a, b)];
    }

    /// @inheritdoc IMraRegistry
    function mraInForce(uint64 mraId) external view returns (bool) {
        MraRecord storage r = _mras[mraId];
        return r.status == MraStatus.Active && r.effectiveFrom <= _time();
    }

    /// @dev Whether at least one live MRA joins `a` and `b`.
    function _hasLiveMra(bytes2 a, bytes2 b) internal view returns (bool) {
        return _live[_pairKey(a, b)].length != 0;
    }

    /// @dev Programmes recognised between `issuer` and `recognizer` for a certificate with the
    /// given programmes and roles, and the lowest id of the MRAs in force that grant them.
    function _recognisedProgrammes(bytes2 issuer, bytes2 recognizer, uint8 programmes, uint16 roles)
        internal
        view
        returns (uint8 recognised, uint64 grantingMra)
    {
        uint64[] storage live = _live[_pairKey(issuer, recognizer)];
        uint256 count = live.length;
        uint256 now_ = _time();
        for (uint256 i; i < count; ++i) {
            uint64 mraId = live[i];
            MraRecord storage r = _mras[mraId];
            if (r.status != MraStatus.Active || r.effectiveFrom > now_ || r.roles & roles == 0) continue;
            uint8 overlap = r.programmes & programmes;
            if (overlap == 0) continue;
            recognised |= overlap;
            if (grantingMra == 0 || mraId < grantingMra) grantingMra = mraId;
        }
    }

    function _forParty(uint64 mraId) private view returns (MraRecord storage record, bytes2 party) {
        party = _writer();
        record = _mras[mraId];
        if (record.status == MraStatus.None) revert UnknownMra(mraId);
        if (_partyState[mraId][party] == NOT_PARTY) revert NotMraParty(mraId, party);
    }

    function _advance(MraRecord storage record, uint64 mraId, MraAction action, bytes2 actor, uint16 reasonCode)
        private
        returns (bytes32 head)
    {
        uint24 sequence = record.eventCount + 1;
        head = keccak256(
            abi.encode(record.head, mraId, sequence, action, actor, record.status, record.termsHash, reasonCode)
        );
        record.eventCount = sequence;
        record.head = head;
    }

    function _link(uint64 mraId) private {
        bytes2[] storage parties = _parties[mraId];
        uint256 count = parties.length;
        for (uint256 i; i < count; ++i) {
            for (uint256 j = i + 1; j < count; ++j) {
                uint64[] storage live = _live[_pairKey(parties[i], parties[j])];
                if (live.length >= MAX_LIVE_MRAS_PER_PAIR) {
                    revert TooManyMrasBetween(parties[i], parties[j], MAX_LIVE_MRAS_PER_PAIR);
                }
                live.push(mraId);
            }
        }
    }

    function _unlink(uint64 mraId) private {
        bytes2[] storage parties = _parties[mraId];
        uint256 count = parties.length;
        for (uint256 i; i < count; ++i) {
            for (uint256 j = i + 1; j < count; ++j) {
                uint64[] storage live = _live[_pairKey(parties[i], parties[j])];
                uint256 last = live.length - 1;
                for (uint256 k; k <= last; ++k) {
                    if (live[k] == mraId) {
                        live[k] = live[last];
                        live.pop();
                        break;
                    }
                }
            }
        }
    }

    function _pairKey(bytes2 a, bytes2 b) private pure returns (bytes4) {
        (bytes2 low, bytes2 high) = a < b ? (a, b) : (b, a);
        return bytes4(low) | (bytes4(high) >> 16);
    }
}
