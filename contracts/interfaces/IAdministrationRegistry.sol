// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Customs administrations and their signer keys
/// @notice A consortium governance address (an EOA or a multisig contract, fixed at deployment)
/// registers customs administrations, keyed by their ISO 3166-1 alpha-2 code (e.g. "CR" as
/// `bytes2(0x4352)`), and can freeze one whose keys are compromised. Each administration manages
/// its own signer keys; it can never be left without a signer. A frozen administration can write
/// nothing until governance unfreezes it.
interface IAdministrationRegistry {
    /// @notice The governance address given at deployment is zero.
    error ZeroGovernance();
    /// @notice The caller is not the consortium governance address.
    error NotGovernance(address caller);
    /// @notice The code is not two upper-case ASCII letters (ISO 3166-1 alpha-2).
    error InvalidAdministrationCode(bytes2 code);
    /// @notice The administration name is empty or longer than 64 bytes.
    error InvalidAdministrationName(uint256 length);
    /// @notice An administration with this code is already registered.
    error AdministrationAlreadyRegistered(bytes2 code);
    /// @notice No administration is registered under this code.
    error UnknownAdministration(bytes2 code);
    /// @notice The administration is frozen and cannot write.
    error AdministrationIsFrozen(bytes2 code);
    /// @notice The administration is not frozen.
    error AdministrationNotFrozen(bytes2 code);
    /// @notice The caller is not a signer of any registered administration.
    error NotASigner(address caller);
    /// @notice The zero address cannot be a signer.
    error ZeroSigner();
    /// @notice The account already signs for an administration (one account, one administration).
    error SignerAlreadyRegistered(address signer, bytes2 code);
    /// @notice The account is not a signer of this administration.
    error SignerNotFound(address signer, bytes2 code);
    /// @notice Removing this signer would leave the administration without any signer.
    error LastSigner(address signer, bytes2 code);
    /// @notice The administration already has the maximum number of signers.
    error TooManySigners(bytes2 code, uint256 max);
    /// @notice An exchange public key cannot be zero.
    error ZeroExchangeKey(bytes2 code);
    /// @notice The gateway URL is empty or longer than `max` bytes.
    error InvalidGatewayUrl(bytes2 code, uint256 length, uint256 max);

    /// @notice Governance registered an administration with its first signer.
    event AdministrationRegistered(bytes2 indexed code, string name, address indexed signer);
    /// @notice Governance froze an administration: it can no longer write.
    event AdministrationFrozen(bytes2 indexed code);
    /// @notice Governance unfroze an administration.
    event AdministrationUnfrozen(bytes2 indexed code);
    /// @notice A signer was added to an administration (by itself, or by governance in recovery).
    event SignerAdded(bytes2 indexed code, address indexed signer, address indexed by);
    /// @notice A signer was removed from an administration.
    event SignerRemoved(bytes2 indexed code, address indexed signer, address indexed by);
    /// @notice An administration published (or rotated) its exchange key and gateway URL.
    /// @param code The administration.
    /// @param publicKey Its X25519 public key (32 bytes) to which partners' envelopes are sealed.
    /// @param gatewayUrl The base URL of its gateway, where partners fetch their envelopes.
    /// @param version 1 for the first publication, one more at each rotation.
    event ExchangeKeyPublished(bytes2 indexed code, bytes32 publicKey, string gatewayUrl, uint32 version);

    /// @notice Register an administration. Governance only.
    /// @param code ISO 3166-1 alpha-2 code, upper case.
    /// @param name Display name (1..64 bytes of UTF-8).
    /// @param signer First signer account of the administration.
    function registerAdministration(bytes2 code, string calldata name, address signer) external;

    /// @notice Freeze an administration (compromised keys): all its writes revert. Governance only.
    function freezeAdministration(bytes2 code) external;

    /// @notice Unfreeze an administration. Governance only.
    function unfreezeAdministration(bytes2 code) external;

    /// @notice Replace all signers of a frozen administration with one new signer (key recovery).
    /// Governance only; the administration stays frozen until `unfreezeAdministration`.
    function recoverAdministration(bytes2 code, address newSigner) external;

    /// @notice Add a signer to the caller's own administration.
    function addSigner(address signer) external;

    /// @notice Remove a signer from the caller's own administration (a signer may remove itself).
    function removeSigner(address signer) external;

    /// @notice Publish the caller's administration's exchange key (X25519) and gateway URL,
    /// replacing the previous ones (a rotation). Any signer of the administration; not while frozen.
    /// @param publicKey The X25519 public key, non-zero.
    /// @param gatewayUrl The gateway's base URL, 1..`MAX_GATEWAY_URL_LENGTH` bytes.
    /// @return version The publication's version (1, 2, ...).
    function publishExchangeKey(bytes32 publicKey, string calldata gatewayUrl) external returns (uint32 version);

    /// @notice An administration's current exchange key and gateway URL (version 0: none published).
    function exchangeKey(bytes2 code)
        external
        view
        returns (bytes32 publicKey, string memory gatewayUrl, uint32 version);

    /// @notice The consortium governance address.
    function governance() external view returns (address);

    /// @notice An administration's record.
    /// @return registered Whether the code is registered.
    /// @return frozen Whether it is frozen.
    /// @return name Its display name.
    /// @return signers Its current signer accounts.
    function administration(bytes2 code)
        external
        view
        returns (bool registered, bool frozen, string memory name, address[] memory signers);

    /// @notice The administration an account signs for (`bytes2(0)` when none).
    function administrationOf(address signer) external view returns (bytes2 code);

    /// @notice All registered administration codes, in registration order.
    function administrationCodes() external view returns (bytes2[] memory);
}
