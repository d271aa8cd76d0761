// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAdministrationRegistry} from "./interfaces/IAdministrationRegistry.sol";

/// @title Customs administrations and their signer keys
/// @notice See {IAdministrationRegistry}.
/// @dev Each signer's record mirrors its administration's frozen flag, so that an authorised
/// write costs one storage read; freezing updates the (at most `MAX_SIGNERS`) signer records.
abstract contract AdministrationRegistry is IAdministrationRegistry {
    /// @notice Maximum number of signers of one administration.
    uint256 public constant MAX_SIGNERS = 8;
    /// @notice Maximum length in bytes of a published gateway URL.
    uint256 public constant MAX_GATEWAY_URL_LENGTH = 256;

    struct AdministrationRecord {
        bool registered;
        bool frozen;
        string name;
        address[] signers;
    }

    struct ExchangeKeyRecord {
        bytes32 publicKey;
        uint32 version;
        string gatewayUrl;
    }

    struct SignerRecord {
        bytes2 code;
        bool frozen;
    }

    address private immutable _governance;
    mapping(bytes2 code => AdministrationRecord) private _administrations;
    mapping(address signer => SignerRecord) private _signers;
    bytes2[] private _codes;
    mapping(bytes2 code => ExchangeKeyRecord) private _exchangeKeys;

    constructor(address governance_) {
        if (governance_ == address(0)) revert ZeroGovernance();
        _governance = governance_;
    }

    modifier onlyGovernance() {
        if (msg.sender != _governance) revert NotGovernance(msg.sender);
        _;
    }

    /// @inheritdoc IAdministrationRegistry
    function registerAdministration(bytes2 code, string calldata name, address signer)
        external
        onlyGovernance
    {
        if (!_isAlpha2(code)) revert InvalidAdministrationCode(code);
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0 || nameLength > 64) revert InvalidAdministrationName(nameLength);
        AdministrationRecord storage record = _administrations[code];
        if (record.registered) revert AdministrationAlreadyRegistered(code);
        _requireFreeSigner(signer);
        record.registered = true;
        record.name = name;
        record.signers.push(signer);
        _signers[signer] = SignerRecord(code, false);
        _codes.push(code);
        emit AdministrationRegistered(code, name, signer);
    }

    /// @inheritdoc IAdministrationRegistry
    function freezeAdministration(bytes2 code) external onlyGovernance {
        AdministrationRecord storage record = _registered(code);
        if (record.frozen) revert AdministrationIsFrozen(code);
        _setFrozen(record, true);
        emit AdministrationFrozen(code);
    }

    /// @inheritdoc IAdministrationRegistry
    function unfreezeAdministration(bytes2 code) external onlyGovernance {
        AdministrationRecord storage record = _registered(code);
        if (!record.frozen) revert AdministrationNotFrozen(code);
        _setFrozen(record, false);
        emit AdministrationUnfrozen(code);
    }

    /// @inheritdoc IAdministrationRegistry
    function recoverAdministration(bytes2 code, address newSigner) external onlyGovernance {
        AdministrationRecord storage record = _registered(code);
        if (!record.frozen) revert AdministrationNotFrozen(code);
        _requireFreeSigner(newSigner);
        address[] storage signers = record.signers;
        for (uint256 i = signers.length; i > 0; --i) {
            address old = signers[i - 1];
            signers.pop();
            delete _signers[old];
            emit SignerRemoved(code, old, msg.sender);
        }
        signers.push(newSigner);
        _signers[newSigner] = SignerRecord(code, true);
        emit SignerAdded(code, newSigner, msg.sender);
    }

    /// @inheritdoc IAdministrationRegistry
    function addSigner(address signer) external {
        bytes2 code = _writer();
        _requireFreeSigner(signer);
        address[] storage signers = _administrations[code].signers;
        if (signers.length >= MAX_SIGNERS) revert TooManySigners(code, MAX_SIGNERS);
        signers.push(signer);
        _signers[signer] = SignerRecord(code, false);
        emit SignerAdded(code, signer, msg.sender);
    }

    /// @inheritdoc IAdministrationRegistry
    function removeSigner(address signer) external {
        bytes2 code = _writer();
        if (_signers[signer].code != code) revert SignerNotFound(signer, code);
        address[] storage signers = _administrations[code].signers;
        uint256 count = signers.length;
        if (count == 1) revert LastSigner(signer, code);
        for (uint256 i; i < count; ++i) {
            if (signers[i] == signer) {
                signers[i] = signers[count - 1];
                signers.pop();
                break;
            }
        }
        delete _signers[signer];
        emit SignerRemoved(code, signer, msg.sender);
    }

    /// @inheritdoc IAdministrationRegistry
    function publishExchangeKey(bytes32 publicKey, string calldata gatewayUrl) external returns (uint32 version) {
        bytes2 code = _writer();
        if (publicKey == bytes32(0)) revert ZeroExchangeKey(code);
        uint256 length = bytes(gatewayUrl).length;
        if (length == 0 || length > MAX_GATEWAY_URL_LENGTH) {
            revert InvalidGatewayUrl(code, length, MAX_GATEWAY_URL_LENGTH);
        }
        ExchangeKeyRecord storage record = _exchangeKeys[code];
        version = record.version + 1;
        record.publicKey = publicKey;
        record.version = version;
        record.gatewayUrl = gatewayUrl;
        emit ExchangeKeyPublished(code, publicKey, gatewayUrl, version);
    }

    /// @inheritdoc IAdministrationRegistry
    function exchangeKey(bytes2 code)
        external
        view
        returns (bytes32 publicKey, string memory gatewayUrl, uint32 version)
    {
        ExchangeKeyRecord storage record = _exchangeKeys[code];
        return (record.publicKey, record.gatewayUrl, record.version);
    }

    /// @inheritdoc IAdministrationRegistry
    function governance() external view returns (address) {
        return _governance;
    }

    /// @inheritdoc IAdministrationRegistry
    function administration(bytes2 code)
        external
        view
        returns (bool registered, bool frozen, string memory name, address[] memory signers)
    {
        AdministrationRecord storage record = _administrations[code];
        return (record.registered, record.frozen, record.name, record.signers);
    }

    /// @inheritdoc IAdministrationRegistry
    function administrationOf(address signer) external view returns (bytes2 code) {
        return _signers[signer].code;
    }

    /// @inheritdoc IAdministrationRegistry
    function administrationCodes() external view returns (bytes2[] memory) {
        return _codes;
    }

    /// @dev The administration of the calling signer, which must not be frozen.
    function _writer() internal view returns (bytes2 code) {
        SignerRecord memory signer = _signers[msg.sender];
        if (signer.code == bytes2(0)) revert NotASigner(msg.sender);
        if (signer.frozen) revert AdministrationIsFrozen(signer.code);
        return signer.code;
    }

    /// @dev Reverts unless `code` is registered and not frozen.
    function _requireActiveAdministration(bytes2 code) internal view {
        AdministrationRecord storage record = _registered(code);
        if (record.frozen) revert AdministrationIsFrozen(code);
    }

    function _registered(bytes2 code) private view returns (AdministrationRecord storage record) {
        record = _administrations[code];
        if (!record.registered) revert UnknownAdministration(code);
    }

    function _requireFreeSigner(address signer) private view {
        if (signer == address(0)) revert ZeroSigner();
        bytes2 existing = _signers[signer].code;
        if (existing != bytes2(0)) revert SignerAlreadyRegistered(signer, existing);
    }

    function _setFrozen(AdministrationRecord storage record, bool frozen) private {
        record.frozen = frozen;
        address[] storage signers = record.signers;
        uint256 count = signers.length;
        for (uint256 i; i < count; ++i) {
            _signers[signers[i]].frozen = frozen;
        }
    }

    function _isAlpha2(bytes2 code) private pure returns (bool) {
        bytes1 a = code[0];
        bytes1 b = code[1];
        return a >= 0x41 && a <= 0x5A && b >= 0x41 && b <= 0x5A;
    }
}
