"""Administrations: list, get, register, freeze/unfreeze, signers, KPIs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger_client.signers import Signer
from tests.api.conftest import Env


def test_list_and_get(env: Env) -> None:
    listed = env.get("/v1/administrations", "cr_reader").json()
    assert [a["code"] for a in listed][:4] == ["CR", "PE", "MX", "CL"]
    cr = env.get("/v1/administrations/CR", "pe_reader").json()
    assert cr["name"] == "Costa Rica"
    assert cr["frozen"] is False
    assert len(cr["signers"]) >= 1
    missing = env.get("/v1/administrations/ZZ")
    assert missing.status_code == 404
    assert "known: CR" in missing.json()["detail"]
    assert env.get("/v1/administrations/cr").status_code == 422


def test_register_by_governance(env: Env) -> None:
    signer = Signer.create()
    body = {"code": "CO", "name": "Colombia", "signer": signer.address}
    response = env.post("/v1/administrations", "governance", body)
    assert response.status_code == 201, response.text
    assert response.json()["administration"] == {
        "code": "CO",
        "name": "Colombia",
        "frozen": False,
        "signers": [signer.address],
        "registered_block": response.json()["transaction"]["block_number"],
        "exchange_key": None,
    }
    again = env.post("/v1/administrations", "governance", body | {"signer": Signer.create().address})
    assert again.status_code == 409
    assert again.json()["error"] == "AdministrationAlreadyRegistered"
    bad = env.post("/v1/administrations", "governance", {"code": "C0", "name": "x", "signer": signer.address})
    assert bad.status_code == 422


def test_freeze_blocks_writes_before_sending_and_unfreeze_restores(
    env: Env, issued: Callable[..., dict[str, Any]]
) -> None:
    cid = issued("cl_writer")["certificate"]["id"]
    frozen = env.post("/v1/administrations/CL/freeze", "governance")
    assert frozen.status_code == 201
    assert frozen.json()["administration"]["frozen"] is True
    try:
        refused = env.post(f"/v1/certificates/{cid}/suspend", "cl_writer", {"reason": 3})
        assert refused.status_code == 403
        assert "frozen" in refused.json()["detail"]
        assert env.get(f"/v1/certificates/{cid}", "cl_writer").status_code == 200  # still readable
        twice = env.post("/v1/administrations/CL/freeze", "governance")
        # The contract reverts AdministrationIsFrozen, whose category is access denied (403).
        assert (twice.status_code, twice.json()["error"]) == (403, "AdministrationIsFrozen")
    finally:
        unfrozen = env.post("/v1/administrations/CL/unfreeze", "governance")
    assert unfrozen.json()["administration"]["frozen"] is False
    assert env.post(f"/v1/certificates/{cid}/suspend", "cl_writer", {"reason": 3}).status_code == 201
    assert env.post("/v1/administrations/CL/unfreeze", "governance").status_code == 409


def test_signers_add_and_remove(env: Env) -> None:
    new = Signer.create()
    added = env.post("/v1/administrations/MX/signers", "mx_writer", {"address": new.address})
    assert added.status_code == 201, added.text
    assert new.address in added.json()["administration"]["signers"]
    assert env.post("/v1/administrations/MX/signers", "mx_writer", {"address": new.address}).status_code == 409
    removed = env.client.delete(f"/v1/administrations/MX/signers/{new.address}", headers=env.headers("mx_writer"))
    assert removed.status_code == 200, removed.text
    assert new.address not in removed.json()["administration"]["signers"]
    gone = env.client.delete(f"/v1/administrations/MX/signers/{new.address}", headers=env.headers("mx_writer"))
    assert gone.status_code == 404
    other = env.post("/v1/administrations/PE/signers", "mx_writer", {"address": Signer.create().address})
    assert other.status_code == 403


def test_kpis(env: Env, issued: Callable[..., dict[str, Any]]) -> None:
    issued("pe_writer", sme=False)
    kpis = env.get("/v1/administrations/PE/kpis", "pe_reader").json()
    assert kpis["code"] == "PE"
    assert kpis["certificates"] >= 1
    assert kpis["sme"] + kpis["non_sme"] == kpis["certificates"]
    assert set(kpis["by_status"]) >= {"ACTIVE", "EXPIRED", "SUSPENDED", "REVOKED", "ANNULLED"}
    # The month containing `at` is the state at `at`: per programme, every certificate under each of its programmes.
    last = kpis["monthly"][-1]
    assert last["by_status"] == kpis["by_status"]
    assert {p: sum(statuses.values()) for p, statuses in last["by_programme"].items()} == kpis["by_programme"]
    assert set(last["by_programme"]["SECURITY"]) == set(kpis["by_status"])
    assert "monthly.by_programme" in kpis["units"]
    assert env.get("/v1/administrations/PE/kpis", "cr_reader").status_code == 403
    assert env.get("/v1/administrations/ZZ/kpis").status_code == 404


def test_exchange_key_publish_rotate_and_read(env: Env) -> None:
    body = {"public_key": "0x" + "5a" * 32, "gateway_url": "https://aeo.sunat.example.pe"}
    first = env.post("/v1/administrations/PE/exchange-key", "pe_writer", body, **{"Idempotency-Key": "pe-key-1"})
    assert first.status_code == 201, first.text
    published = first.json()["administration"]["exchange_key"]
    assert {k: published[k] for k in ("public_key", "gateway_url")} == body
    version = published["version"]
    replay = env.post("/v1/administrations/PE/exchange-key", "pe_writer", body, **{"Idempotency-Key": "pe-key-1"})
    assert replay.json() == first.json()  # no second transaction
    rotated = env.post(
        "/v1/administrations/PE/exchange-key", "pe_writer", body | {"public_key": "0x" + "6b" * 32}
    ).json()["administration"]["exchange_key"]
    assert rotated["version"] == version + 1
    seen = env.get("/v1/administrations/PE", "cr_reader").json()["exchange_key"]
    assert seen == rotated
    history = env.get("/v1/administrations/PE/exchange-keys", "cr_reader").json()
    assert [k["version"] for k in history][-2:] == [version, version + 1]
    assert env.get("/v1/administrations/ZZ/exchange-keys").status_code == 404


def test_exchange_key_refusals(env: Env) -> None:
    good = {"public_key": "0x" + "5a" * 32, "gateway_url": "https://gw.example"}
    assert env.post("/v1/administrations/PE/exchange-key", "mx_writer", good).status_code == 403
    for bad in (
        good | {"public_key": "0x" + "00" * 32},
        good | {"public_key": "0x1234"},
        good | {"gateway_url": "ftp://gw.example"},
        good | {"gateway_url": "https://" + "x" * 300},
    ):
        response = env.post("/v1/administrations/MX/exchange-key", "mx_writer", bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
