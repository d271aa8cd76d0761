"""The CLI's options: every one has help text, chain options work after the action, and
``import --help`` documents the file's columns."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger_client.cli import build_parser, main
from ledger_client.importer import COLUMNS


def _parsers(
    parser: argparse.ArgumentParser, path: str = "aeo-ledger"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, f"{path} {name}")


def test_every_option_and_argument_has_help_text() -> None:
    missing = [
        f"{path} {'/'.join(action.option_strings) or action.dest}"
        for path, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction) and not action.help
    ]
    assert missing == []


def test_node_help_describes_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["node", "--help"])
    out = capsys.readouterr().out
    assert "journal and snapshot directory" in out
    assert "one block per transaction" in out


def test_import_help_lists_every_column(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = capsys.readouterr().out
    assert "CSV example" in out
    for column in COLUMNS:
        assert column in out


@pytest.mark.parametrize("where", ["before", "after"])
def test_data_dir_is_accepted_before_or_after_the_action(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    create = ["create", "--role", "governance", "--label", "board"]
    assert main(["token", *data, *create] if where == "before" else ["token", *create, *data]) == 0
    capsys.readouterr()
    assert main(["token", *data, "list"] if where == "before" else ["token", "list", *data]) == 0
    assert "board" in capsys.readouterr().out
    assert (tmp_path / "tokens.sqlite").exists()


def test_an_option_after_the_action_wins_over_the_same_before(tmp_path: Path) -> None:
    args = build_parser().parse_args(["audit", "--data-dir", "first", "mra", "1", "--data-dir", str(tmp_path)])
    assert args.data_dir == tmp_path
    args = build_parser().parse_args(["audit", "--data-dir", str(tmp_path), "mra", "1"])
    assert args.data_dir == tmp_path
    assert args.rpc_url is None
