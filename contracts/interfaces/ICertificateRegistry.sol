// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title AEO certificates and their lifecycle
/// @notice Each certificate is issued by one administration. Its id is derived from the issuer's
/// code and the national certificate number (public: operators quote it):
/// `id = bytes32(issuer) | (keccak256(abi.encode(issuer, number)) >> 16)` — the first two bytes
/// of the id are the issuer code. Operator names or tax ids never go on-chain: the certificate
/// document stays off-chain and only its hash is committed.
///
/// Every event of a certificate extends its history head:
/// `head_n = bytes16(keccak256(abi.encode(head_{n-1}, id, n, action, state, documentHash, reasonCode)))`
/// with `head_0 = 0`, `documentHash = 0` for events that carry no document, and `state` the
/// certificate's terms after the event packed as in storage:
/// `status | programmes << 8 | roles << 16 | flags << 32 | validFrom << 40 | validUntil << 72`.
/// An auditor who reads the events from any source recomputes the chain of heads and compares it
/// with `historyHead(id)` in one call. The head is truncated to 128 bits so that the whole
/// certificate fits in one storage slot (second-preimage resistance stays 2^128).
///
/// Lifecycle: Active -suspend-> Suspended -reinstate-> Active; Active|Suspended -revoke-> Revoked
/// (terminal); Active|Suspended -annul-> Annulled (terminal, void from the start);
/// Active|Suspended -amend/renew-> unchanged status. Expiry is derived (now > validUntil).
interface ICertificateRegistry {
    /// @notice Stored status of a certificate (expiry is derived, never stored).
    enum Status {
        None,
        Active,
        Suspended,
        Revoked,
        Annulled
    }

    /// @notice The action recorded by a certificate event (an input of the history head).
    enum Action {
        None,
        Issued,
        Suspended,
        Reinstated,
        Revoked,
        Annulled,
        Amended,
        Renewed
    }

    /// @notice One certificate to issue.
    /// @param number National certificate number, ASCII, left-aligned and zero-padded.
    /// @param programmes Bitmask of AEO programmes (bit 0 security AEO-S, bit 1 simplifications AEO-C, ...).
    /// @param roles Bitmask of operator roles (importer, exporter, carrier, broker, warehouse, ...).
    /// @param flags Bit 0: the operator is an SME. Bit 1: the operator withholds its consent to the
    /// exchange of its data with MRA partners (clear: consent given). Other bits must be zero.
    /// @param validFrom Unix time from which the certificate is valid.
    /// @param validUntil Unix time until which it is valid, 0 for open-ended.
    /// @param documentHash keccak256 of the canonical (RFC 8785) JSON certificate document.
    struct CertificateInput {
        bytes32 number;
        uint8 programmes;
        uint16 roles;
        uint8 flags;
        uint32 validFrom;
        uint32 validUntil;
        bytes32 documentHash;
    }

    /// @notice A certificate's on-chain record (one storage slot).
    struct Certificate {
        Status status;
        uint8 programmes;
        uint16 roles;
        uint8 flags;
        uint32 validFrom;
        uint32 validUntil;
        uint24 eventCount;
        bytes16 head;
    }

    /// @notice No certificate has this id.
    error UnknownCertificate(bytes32 id);
    /// @notice A certificate with this id (same issuer and number) already exists.
    error CertificateAlreadyIssued(bytes32 id);
    /// @notice Only signers of the issuing administration may change a certificate.
    error NotIssuer(bytes32 id, bytes2 issuer, bytes2 caller);
    /// @notice The certificate must be Active for this action (suspend).
    error CertificateNotActive(bytes32 id, Status status);
    /// @notice The certificate must be Suspended for this action (reinstate).
    error CertificateNotSuspended(bytes32 id, Status status);
    /// @notice The certificate is Revoked or Annulled: no further change is possible.
    error CertificateClosed(bytes32 id, Status status);
    /// @notice The certificate number is empty.
    error EmptyCertificateNumber();
    /// @notice Programmes and roles must each name at least one bit.
    error InvalidScope(uint8 programmes, uint16 roles);
    /// @notice Only flag bits 0 (SME) and 1 (consent withheld) are defined.
    error UnknownFlags(uint8 flags);
    /// @notice validUntil must be 0 (open-ended) or later than validFrom.
    error InvalidValidity(uint32 validFrom, uint32 validUntil);
    /// @notice The document hash is zero.
    error EmptyDocumentHash();
    /// @notice Suspension, revocation and annulment need a non-zero reason code.
    error MissingReasonCode();
    /// @notice A batch must hold at least one certificate.
    error EmptyBatch();

    /// @notice A certificate was issued (event number 1, status Active).
    event CertificateIssued(
        bytes32 indexed id,
        bytes2 indexed issuer,
        bytes32 number,
        uint8 programmes,
        uint16 roles,
        uint8 flags,
        uint32 validFrom,
        uint32 validUntil,
        bytes32 documentHash,
        bytes16 head
    );
    /// @notice A certificate was suspended.
    event CertificateSuspended(
        bytes32 indexed id, bytes2 indexed issuer, uint24 sequence, uint16 reasonCode, bytes16 head
    );
    /// @notice A suspended certificate was reinstated (Active again).
    event CertificateReinstated(
        bytes32 indexed id, bytes2 indexed issuer, uint24 sequence, uint16 reasonCode, bytes16 head
    );
    /// @notice A certificate was revoked (terminal).
    event CertificateRevoked(
        bytes32 indexed id, bytes2 indexed issuer, uint24 sequence, uint16 reasonCode, bytes16 head
    );
    /// @notice A certificate was annulled: void from the start (terminal).
    event CertificateAnnulled(
        bytes32 indexed id, bytes2 indexed issuer, uint24 sequence, uint16 reasonCode, bytes16 head
    );
    /// @notice A certificate's scope, dates or document were amended.
    event CertificateAmended(
        bytes32 indexed id,
        bytes2 indexed issuer,
        uint24 sequence,
        uint8 programmes,
        uint16 roles,
        uint8 flags,
        uint32 validFrom,
        uint32 validUntil,
        bytes32 documentHash,
        uint16 reasonCode,
        bytes16 head
    );
    /// @notice The operator's consent to the exchange with MRA partners changed, by the amendment
    /// `sequence` (emitted right after its `CertificateAmended`; the history head is the amendment's).
    /// Without consent the certificate is recognised by no partner.
    event CertificateConsentChanged(bytes32 indexed id, bytes2 indexed issuer, uint24 sequence, bool consent);
    /// @notice A certificate was renewed: new validity period and document.
    event CertificateRenewed(
        bytes32 indexed id,
        bytes2 indexed issuer,
        uint24 sequence,
        uint32 validFrom,
        uint32 validUntil,
        bytes32 documentHash,
        bytes16 head
    );

    /// @notice Issue one certificate for the caller's administration.
    /// @return id The certificate id.
    function issue(CertificateInput calldata certificate) external returns (bytes32 id);

    /// @notice Issue many certificates in one transaction (all or nothing).
    /// @return ids The certificate ids, in input order.
    function issueBatch(CertificateInput[] calldata certificates) external returns (bytes32[] memory ids);

    /// @notice Suspend an Active certificate.
    function suspend(bytes32 id, uint16 reasonCode) external;

    /// @notice Reinstate a Suspended certificate.
    function reinstate(bytes32 id, uint16 reasonCode) external;

    /// @notice Revoke an Active or Suspended certificate (terminal).
    function revoke(bytes32 id, uint16 reasonCode) external;

    /// @notice Annul an Active or Suspended certificate: void from the start (terminal).
    function annul(bytes32 id, uint16 reasonCode) external;

    /// @notice Amend scope, flags (SME, consent withheld), dates and document of an Active or Suspended
    /// certificate. Emits `CertificateConsentChanged` too when the consent bit changes.
    function amend(
        bytes32 id,
        uint8 programmes,
        uint16 roles,
        uint8 flags,
        uint32 validFrom,
        uint32 validUntil,
        bytes32 documentHash,
        uint16 reasonCode
    ) external;

    /// @notice Renew an Active or Suspended certificate: new validity period and document.
    function renew(bytes32 id, uint32 validFrom, uint32 validUntil, bytes32 documentHash) external;

    /// @notice The certificate record (status None when unknown).
    function certificate(bytes32 id) external view returns (Certificate memory);

    /// @notice The issuing administration of a certificate id (its first two bytes).
    function issuerOf(bytes32 id) external pure returns (bytes2);

    /// @notice The id of the certificate with this national number issued by `issuer`.
    function certificateId(bytes2 issuer, bytes32 number) external pure returns (bytes32);

    /// @notice Number of events and current history head of a certificate.
    function historyHead(bytes32 id) external view returns (uint24 eventCount, bytes16 head);
}
