"""Shared helpers for tests: a temporary content repository built from the real config.yaml."""

from __future__ import annotations

import shutil
import struct
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pmcpost.config import Config, load_config

# The project's own config.yaml, so tests check what the Pune cell really runs with.
REAL_CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"

# A valid announcement for water-supply on 2026-12-01; tests change one thing at a time.
GOOD_ANNOUNCEMENT = """\
coordinator: anil.jadhav
approved_by: priya.shinde
kind: notice
title:
  mr: "पाणीपुरवठा बंद"
  en: "No water supply"
text:
  mr: "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील."
  en: "No water supply in Parvati on Thursday."
link: https://www.pmc.gov.in/en/water-supply
hashtags: [PMCWater]
publish_at: "2026-12-01 18:00"
expires_at: "2026-12-03 21:00"
"""
GOOD_PATH = "content/water-supply/2026-12-01-shutdown.yaml"


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    """A real, minimal PNG image (so signature checks see a genuine file)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def make_repo(
    tmp_path: Path,
    files: dict[str, str | bytes] | None = None,
    *,
    config_text: str | None = None,
) -> Path:
    """A content repository in ``tmp_path``: the real config.yaml (or ``config_text``) plus ``files``
    (repository-relative path -> text or bytes). Returns the repository root."""
    root = tmp_path
    root.mkdir(parents=True, exist_ok=True)
    if config_text is None:
        shutil.copyfile(REAL_CONFIG, root / "config.yaml")
    else:
        (root / "config.yaml").write_text(config_text, encoding="utf-8")
    (root / "content").mkdir(exist_ok=True)
    for rel, body in (files or {}).items():
        write_file(root, rel, body)
    return root


def write_file(root: Path, rel: str, body: str | bytes) -> Path:
    """Write ``body`` (UTF-8 text or bytes) at ``root/rel``, making the folders."""
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, bytes):
        target.write_bytes(body)
    else:
        target.write_text(body, encoding="utf-8")
    return target


def real_config_text() -> str:
    return REAL_CONFIG.read_text(encoding="utf-8")


def repo_config(tmp_path: Path, files: dict[str, str | bytes] | None = None) -> Config:
    """make_repo, then the checked Config of that repository (with an empty environment)."""
    return load_config(make_repo(tmp_path, files), environ={})


def clock_at(moment: str) -> Any:
    """A context in which the process's clock reads ``moment`` (India time unless an offset is given):
    real publishing judges due-ness by the real clock, and ``publish --now`` only ever looks."""
    import time_machine

    when = datetime.fromisoformat(moment)
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo("Asia/Kolkata"))
    return time_machine.travel(when, tick=False)
