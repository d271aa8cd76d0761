"""``benchmarks/run_all.py``: output parsing, key merging, the README table rewrite, and one real
(quick) run of the gas benchmark through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import run_all
from tests.hardening.support import ROOT, subprocess_env


def test_parse_json_output_takes_the_last_object_after_noise() -> None:
    noisy = 'artifact unusable; using the tiny contract\n{\n  "a": 1,\n  "b": {"c": 2}\n}\n{"d": 3}\n'
    assert run_all.parse_json_output(noisy) == {"d": 3}
    assert run_all.parse_json_output('{"x": 1.5}') == {"x": 1.5}
    with pytest.raises(ValueError, match="no JSON object"):
        run_all.parse_json_output("Traceback …\nboom\n")


def test_merge_prefixes_only_shared_keys() -> None:
    merged = run_all.merge({"client": {"quick": True, "batch_issue_per_s": 10.0}, "node": {"quick": True, "x": 1}})
    assert merged == {"client.quick": True, "node.quick": True, "batch_issue_per_s": 10.0, "x": 1}


def _report() -> tuple[dict[str, object], dict[str, dict[str, object]]]:
    results: dict[str, dict[str, object]] = {"gas": {"issue": 54_321}, "api": {"get_certificate_rps": 2345.678}}
    report: dict[str, object] = {
        **run_all.merge(results),
        "machine": {"cpu": "Test CPU @ 3 GHz", "cores": 2, "ram_gib": 24.0, "python": "3.11.7"},
        "date": "2025-09-01",
        "quick": True,
        "seconds": {},
        "errors": {"node": "exit code 1: boom | bang"},
    }
    return report, results


def test_readme_table_rewrite_between_markers_is_idempotent(tmp_path: Path) -> None:
    report, results = _report()
    table = run_all.render_table(report, results)
    assert "Test CPU @ 3 GHz, 2 cores, 24.0 GiB RAM, Python 3.11.7" in table
    assert "2025-09-01" in table
    assert "| gas | `issue` | 54,321 | ≤ 65,000 ✓ |" in table
    assert "| api | `get_certificate_rps` | 2,345.68 | ≥ 2,000 ✓ |" in table
    assert "| node | failed | exit code 1: boom / bang | |" in table

    readme = (
        f"# aeo-ledger\n\nintro\n\n## Performance\n\n{run_all.START_MARKER}\nold\n{run_all.END_MARKER}\n\n## Next\n"
    )
    once = run_all.rewrite_readme(readme, table)
    assert "old" not in once
    assert once.startswith("# aeo-ledger\n\nintro\n\n## Performance\n\n")
    assert once.endswith("\n\n## Next\n")
    assert run_all.rewrite_readme(once, table) == once
    # no markers yet: the section is appended once, then rewritten in place
    appended = run_all.rewrite_readme("# aeo-ledger\n", table)
    assert appended.count(run_all.START_MARKER) == 1
    assert run_all.rewrite_readme(appended, table) == appended


def test_a_subset_replaces_its_rows_and_keeps_the_others_with_their_date() -> None:
    earlier = (
        f"{run_all.START_MARKER}\nMeasured 2025-08-01 on Old CPU (full sizes).\n\n"
        "| benchmark | metric | value | target |\n|---|---|---|---|\n"
        "| gas | `issue` | 60,000 | ≤ 65,000 ✓ |\n| import | `rows` | 5,000 |  |\n"
        f"{run_all.END_MARKER}\n"
    )
    report, results = _report()
    headers, rows = run_all.kept_rows(earlier, list(results))
    assert headers == ["Measured 2025-08-01 on Old CPU (full sizes) — import."]
    assert rows == ["| import | `rows` | 5,000 |  |"]
    merged = run_all.rewrite_readme(earlier, run_all.merge_table(run_all.render_table(report, results), headers, rows))
    assert "60,000" not in merged
    assert "| gas | `issue` | 54,321 | ≤ 65,000 ✓ |" in merged
    assert "| import | `rows` | 5,000 |  |" in merged
    assert "Measured 2025-08-01 on Old CPU (full sizes) — import." in merged
    assert f" — {', '.join(results)}." in merged.splitlines()[1]
    assert run_all.merge_table("table", [], []) == "table"


def test_each_row_keeps_the_date_of_the_run_that_measured_it_across_subset_runs() -> None:
    earlier = (
        f"{run_all.START_MARKER}\nMeasured 2025-09-02 on New CPU (full sizes) — gas.\n"
        "Measured 2025-08-01 on Old CPU (full sizes) — import, node.\n\n"
        "| benchmark | metric | value | target |\n|---|---|---|---|\n"
        "| gas | `issue` | 60,000 | ≤ 65,000 ✓ |\n| import | `rows` | 5,000 |  |\n| node | `x` | 1 |  |\n"
        f"{run_all.END_MARKER}\n"
    )
    headers, rows = run_all.kept_rows(earlier, ["import"])
    assert headers == [
        "Measured 2025-09-02 on New CPU (full sizes) — gas.",
        "Measured 2025-08-01 on Old CPU (full sizes) — node.",
    ]
    assert rows == ["| gas | `issue` | 60,000 | ≤ 65,000 ✓ |", "| node | `x` | 1 |  |"]
    assert run_all.kept_rows(earlier, ["gas"])[0] == ["Measured 2025-08-01 on Old CPU (full sizes) — import, node."]


@pytest.mark.slow
def test_run_all_quick_subset_prints_one_merged_object_and_writes_the_readme(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{run_all.START_MARKER}\n{run_all.END_MARKER}\n")
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/run_all.py",
            "--quick",
            "--only",
            "gas",
            "--write-readme",
            "--readme",
            str(readme),
        ],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["issue"] > 0
    assert report["quick"] is True
    assert report["machine"]["cores"] >= 1
    assert "errors" not in report
    assert "| gas | `issue` |" in readme.read_text()


def test_targets_are_marked_met_or_not() -> None:
    assert run_all._target("import", "import_certificates_per_s", 690.1) == "≥ 800 ✗ not met"
    assert run_all._target("api", "get_certificate_p99_ms", 14.1) == "≤ 25 ✓"
    assert run_all._target("gas", "acknowledge", 54_497) == "≤ 50,000 ✗ not met"
    assert run_all._target("node", "restart_s", {"1000": 0.1}) == ""
