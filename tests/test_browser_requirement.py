"""The README's test command passes on a fresh machine without Chromium; in CI the browser test is required."""

from __future__ import annotations

import pytest
from browser import HOW_TO_GET_IT, chromium


def nothing(name: str) -> None:
    return None


def test_without_chromium_on_a_workstation_the_test_is_skipped_saying_how_to_run_it() -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        chromium({}, which=nothing)
    assert str(skipped.value) == f"chromium is not installed: {HOW_TO_GET_IT}"
    assert "apt-get install chromium" in str(skipped.value)
    with pytest.raises(pytest.skip.Exception):
        chromium({"CI": "false"}, which=nothing)


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_without_chromium_in_ci_the_test_fails(value: str) -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        chromium({"CI": value}, which=nothing)
    assert str(failed.value) == f"chromium is not installed, and CI=true requires the browser test: {HOW_TO_GET_IT}"


def test_either_name_of_the_binary_is_found() -> None:
    assert chromium({"CI": "true"}, which=lambda n: "/usr/bin/chromium" if n == "chromium" else None) == (
        "/usr/bin/chromium"
    )
    assert chromium({}, which=lambda n: f"/usr/bin/{n}" if n == "chromium-browser" else None) == (
        "/usr/bin/chromium-browser"
    )
