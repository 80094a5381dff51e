"""README's tour runs as written: every `policylint` command in its console and sh blocks
exits 0 or 1 without a traceback.

Commands run in a scratch folder that links the repository's files, so what they write
(`-o report.html`, `sarif:out.sarif`) stays out of the repository. The reader's own folders
that the tour names (`policies/`, `draft.yaml`) are stand-ins: the shipped example policy
repository's documents. A command that needs what the repository cannot give (git history,
a file of the reader's) is skipped and says why.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
STAND_INS = ROOT / "examples" / "policy-repo" / "policies"

_BLOCK = re.compile(r"^```(console|sh|shell|bash)\n(.*?)^```", re.DOTALL | re.MULTILINE)
#: Commands that need what a checkout cannot give, with the reason the test prints.
_NEEDS = (
    (re.compile(r"\bHEAD~\d+:"), "needs a git history in which policies/lynn.yaml existed"),
    (re.compile(r"agencies\.csv"), "needs the reader's own CSV of agencies"),
    (re.compile(r"template:my-report\.j2"), "needs the reader's own Jinja template"),
)


def tour_commands() -> list[str]:
    """The `policylint ...` commands of README's console and sh blocks, as written."""
    commands = []
    for kind, body in _BLOCK.findall(README.read_text("utf-8")):
        for line in body.splitlines():
            if kind == "console":
                if not line.startswith("$ "):
                    continue  # output shown after the prompt
                line = line[2:]
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("policylint "):
                    commands.append(part)
    return commands


COMMANDS = tour_commands()


def test_the_tour_has_commands_to_run():
    assert len(COMMANDS) >= 10, COMMANDS
    assert any(c.startswith("policylint check examples/") for c in COMMANDS)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder that sees the repository's files and the reader's stand-ins."""
    where = tmp_path_factory.mktemp("tour")
    for entry in ROOT.iterdir():
        if not entry.name.startswith("."):
            (where / entry.name).symlink_to(entry)
    shutil.copytree(STAND_INS, where / "policies")
    shutil.copy(next(STAND_INS.glob("*.yaml")), where / "draft.yaml")
    return where


@pytest.mark.parametrize("command", COMMANDS, ids=[c[:70] for c in COMMANDS])
def test_tour_command_runs(command: str, scratch: Path) -> None:
    for pattern, reason in _NEEDS:
        if pattern.search(command):
            pytest.skip(f"`{command}` {reason}")
    args = shlex.split(command, comments=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    # One cache for the whole tour, as a reader's machine has: templates compiled by the
    # first command are not compiled again under every later command's rule deadline.
    env["POLICYLINT_CACHE_DIR"] = str(scratch.parent / f"{scratch.name}-cache")
    done = subprocess.run([sys.executable, "-m", "policylint", *args[1:]], cwd=scratch, env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                          check=False)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode in (0, 1), f"{command}\nexit {done.returncode}\n{done.stderr}"
    assert done.stdout or list(scratch.glob("report.html")), f"{command} printed nothing"
