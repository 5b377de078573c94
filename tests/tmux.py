"""Run a command inside tmux at a given width and read the screen back as tmux drew it (capture-pane).

A pseudo-terminal alone gives the bytes a program wrote; tmux also wraps them by its own idea of each
character's width, as a person's terminal does, so a panel border that wraps or a word split across lines
shows on the screen read back. Without tmux the test is skipped (saying how to run it); with CI=true it fails.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from pmcpost.ci import in_ci

SESSION_ENVIRON = {"CI": os.environ.get("CI", "")}  # read at collection: conftest removes CI from each test
HOW_TO_GET_IT = (
    "install it to run this test (apt-get install tmux on Debian or Ubuntu); .ci/run installs it, and with "
    "CI=true the test is required"
)


def tmux_binary(environ: Mapping[str, str] | None = None, which: Callable[[str], str | None] = shutil.which) -> str:
    """tmux, or a skip (a failure with CI=true: a CI job that lost it must not pass in silence)."""
    environ = SESSION_ENVIRON if environ is None else environ
    found = which("tmux")
    if found:
        return found
    if in_ci(environ):
        pytest.fail(f"tmux is not installed, and CI=true requires the terminal tests: {HOW_TO_GET_IT}")
    pytest.skip(f"tmux is not installed: {HOW_TO_GET_IT}")


@dataclass(frozen=True)
class Screen:
    rows: list[str]  # as tmux shows them, scroll-back included
    lines: list[str]  # the same with the lines tmux wrapped joined again (capture-pane -J)

    @property
    def wrapped(self) -> list[str]:
        """The lines the terminal had to wrap (too wide for it): none when the program fitted its output."""
        return [line for line in self.lines if line not in self.rows]


def screen(args: Sequence[str], columns: int, *, cwd: Path, env: Mapping[str, str], timeout: float = 60) -> Screen:
    """What tmux shows after ``args`` ran in a window ``columns`` wide."""
    tmux = tmux_binary()
    base = [tmux, "-u", "-L", f"pmcpost-test-{uuid.uuid4().hex[:12]}", "-f", "/dev/null"]
    environ = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TMUX")}
    environ.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    command = "cd " + shlex.quote(str(cwd)) + " && exec env " + shlex.join([f"{k}={v}" for k, v in environ.items()])
    command += " " + shlex.join(args)

    def run(*more: str) -> str:
        proc = subprocess.run([*base, *more], capture_output=True, text=True, env=environ, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"tmux {more[0]} failed: {proc.stderr.strip()}")
        return proc.stdout

    run("new-session", "-d", "-s", "t", "-x", str(columns), "-y", "50", "sleep 600")
    try:
        run("set-option", "-g", "history-limit", "20000")
        run("set-option", "-g", "remain-on-exit", "on")
        run("respawn-pane", "-k", "-t", "t", command)
        deadline = time.monotonic() + timeout
        while run("display-message", "-p", "-t", "t", "#{pane_dead}").strip() != "1":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{args} did not finish in {timeout} s")
            time.sleep(0.05)
        rows = run("capture-pane", "-p", "-t", "t", "-S", "-", "-E", "-").split("\n")
        lines = run("capture-pane", "-p", "-J", "-t", "t", "-S", "-", "-E", "-").split("\n")
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True)
    return Screen(_tidy(rows), _tidy(lines))


def _tidy(rows: list[str]) -> list[str]:
    rows = [r.rstrip() for r in rows if not r.startswith("Pane is dead")]
    while rows and not rows[-1]:
        rows.pop()
    return rows
