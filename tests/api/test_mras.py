"""MRAs: propose, accept, suspend, resume, terminate; reads; party checks."""

from __future__ import annotations

from tests.api.conftest import Env

MRA = {
    "programmes": ["SECURITY"],
    "roles": ["IMPORTER", "EXPORTER"],
    "effective_from": "2024-01-01T00:00:00Z",
    "document_hash": "0x" + "33" * 32,
}


def test_mra_lifecycle(env: Env) -> None:
    proposed = env.post("/v1/mras", "mx_writer", {"parties": ["MX", "CL"], **MRA})
    assert proposed.status_code == 201, proposed.text
    mra = proposed.json()["mra"]
    assert (mra["status"], mra["proposer"], mra["accepted"], mra["in_force"]) == ("PROPOSED", "MX", ["MX"], False)
    mra_id = mra["id"]
    accepted = env.post(f"/v1/mras/{mra_id}/accept", "cl_writer")
    assert accepted.status_code == 201
    assert accepted.json()["mra"]["status"] == "ACTIVE"
    assert accepted.json()["mra"]["in_force"] is True
    twice = env.post(f"/v1/mras/{mra_id}/accept", "cl_writer")
    assert twice.status_code == 409
    suspended = env.post(f"/v1/mras/{mra_id}/suspend", "cl_writer", {"reason": "INVESTIGATION"})
    assert suspended.json()["mra"]["status"] == "SUSPENDED"
    assert env.post(f"/v1/mras/{mra_id}/suspend", "mx_writer", {"reason": 3}).status_code == 409
    assert env.post(f"/v1/mras/{mra_id}/resume", "mx_writer").json()["mra"]["status"] == "ACTIVE"
    terminated = env.post(f"/v1/mras/{mra_id}/terminate", "mx_writer", {"reason": "OTHER"})
    assert terminated.json()["mra"]["status"] == "TERMINATED"
    final = env.post(f"/v1/mras/{mra_id}/resume", "mx_writer")
    assert final.status_code == 409
    assert final.json()["error"] == "MraNotSuspended"
    assert env.get(f"/v1/mras/{mra_id}").json()["status"] == "TERMINATED"
    listed = env.get("/v1/mras", params={"party": "CL"}).json()
    assert mra_id in [m["id"] for m in listed]
    everything = env.get("/v1/mras", params={"status": "TERMINATED"}).json()
    assert mra_id in [m["id"] for m in everything]
    assert all(m["status"] == "TERMINATED" for m in everything)


def test_mra_party_checks_come_before_sending(env: Env) -> None:
    not_party = env.post("/v1/mras", "cr_writer", {"parties": ["MX", "CL"], **MRA})
    assert not_party.status_code == 403
    outsider = env.post(f"/v1/mras/{env.mra_id}/suspend", "mx_writer", {"reason": 3})
    assert outsider.status_code == 403
    assert "not a party" in outsider.json()["detail"]


def test_mra_errors(env: Env) -> None:
    assert env.get("/v1/mras/999999").status_code == 404
    assert env.get("/v1/mras/0").status_code == 422
    assert env.post("/v1/mras/999999/accept", "cr_writer").status_code == 404
    assert env.post("/v1/mras", "cr_writer", {"parties": ["CR"], **MRA}).status_code == 422
    assert env.post("/v1/mras", "cr_writer", {"parties": ["CR", "CR"], **MRA}).status_code == 422
    unknown = env.post("/v1/mras", "cr_writer", {"parties": ["CR", "ZZ"], **MRA})
    assert unknown.status_code == 404  # the administration referred to does not exist
    assert "ZZ" in unknown.json()["detail"]
    assert env.post(f"/v1/mras/{env.mra_id}/suspend", "cr_writer", {"reason": 0}).status_code == 422
