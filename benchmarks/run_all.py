"""Every benchmark in one command: prints ONE JSON object merging their keys.

Runs gas (``benchmarks/gas.py``), client (``benchmarks/client.py``), node (``benchmarks/node.py``),
API (``benchmarks/api.py``), import (``benchmarks/import_bench.py``), webhooks
(``benchmarks/webhooks.py``), console (``benchmarks/console.py``) anvil writes
(``benchmarks/anvil_writes.py``) and the gateway network (``benchmarks/network.py``), each in its own
subprocess (``python -m benchmarks.X``), parses the JSON object each prints and merges the keys (a
key two benchmarks share is kept as ``<benchmark>.<key>``). ``machine``, ``date``, ``quick`` and
``seconds`` (per benchmark) describe the run; ``errors`` lists benchmarks that failed.

Usage::

    python benchmarks/run_all.py [--quick] [--only gas,client] [--write-readme [--readme README.md]]

``--quick`` is the CI smoke size. ``--write-readme`` rewrites the README's performance table
between ``<!-- perf:start -->`` and ``<!-- perf:end -->`` (the section is appended when the markers
are missing); with ``--only``, the rows of the benchmarks not run stay, under their earlier date.
Exit code 1 when a benchmark failed (the others are still reported).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUN_NAMES = " — "  # a "Measured …" line names the benchmarks it measured after this
START_MARKER = "<!-- perf:start -->"
END_MARKER = "<!-- perf:end -->"
TIMEOUT_S = 3600


@dataclass(frozen=True)
class Benchmark:
    """One benchmark module and its arguments in each mode."""

    name: str
    module: str
    quick: tuple[str, ...]
    full: tuple[str, ...] = ()


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("gas", "gas", ()),
    Benchmark("client", "client", ("--quick",)),
    Benchmark("node", "node", ("--quick",)),
    Benchmark("api", "api", ("--quick",)),
    Benchmark("import", "import_bench", ("--rows", "1000")),
    Benchmark("webhooks", "webhooks", ("--quick",)),
    Benchmark("console", "console", ("--quick",)),
    Benchmark("anvil", "anvil_writes", ("--quick",)),
    Benchmark("network", "network", ("--quick",)),
)


def parse_json_output(stdout: str) -> dict[str, Any]:
    """The last JSON object a benchmark printed (pretty-printed or on one line, after any other text)."""
    decoder = json.JSONDecoder()
    found: dict[str, Any] | None = None
    for position, char in enumerate(stdout):
        if char != "{" or (position and stdout[position - 1] not in "\n"):
            continue
        try:
            value, _end = decoder.raw_decode(stdout, position)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            found = value
    if found is None:
        raise ValueError("the benchmark printed no JSON object")
    return found


def run_benchmark(benchmark: Benchmark, quick: bool) -> dict[str, Any]:
    """Run one benchmark in a subprocess; its JSON object (raises RuntimeError on failure)."""
    path = ROOT / "benchmarks" / f"{benchmark.module}.py"
    if not path.exists():
        raise RuntimeError(f"{path.relative_to(ROOT)} does not exist")
    argv = [sys.executable, "-m", f"benchmarks.{benchmark.module}", *(benchmark.quick if quick else benchmark.full)]
    env = dict(os.environ, ETH_HASH_BACKEND=os.environ.get("ETH_HASH_BACKEND", "pysha3"), PYTHONPATH=str(ROOT))
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"exit code {result.returncode}: {' | '.join(tail)}")
    try:
        return parse_json_output(result.stdout)
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None


def merge(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One flat object: each key as is, or ``<benchmark>.<key>`` when several benchmarks print it."""
    counts: dict[str, int] = {}
    for values in results.values():
        for key in values:
            counts[key] = counts.get(key, 0) + 1
    merged: dict[str, Any] = {}
    for name, values in results.items():
        for key, value in values.items():
            merged[key if counts[key] == 1 else f"{name}.{key}"] = value
    return merged


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM and Python version of this machine."""
    cpu = platform.processor() or platform.machine()
    ram_gib: float | None = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": ram_gib, "python": platform.python_version()}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


#: The issues' targets: (benchmark, metric) -> (comparison, bound). Shown beside each figure.
TARGETS: dict[tuple[str, str], tuple[str, float]] = {
    ("gas", "issue"): ("<=", 65_000),
    ("gas", "issue_batch_100_per_certificate"): ("<=", 30_000),
    ("gas", "suspend"): ("<=", 35_000),
    ("gas", "reinstate"): ("<=", 35_000),
    ("gas", "revoke"): ("<=", 35_000),
    ("gas", "recognition_20_mras"): ("<=", 40_000),
    ("gas", "acknowledge"): ("<=", 50_000),
    ("gas", "acknowledge_next_event"): ("<=", 50_000),
    ("client", "batch_issue_per_s"): (">=", 1_000),
    ("client", "single_write_per_s"): (">=", 50),
    ("client", "history_p95_ms"): ("<=", 5),
    ("client", "recognition_at_p95_ms"): ("<=", 5),
    ("client", "index_sync_events_per_s"): (">=", 5_000),
    ("node", "get_logs_1000_blocks_ms"): ("<=", 50),
    ("api", "get_certificate_rps"): (">=", 2_000),
    ("api", "get_certificate_p99_ms"): ("<=", 25),
    ("api", "post_write_per_s"): (">=", 50),
    ("import", "import_certificates_per_s"): (">=", 800),
    ("webhooks", "webhook_delivery_p99_ms"): ("<=", 500),
    ("console", "dashboard_p95_ms"): ("<=", 50),
    ("console", "certificates_p95_ms"): ("<=", 50),
    ("console", "certificate_p95_ms"): ("<=", 50),
    ("console", "kpis_p95_ms"): ("<=", 50),
    ("anvil", "anvil_single_write_per_s"): (">=", 50),
    ("network", "propagation_p99_ms"): ("<=", 250),
    ("network", "webhook_delivery_p99_ms"): ("<=", 500),
    ("network", "gateways_write_per_s"): (">=", 50),
    ("network", "gateways_write_p99_ms"): ("<=", 2_500),
    ("network", "envelopes_per_s"): (">=", 500),
    ("network", "operator_lookup_p95_ms"): ("<=", 5),
}


def _target(name: str, key: str, value: Any) -> str:
    target = TARGETS.get((name, key))
    if target is None or not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    comparison, bound = target
    met = value <= bound if comparison == "<=" else value >= bound
    return f"{'≤' if comparison == '<=' else '≥'} {_value(bound)} {'✓' if met else '✗ not met'}"


def render_table(report: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    """The Markdown performance section: a line on the machine and run, then benchmark | metric | value | target."""
    info = report["machine"]
    mode = "quick (CI) sizes" if report["quick"] else "full sizes"
    lines = [
        f"Measured {report['date']} on {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM, "
        f"Python {info['python']} ({mode}; `python benchmarks/run_all.py --write-readme`){RUN_NAMES}"
        f"{', '.join(results)}.",
        "",
        "| benchmark | metric | value | target |",
        "|---|---|---|---|",
    ]
    for name, values in results.items():
        for key in sorted(values):
            if key == "quick":
                continue
            lines.append(f"| {name} | `{key}` | {_value(values[key])} | {_target(name, key, values[key])} |")
    for name, error in report.get("errors", {}).items():
        lines.append(f"| {name} | failed | {error.replace('|', '/')} | |")
    return "\n".join(lines)


def kept_rows(text: str, measured: Sequence[str]) -> tuple[list[str], list[str]]:
    """From the README's current table: its "Measured …" lines and the rows of benchmarks not in ``measured``.

    A run of a subset (``--only``) replaces its own benchmarks' rows and keeps the others, each
    under the "Measured …" line of the run that measured it (the line names its benchmarks after
    " — "; a line without names covers every kept row). Lines left with no benchmark are dropped."""
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start == -1 or end == -1 or end < start:
        return [], []
    lines = text[start + len(START_MARKER) : end].strip().splitlines()
    rows = [
        line
        for line in lines
        if line.startswith("| ") and not line.startswith("| benchmark |") and line.split("|")[1].strip() not in measured
    ]
    kept = list(dict.fromkeys(row.split("|")[1].strip() for row in rows))
    headers: list[str] = []
    for line in lines:
        if not line.startswith("Measured "):
            continue
        run, sep, names = line.partition(RUN_NAMES)
        covered = [n.strip() for n in names.removesuffix(".").split(",")] if sep else kept
        still = [n for n in covered if n in kept]
        if still:
            headers.append(f"{run if sep else run.removesuffix('.')}{RUN_NAMES}{', '.join(still)}.")
    return headers, rows


def merge_table(table: str, headers: Sequence[str], rows: Sequence[str]) -> str:
    """``table`` (a subset's run) with the earlier runs' ``headers`` under its own and their ``rows`` after its rows."""
    if not rows:
        return table
    lines = table.splitlines()
    return "\n".join([lines[0], *headers, *lines[1:], *rows])


def rewrite_readme(text: str, table: str) -> str:
    """``text`` with the content between the perf markers replaced by ``table`` (section appended if absent)."""
    block = f"{START_MARKER}\n{table}\n{END_MARKER}"
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start == -1 or end == -1 or end < start:
        return text.rstrip("\n") + f"\n\n## Performance\n\n{block}\n"
    return text[:start] + block + text[end + len(END_MARKER) :]


def run_all(selected: Sequence[Benchmark], quick: bool) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Run ``selected``; the merged report and each benchmark's own results."""
    results: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for benchmark in selected:
        started = time.perf_counter()
        print(f"running {benchmark.name} …", file=sys.stderr, flush=True)
        try:
            results[benchmark.name] = run_benchmark(benchmark, quick)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            errors[benchmark.name] = str(exc)
        seconds[benchmark.name] = round(time.perf_counter() - started, 1)
    report: dict[str, Any] = merge(results)
    report.update(
        machine=machine(),
        date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        quick=quick,
        seconds=seconds,
    )
    if errors:
        report["errors"] = errors
    return report, results


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the flags, run, print the JSON, optionally rewrite the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    parser.add_argument("--only", default=None, help="comma-separated subset: " + ",".join(b.name for b in BENCHMARKS))
    parser.add_argument("--write-readme", action="store_true", help="rewrite the README's performance table")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md", help="the README to rewrite")
    args = parser.parse_args(argv)
    selected = list(BENCHMARKS)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = wanted - {b.name for b in BENCHMARKS}
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        selected = [b for b in BENCHMARKS if b.name in wanted]
    report, results = run_all(selected, args.quick)
    print(json.dumps(report, indent=2, sort_keys=True))
    if args.write_readme:
        if not args.readme.exists():
            print(f"run_all: {args.readme} does not exist; nothing rewritten", file=sys.stderr)
            return 2
        text = args.readme.read_text()
        table = render_table(report, results)
        if args.only:
            headers, rows = kept_rows(text, [b.name for b in selected])
            table = merge_table(table, headers, rows)
        args.readme.write_text(rewrite_readme(text, table))
        print(f"run_all: performance table written to {args.readme}", file=sys.stderr)
    return 1 if "errors" in report else 0


if __name__ == "__main__":
    raise SystemExit(main())
