// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IRecognition} from "./interfaces/IRecognition.sol";
import {CertificateRegistry} from "./CertificateRegistry.sol";
import {MraRegistry} from "./MraRegistry.sol";

/// @title Recognition of certificates under MRAs, and partners' acknowledgements
/// @notice See {IRecognition}.
abstract contract Recognition is IRecognition, CertificateRegistry, MraRegistry {
    /// @dev Acknowledgement bitmaps: key keccak256(id, partner, sequence >> 8), bit sequence & 255.
    mapping(bytes32 key => uint256 bits) private _acknowledgements;

    /// @inheritdoc IRecognition
    function acknowledge(bytes32 id, uint24 sequence) external {
        bytes2 partner = _writer();
        uint24 eventCount = _eventCount(id);
        if (eventCount == 0) revert UnknownCertificate(id);
        bytes2 issuer = bytes2(id);
        if (partner == issuer || !_hasLiveMra(issuer, partner)) revert NotAPartner(id, issuer, partner);
        if (sequence == 0 || sequence > eventCount) revert UnknownCertificateEvent(id, sequence, eventCount);
        bytes32 key = _acknowledgementKey(id, partner, sequence);
        uint256 bit = 1 << (sequence & 0xff);
        uint256 bits = _acknowledgements[key];
        if (bits & bit != 0) revert AlreadyAcknowledged(id, sequence, partner);
        _acknowledgements[key] = bits | bit;
        emit CertificateEventAcknowledged(id, issuer, partner, sequence);
    }

    /// @inheritdoc IRecognition
    function isAcknowledged(bytes32 id, bytes2 partner, uint24 sequence) external view returns (bool) {
        return _acknowledgements[_acknowledgementKey(id, partner, sequence)] & (1 << (sequence & 0xff)) != 0;
    }

    /// @inheritdoc IRecognition
    function recognition(bytes32 id, bytes2 recognizer)
        external
        view
        returns (bool recognised, uint8 programmes, uint64 mraId)
    {
        Certificate memory cert = _certificate(id);
        if (cert.status != Status.Active || cert.flags & FLAG_CONSENT_WITHHELD != 0) return (false, 0, 0);
        uint256 now_ = _time();
        if (cert.validFrom > now_ || (cert.validUntil != 0 && now_ > cert.validUntil)) return (false, 0, 0);
        bytes2 issuer = bytes2(id);
        if (recognizer == issuer) return (false, 0, 0);
        (programmes, mraId) = _recognisedProgrammes(issuer, recognizer, cert.programmes, cert.roles);
        recognised = programmes != 0;
    }

    function _acknowledgementKey(bytes32 id, bytes2 partner, uint24 sequence) private pure returns (bytes32) {
        return keccak256(abi.encode(id, partner, sequence >> 8));
    }
}
