// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Recognition of certificates under MRAs, and partners' acknowledgements
/// @notice Recognition is derived, never copied: administration B recognises certificate C when
/// C is Active, valid now (validFrom <= now and, unless open-ended, now <= validUntil), its
/// operator consents to the exchange with MRA partners (flag bit 1 clear), and an MRA
/// in force joins B and C's issuer with a scope whose programmes overlap C's programmes and whose
/// roles overlap C's roles. The recognised programmes are the union of those overlaps.
///
/// An acknowledgement records that a partner administration applied event number `sequence` of
/// a certificate in its national system: proof that MRA benefits were granted or withdrawn
/// abroad, and the basis of the "time to partner acknowledgement" KPI.
interface IRecognition {
    /// @notice The certificate has no event with this sequence number (events run from 1).
    error UnknownCertificateEvent(bytes32 id, uint24 sequence, uint24 eventCount);
    /// @notice The partner has already acknowledged this event.
    error AlreadyAcknowledged(bytes32 id, uint24 sequence, bytes2 partner);
    /// @notice The caller's administration has no live MRA with the certificate's issuer.
    error NotAPartner(bytes32 id, bytes2 issuer, bytes2 partner);

    /// @notice A partner acknowledged that it applied event `sequence` of a certificate.
    event CertificateEventAcknowledged(
        bytes32 indexed id, bytes2 indexed issuer, bytes2 indexed partner, uint24 sequence
    );

    /// @notice Acknowledge event `sequence` of certificate `id` for the caller's administration.
    function acknowledge(bytes32 id, uint24 sequence) external;

    /// @notice Whether `partner` has acknowledged event `sequence` of certificate `id`.
    function isAcknowledged(bytes32 id, bytes2 partner, uint24 sequence) external view returns (bool);

    /// @notice Whether `recognizer` recognises certificate `id` now.
    /// @return recognised True when an MRA in force grants recognition.
    /// @return programmes The programmes recognised (union over the MRAs in force).
    /// @return mraId The lowest id among the MRAs that grant recognition (0 when none).
    function recognition(bytes32 id, bytes2 recognizer)
        external
        view
        returns (bool recognised, uint8 programmes, uint64 mraId);
}
