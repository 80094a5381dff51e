"""Every output goes through one guarded writer: never over an input, the configuration, a
template or the baseline; devices and pipes written to, never renamed over; write failures
are clear exit-2 messages with no temporary file left behind."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli_check import VALID

VIOLATING = VALID.replace("value: prohibited", "value: permitted")


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".policylint-")]


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as fh:
            into.append(fh.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_fifo_is_written_to_and_stays_a_fifo(run_cli: Any, write: Any, tmp_path: Path) -> None:
    doc = write("a.yaml", VALID)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    result = run_cli("check", "-f", "json", "-o", str(fifo), str(doc))
    reader.join(30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert b'"files"' in got[0]
    assert not _leftovers(tmp_path)


def test_a_link_like_dev_stdout_is_written_through_not_replaced(run_cli: Any, write: Any, tmp_path: Path) -> None:
    doc = write("a.yaml", VALID)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "stdout"
    link.symlink_to(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    result = run_cli("diff", str(doc), str(doc), "-f", "json", "-o", str(link))
    reader.join(30)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)
    assert b"policylint-diff" in got[0]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_character_device_is_never_renamed_over(run_cli: Any, write: Any, tmp_path: Path) -> None:
    # `-o /dev/null` as root replaced the system's /dev/null with a regular file.
    doc = write("a.yaml", VALID)
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # our own null device node
    for args in (("check", "-f", "json", "-o", str(null), str(doc)),
                 ("compare", str(doc), "-f", "json", "-o", str(null)),
                 ("schema", "-o", str(null))):
        result = run_cli(*args)
        assert result.exit_code == 0, (args, result.output)
        assert stat.S_ISCHR(os.lstat(null).st_mode), args
    assert not _leftovers(tmp_path)


@pytest.mark.parametrize("command", ["compare", "diff", "check", "baseline"])
def test_an_input_is_never_an_output(run_cli: Any, write: Any, command: str) -> None:
    doc = write("docs/a.yaml", VIOLATING)
    other = write("docs/b.yaml", VALID)
    args = {
        "compare": ("compare", str(doc), str(other), "-f", "json", "-o", str(doc)),
        "diff": ("diff", str(other), str(doc), "-f", "json", "-o", str(doc)),
        "check": ("check", "-f", "json", "-o", str(doc), str(other), str(doc)),
        "baseline": ("baseline", "create", "--file", str(doc), str(doc.parent)),
    }[command]
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    assert "is an input of this run" in result.output
    assert doc.read_text(encoding="utf-8") == VIOLATING


def test_the_configuration_template_and_baseline_are_never_outputs(run_cli: Any, write: Any) -> None:
    doc = write("a.yaml", VALID)
    config = write("conf.yaml", "fail-on: error\n")
    template = write("out.txt.j2", "{{ findings|length }}\n")
    baseline = write("base.json", '{"policylint-baseline": 1, "findings": []}\n')
    cases = [
        (("check", "--config", str(config), "-o", str(config), str(doc)), config, "a configuration file"),
        (("check", "--isolated", "-f", f"template:{template}:{template}", str(doc)), template,
         "an output template"),
        (("check", "--isolated", "--baseline", str(baseline), "-f", f"json:{baseline}", str(doc)),
         baseline, "the baseline"),
        (("compare", "--config", str(config), str(doc), "-f", "json", "-o", str(config)), config,
         "a configuration file"),
        (("baseline", "create", "--config", str(config), "--file", str(config), str(doc)), config,
         "a configuration file"),
    ]
    for args, target, what in cases:
        before = target.read_bytes()
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert f"is {what} of this run" in result.output, (args, result.output)
        assert target.read_bytes() == before


def test_an_unwritable_place_is_a_clear_error(run_cli: Any, write: Any, tmp_path: Path) -> None:
    doc = write("a.yaml", VALID)
    for args in (("check", "-f", "json", "-o", str(tmp_path / "missing" / "out.json"), str(doc)),
                 ("compare", str(doc), "-o", str(tmp_path / "missing" / "out.md")),
                 ("baseline", "create", "--isolated", "--file", str(tmp_path / "missing" / "b.json"), str(doc))):
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "cannot write" in result.output and "internal error" not in result.output


def test_a_full_disk_is_a_clear_error_and_leaves_no_temporary_file(
        run_cli: Any, write: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    doc = write("a.yaml", VALID)
    out = tmp_path / "out.json"
    out.write_text("previous\n", encoding="utf-8")

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    for args in (("check", "-f", "json", "-o", str(out), str(doc)),
                 ("diff", str(doc), str(doc), "-f", "json", "-o", str(out))):
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "No space left on device" in result.output and "internal error" not in result.output
        assert out.read_text(encoding="utf-8") == "previous\n"
        assert not _leftovers(tmp_path)
