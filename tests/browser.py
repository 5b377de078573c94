"""The headless Chromium the website's browser test needs: skipped on a workstation without it, required in CI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping

import pytest

from pmcpost.ci import in_ci

# Read when the tests are collected: the autouse fixture in conftest.py removes CI from each test's environment
# (so the code under test never believes it runs in CI), but whether this run is a CI job decides here.
SESSION_ENVIRON = {"CI": os.environ.get("CI", "")}
HOW_TO_GET_IT = (
    "install it to run this test (apt-get install chromium on Debian or Ubuntu); "
    ".ci/run installs it, and with CI=true the test is required"
)


def chromium(environ: Mapping[str, str] | None = None, which: Callable[[str], str | None] = shutil.which) -> str:
    """The Chromium binary. Without one: the test is skipped, saying how to run it, or fails when CI=true
    (a CI job that lost its browser must not pass in silence)."""
    environ = SESSION_ENVIRON if environ is None else environ
    found = which("chromium") or which("chromium-browser")
    if found:
        return found
    if in_ci(environ):
        pytest.fail(f"chromium is not installed, and CI=true requires the browser test: {HOW_TO_GET_IT}")
    pytest.skip(f"chromium is not installed: {HOW_TO_GET_IT}")
