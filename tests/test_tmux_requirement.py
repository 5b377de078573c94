"""The terminal tests need tmux: skipped on a workstation without it (saying how to run them), required in CI."""

from __future__ import annotations

from pathlib import Path

import pytest
from tmux import HOW_TO_GET_IT, tmux_binary


def nothing(name: str) -> None:
    return None


def test_without_tmux_on_a_workstation_the_tests_are_skipped_saying_how_to_run_them() -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        tmux_binary({}, which=nothing)
    assert str(skipped.value) == f"tmux is not installed: {HOW_TO_GET_IT}"
    assert "apt-get install tmux" in str(skipped.value)


@pytest.mark.parametrize("value", ["true", "1"])
def test_without_tmux_in_ci_the_tests_fail(value: str) -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        tmux_binary({"CI": value}, which=nothing)
    assert str(failed.value) == f"tmux is not installed, and CI=true requires the terminal tests: {HOW_TO_GET_IT}"


def test_ci_run_installs_tmux() -> None:
    script = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "command -v tmux" in script
    assert "apt-get install -y -qq --no-install-recommends chromium fonts-noto-core tmux" in script
