"""Security of secrets and of the transaction path.

- Token revocation (by the CLI, another process) takes effect on the server's very next request.
- Tokens never appear in the server's logs (a real ``aeo-ledger serve`` run with good, bad,
  malformed and revoked tokens, writes and errors), nor in clear in its SQLite files.
- Keystores are encrypted at rest: no raw key bytes (hex or binary) in the keystore files, owner-only
  file modes, and the right password is needed to decrypt.
- Replay: a signed raw transaction sent twice lands once (in-memory chain and durable node).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from api.schemas.certificates import IssueCertificateRequest
from ledger_client.codec import encode_issue
from ledger_client.errors import ConfigurationError, TransactionRejectedError
from ledger_client.ledger import Ledger
from ledger_client.signers import Signer
from tests.hardening.support import (
    KEYSTORE_PASSWORD,
    LOOPBACK,
    State,
    cli,
    free_port,
    issue_body,
    prepare_state,
    serve_process,
    subprocess_env,
)

BAD_TOKEN = "aeo_" + "X" * 43  # well-formed, unknown


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[State, str, Path]]:
    """A prepared state directory served by ``aeo-ledger serve`` (debug logging); yields (state, base URL, log)."""
    tmp = tmp_path_factory.mktemp("secrets")
    state = prepare_state(tmp / "data", admins=("CR",))
    port = free_port()
    log = tmp / "serve.log"
    server = serve_process(state.data_dir, port, log)
    server._env["AEO_LEDGER_LOG_LEVEL"] = "debug"  # more logging: more chances to leak
    base = f"http://{LOOPBACK}:{port}"
    server.start()
    try:
        server.wait_http(base + "/health")
        yield state, base, log
    finally:
        server.stop()


def _revoke_with_cli(state: State, name: str) -> None:
    result = subprocess.run(
        [*cli(), "token", "--data-dir", str(state.data_dir), "revoke", str(state.token_ids[name])],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow  # a served gateway (about 30 s to start) and its logs
def test_revocation_takes_effect_on_the_next_request_and_no_token_is_logged(
    served: tuple[State, str, Path],
) -> None:
    state, base, log = served
    writer = state.tokens["cr_writer"]
    with httpx.Client(base_url=base, timeout=30) as client:
        ok = client.get("/v1/administrations", headers=state.headers("cr_writer"))
        assert ok.status_code == 200
        written = client.post(
            "/v1/certificates",
            json=issue_body("SEC-0001"),
            headers=state.headers("cr_writer", **{"Idempotency-Key": "sec-1"}),
        )
        assert written.status_code == 201, written.text
        # bad tokens in every shape, in headers and (wrongly) in the query string
        for header in (f"Bearer {BAD_TOKEN}", "Bearer nonsense", f"Basic {writer}", writer, f"Bearer {writer}x"):
            refused = client.get("/v1/administrations", headers={"Authorization": header})
            assert refused.status_code == 401, header
        bad_write = client.post(
            "/v1/certificates", json={"number": writer}, headers={"Authorization": f"Bearer {BAD_TOKEN}"}
        )
        assert bad_write.status_code == 401
        invalid = client.post("/v1/certificates", json={"number": 7}, headers=state.headers("cr_writer"))
        assert invalid.status_code == 422

        # revoke from another process (the CLI): refused on the very next request
        _revoke_with_cli(state, "cr_writer")
        after = client.get("/v1/administrations", headers=state.headers("cr_writer"))
        assert after.status_code == 401, after.text
        assert "revoked" in after.json()["detail"]
        assert client.get("/v1/administrations", headers=state.headers("auditor")).status_code == 200

    text = log.read_text(errors="replace")
    assert "POST /v1/certificates" in text, "the server logged nothing: the check would prove nothing"
    for name, secret in state.tokens.items():
        assert secret not in text, f"token {name} appears in the server log"
        assert secret[4:20] not in text, f"a part of token {name} appears in the server log"
    assert BAD_TOKEN not in text
    # at rest, only hashes: neither the token store nor the idempotency store holds a secret in clear
    for database in state.data_dir.glob("*.sqlite*"):
        blob = database.read_bytes()
        for name, secret in state.tokens.items():
            assert secret.encode() not in blob, f"token {name} in clear in {database.name}"


@pytest.mark.slow  # the same served gateway (about 30 s to start)
def test_a_token_misplaced_in_the_query_string_is_not_logged(served: tuple[State, str, Path]) -> None:
    state, base, log = served
    secret = state.tokens["auditor"]
    with httpx.Client(base_url=base, timeout=30) as client:
        refused = client.get("/v1/certificates", params={"access_token": secret})
        assert refused.status_code == 401
        assert client.get("/health").status_code == 200  # flushes the access line before we read
    assert secret not in log.read_text(errors="replace")


@pytest.mark.slow  # scrypt keystores written and read back (about 25 s)
def test_keystores_are_encrypted_at_rest(tmp_path: Path) -> None:
    state = prepare_state(tmp_path / "data", admins=("CR", "PE"))
    keystores = state.data_dir / "keystores"
    for code in ("CR", "PE"):
        path = keystores / f"{code}.json"
        raw = path.read_bytes()
        key = Account.from_key(state.signers[code]._account.key).key  # the 32 secret bytes
        for form in (bytes(key), key.hex().encode(), key.hex().upper().encode()):
            assert form not in raw, f"{code}'s private key is in its keystore in clear"
        document = json.loads(raw)
        assert document["crypto"]["kdf"] in ("scrypt", "pbkdf2")
        assert document["crypto"]["cipher"] == "aes-128-ctr"
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
        assert (keystores / f"{code}.password").stat().st_mode & 0o077 == 0
        assert Signer.from_keystore(path, KEYSTORE_PASSWORD).address == state.signers[code].address
        with pytest.raises(ConfigurationError, match="wrong password"):
            Signer.from_keystore(path, "not the password")
    # the chain's own files never hold an administration key either
    for file in state.data_dir.rglob("*"):
        if file.is_file() and file.parent.name != "keystores":
            assert bytes(state.signers["CR"]._account.key) not in file.read_bytes(), file


@pytest.mark.parametrize("kind", ["memory", "durable"])
def test_a_signed_transaction_sent_twice_lands_once(kind: str, tmp_path: Path) -> None:
    ledger = Ledger.embedded() if kind == "memory" else Ledger.embedded(data_dir=tmp_path / "data")
    with ledger:
        signer = ledger.dev_signers()[1]
        ledger.administrations.register("CR", "Costa Rica", signer.address)
        request = IssueCertificateRequest.model_validate(issue_body("REPLAY-1"))
        data = encode_issue(request.to_request(request.number).encode())
        fees = ledger.context.sender.fees.current()
        raw = signer.sign_transaction(
            {
                "chainId": ledger.chain.chain_id,
                "nonce": ledger.chain.transaction_count(signer.address),
                "gas": 300_000,
                "value": 0,
                "data": data,
                "to": ledger.deployment.address,
                **fees.transaction_fields(),
            }
        )
        tx_hash = ledger.chain.send_raw(raw)
        receipt = ledger.chain.wait_for_receipt(tx_hash)
        assert receipt.status == 1
        head = ledger.chain.block_number()
        with pytest.raises(TransactionRejectedError):
            ledger.chain.send_raw(raw)
        assert ledger.chain.block_number() == head, "the replay was mined"
        cid = ledger.certificates.certificate_id("CR", "REPLAY-1")
        assert ledger.certificates.get(cid).event_count == 1
        topic = ledger.context.codec.topic("CertificateIssued")
        logs = ledger.chain.get_logs(ledger.deployment.address, [topic, cid], ledger.deployment.deployment_block)
        assert len(logs) == 1
        assert ledger.chain.transaction_count(signer.address) == 1
