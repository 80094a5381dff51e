"""What CI and hooks run: the pre-commit hook, the help that lists every output format."""

from __future__ import annotations

from pathlib import Path

import yaml

from policylint.formats import FORMATS

ROOT = Path(__file__).resolve().parents[1]


def test_precommit_hook_checks_all_files_in_one_process():
    # pre-commit splits the files into one batch per processor unless the hook is serial, and
    # each batch would print its own summary; serial, it splits only past 128 KiB of names.
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))}
    hook = hooks["policylint"]
    assert hook["entry"] == "policylint check"
    assert hook["require_serial"] is True
    assert hook.get("pass_filenames", True) is True


def test_check_help_lists_every_format(run_cli):
    text = " ".join(run_cli("check", "--help").output.split())
    for name in FORMATS:
        assert f"{name}," in text or f"{name}, or" in text, name
    assert "template:PATH.j2" in text
