// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Mutual Recognition Agreements
/// @notice An MRA joins two or more administrations (bilateral or plurilateral) with a scope
/// (programmes and operator roles), an effective date and the hash of the signed agreement.
/// One party proposes it (its own acceptance is implied); it is Active when every party has
/// accepted, and in force while Active and the effective date is reached. Any party may suspend,
/// resume or terminate it; Terminated is final.
///
/// Every MRA event extends its history head:
/// `head_n = keccak256(abi.encode(head_{n-1}, mraId, n, action, actor, status, termsHash, reasonCode))`
/// with `head_0 = 0`, the status taken after the event, and
/// `termsHash = keccak256(abi.encode(programmes, roles, effectiveFrom, documentHash, parties))`.
interface IMraRegistry {
    /// @notice Stored status of an MRA.
    enum MraStatus {
        None,
        Proposed,
        Active,
        Suspended,
        Terminated
    }

    /// @notice The action recorded by an MRA event (an input of the history head).
    enum MraAction {
        None,
        Proposed,
        Accepted,
        Suspended,
        Resumed,
        Terminated
    }

    /// @notice An MRA's on-chain record.
    struct Mra {
        MraStatus status;
        bytes2 proposer;
        uint8 programmes;
        uint16 roles;
        uint32 effectiveFrom;
        uint8 acceptedCount;
        uint24 eventCount;
        bytes32 documentHash;
        bytes32 head;
        bytes32 termsHash;
        bytes2[] parties;
    }

    /// @notice No MRA has this id.
    error UnknownMra(uint64 mraId);
    /// @notice An MRA needs at least two parties.
    error TooFewParties(uint256 count);
    /// @notice An MRA has at most `max` parties.
    error TooManyParties(uint256 count, uint256 max);
    /// @notice A party is listed twice.
    error DuplicateParty(bytes2 code);
    /// @notice The proposer must be one of the parties.
    error ProposerNotParty(bytes2 proposer);
    /// @notice Programmes and roles of the scope must each name at least one bit.
    error InvalidMraScope(uint8 programmes, uint16 roles);
    /// @notice The agreement document hash is zero.
    error EmptyMraDocument();
    /// @notice The caller's administration is not a party to the MRA.
    error NotMraParty(uint64 mraId, bytes2 code);
    /// @notice This party has already accepted the MRA.
    error MraAlreadyAccepted(uint64 mraId, bytes2 code);
    /// @notice The MRA must be Proposed for this action (accept).
    error MraNotProposed(uint64 mraId, MraStatus status);
    /// @notice The MRA must be Active for this action (suspend).
    error MraNotActive(uint64 mraId, MraStatus status);
    /// @notice The MRA must be Suspended for this action (resume).
    error MraNotSuspended(uint64 mraId, MraStatus status);
    /// @notice The MRA is already Terminated.
    error MraAlreadyTerminated(uint64 mraId);
    /// @notice Two administrations may have at most `max` live (accepted, not terminated) MRAs.
    error TooManyMrasBetween(bytes2 a, bytes2 b, uint256 max);
    /// @notice Suspension and termination need a non-zero reason code.
    error MissingMraReason();

    /// @notice An MRA was proposed; the proposer's acceptance is implied.
    event MraProposed(
        uint64 indexed mraId,
        bytes2 indexed proposer,
        bytes2[] parties,
        uint8 programmes,
        uint16 roles,
        uint32 effectiveFrom,
        bytes32 documentHash,
        bytes32 head
    );
    /// @notice A party accepted an MRA; `status` is Active once every party has accepted.
    event MraAccepted(uint64 indexed mraId, bytes2 indexed party, uint24 sequence, MraStatus status, bytes32 head);
    /// @notice A party suspended an MRA.
    event MraSuspended(uint64 indexed mraId, bytes2 indexed party, uint24 sequence, uint16 reasonCode, bytes32 head);
    /// @notice A party resumed a suspended MRA.
    event MraResumed(uint64 indexed mraId, bytes2 indexed party, uint24 sequence, bytes32 head);
    /// @notice A party terminated an MRA (final).
    event MraTerminated(uint64 indexed mraId, bytes2 indexed party, uint24 sequence, uint16 reasonCode, bytes32 head);

    /// @notice Propose an MRA among `parties` (which must include the caller's administration).
    /// @return mraId The new MRA's id (sequential from 1).
    function proposeMra(
        bytes2[] calldata parties,
        uint8 programmes,
        uint16 roles,
        uint32 effectiveFrom,
        bytes32 documentHash
    ) external returns (uint64 mraId);

    /// @notice Accept a proposed MRA as one of its parties.
    function acceptMra(uint64 mraId) external;

    /// @notice Suspend an Active MRA as one of its parties.
    function suspendMra(uint64 mraId, uint16 reasonCode) external;

    /// @notice Resume a Suspended MRA as one of its parties.
    function resumeMra(uint64 mraId) external;

    /// @notice Terminate a non-terminated MRA as one of its parties (final).
    function terminateMra(uint64 mraId, uint16 reasonCode) external;

    /// @notice The MRA record.
    function mra(uint64 mraId) external view returns (Mra memory);

    /// @notice Number of MRAs ever proposed (ids run from 1 to this number).
    function mraCount() external view returns (uint64);

    /// @notice Ids of all MRAs an administration is party to, in proposal order.
    function mrasOf(bytes2 code) external view returns (uint64[] memory);

    /// @notice Whether `code` has accepted MRA `mraId`.
    function hasAccepted(uint64 mraId, bytes2 code) external view returns (bool);

    /// @notice Ids of the live (every party accepted, not terminated) MRAs joining `a` and `b`.
    function liveMrasBetween(bytes2 a, bytes2 b) external view returns (uint64[] memory);

    /// @notice Whether the MRA is in force now: Active and the effective date reached.
    function mraInForce(uint64 mraId) external view returns (bool);
}
