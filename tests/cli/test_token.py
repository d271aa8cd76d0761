"""``aeo-ledger token``: create, list, revoke — the API's token store sees each change at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.tokens import TokenStore
from ledger_client.cli import main


@pytest.mark.slow  # the token CLI run as processes over a durable chain (about 18 s)
def test_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["token", "--data-dir", str(tmp_path)]
    assert main([*data, "create", "--admin", "cr", "--role", "writer", "--label", "CR customs IT"]) == 0
    out = capsys.readouterr().out
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("aeo_")
    store = TokenStore(tmp_path / "tokens.sqlite")
    record = store.authenticate(secret)
    assert record is not None
    assert record.administration == "CR"
    assert record.role.value == "writer"

    assert main([*data, "list"]) == 0
    listing = capsys.readouterr().out
    assert "writer" in listing
    assert "active" in listing
    assert secret not in listing

    assert main([*data, "revoke", str(record.id)]) == 0
    assert store.authenticate(secret) is None
    assert main([*data, "revoke", "999"]) == 2
    assert "999" in capsys.readouterr().err
    store.close()


def test_bad_requests_are_refused_with_a_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["token", "--data-dir", str(tmp_path)]
    assert main([*data, "create", "--role", "writer"]) == 2
    assert "--admin" in capsys.readouterr().err
    assert main([*data, "create", "--role", "governance", "--admin", "CR"]) == 2
    assert "governance" in capsys.readouterr().err


def test_agency_tokens_belong_to_an_administration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["token", "--data-dir", str(tmp_path)]
    assert main([*data, "create", "--admin", "PE", "--role", "agency", "--label", "SENASA"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    store = TokenStore(tmp_path / "tokens.sqlite")
    record = store.authenticate(secret)
    store.close()
    assert record is not None
    assert (record.role.value, record.administration, record.label) == ("agency", "PE", "SENASA")
    assert main([*data, "create", "--role", "agency"]) == 2  # an agency works under an administration
    assert "--admin" in capsys.readouterr().err
