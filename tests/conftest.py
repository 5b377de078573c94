"""Shared test set-up: no network beyond this machine, no user configuration, no stray credentials."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _allowed(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # unix sockets
        return True
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost",):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _allowed(address):
        raise ConnectionRefusedError(f"tests may only connect to 127.0.0.1, not {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _allowed(address):
        raise ConnectionRefusedError(f"tests may only connect to 127.0.0.1, not {address!r}")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """An accidental real API call fails at once instead of reaching X or Facebook."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No credentials or API overrides from the developer's shell; git and HOME isolated."""
    for name in list(os.environ):
        if (name.startswith("PMCPOST_") and name != "PMCPOST_SCREENSHOT_DIR") or name in (
            "CI",
            "GITHUB_ACTIONS",
            "GITLAB_CI",
            "NO_COLOR",
        ):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Runner")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tests@example.org")
    from pmcpost.credentials import forget_all

    forget_all()  # secrets remembered by an earlier test must not be scrubbed from this one's messages
    yield


# The emulated world of the publishing tests (tests/world.py): its fixtures, for every test file.
from world import emulators, world  # noqa: E402

__all__ = ["emulators", "world"]
