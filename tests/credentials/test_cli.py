"""``aeo-ledger credential present|verify``: the holder's tool and a verifier's, through a gateway or alone."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from api.main import create_app
from ledger_client.cli import credential as command
from ledger_client.cli import main
from ledger_client.credentials.disclosure import parse
from tests.api.conftest import Env
from tests.credentials.conftest import LEGAL_NAME, TAX_ID, Issued, credential_of


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def gateway(own: Env) -> Iterator[str]:
    """The credentials API served on a loopback port."""
    port = free_port()
    config = uvicorn.Config(create_app(runtime=own.runtime), host="127.0.0.1", port=port, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_present_keeps_only_the_chosen_disclosures(
    own: Env, certificate: Callable[..., Issued], tmp_path: Path
) -> None:
    held = tmp_path / "held.sd-jwt"
    held.write_text(credential_of(own, certificate()))
    shown = tmp_path / "shown.sd-jwt"
    assert main(["credential", "present", str(held), "--disclose", "legal_name", "--out", str(shown)]) == 0
    parts = parse(shown.read_text())
    assert [d.claim for d in parts.disclosures] == ["legalName"]


def test_verify_through_a_gateway(
    own: Env, certificate: Callable[..., Issued], gateway: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held = tmp_path / "held.sd-jwt"
    held.write_text(credential_of(own, certificate()))
    assert main(["credential", "verify", str(held), "--gateway", gateway]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VALID: credential of certificate ")
    assert "recognised now by: PE" in out
    assert f'disclosed legal_name: "{LEGAL_NAME}"' in out
    forged = tmp_path / "forged.sd-jwt"
    forged.write_text(held.read_text().replace(".", ".x", 1))
    assert main(["credential", "verify", str(forged), "--gateway", gateway]) == 1
    assert "problem: the JWS payload is not base64url-encoded JSON" in capsys.readouterr().out


def test_verify_alone_answers_what_the_gateway_answers(
    own: Env,
    certificate: Callable[..., Issued],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    issued = certificate()
    text = credential_of(own, issued)
    suspended = own.post(f"/v1/certificates/{issued.certificate_id}/suspend", "cr_writer", {"reason": "INVESTIGATION"})
    assert suspended.status_code == 201
    held = tmp_path / "held.sd-jwt"
    held.write_text(text)
    # the verifier's own index of the chain (the in-memory test chain stands for its node)
    monkeypatch.setattr(command, "open_ledger", lambda _settings: contextlib.nullcontext(own.runtime.ledger))
    code = main(["credential", "verify", str(held), "--index", str(tmp_path / "mine.sqlite"), "--json"])
    assert code == 3  # genuine, not active
    alone = json.loads(capsys.readouterr().out)
    answered = own.client.post("/v1/credentials/verify", json={"credential": text}).json()
    for found in (alone, answered):
        del found["checked_at"]
    assert alone == answered
    assert alone["status"] == "SUSPENDED"
    assert alone["disclosed"]["trader_id"] == TAX_ID
