"""`pmcpost preview` in json, markdown and plain text, and `pmcpost publish --dry-run`, on the sample content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from helpers import make_repo

from pmcpost import xtext
from pmcpost.cli import cli

REPO = Path(__file__).resolve().parent.parent
RAIN = "disaster-management/2026-07-14-heavy-rain-alert"
WASTE = "solid-waste/2026-11-20-dry-waste-collection"
TAX = "property-tax/2026-11-25-tax-deadline-rebate"
ROADS = "roads/2026-11-27-road-closure-karve-road"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the repository's config.yaml and sample content."""
    make_repo(tmp_path)
    shutil.rmtree(tmp_path / "content")
    shutil.copytree(REPO / "content", tmp_path / "content")
    return tmp_path


def run(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--root", str(root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def preview_json(root: Path, *args: str) -> list[dict[str, Any]]:
    result = run(root, "preview", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def test_json_has_what_a_coordinator_needs(root: Path) -> None:
    records = preview_json(root, "--now", "2026-07-01 00:00")
    pairs = [(r["id"], r["platform"]) for r in records]
    assert len(pairs) == len(set(pairs)) == 23  # every sample on each of its platforms, none posted yet
    for r in records:
        assert {"id", "platform", "publish_at", "coordinator", "approved_by", "parts"} <= set(r)
        assert r["status"] == "scheduled"
        assert r["parts"], r["id"]
        for p in r["parts"]:
            measure = {"twitter": xtext.weighted_length, "facebook": xtext.nfc_length}.get(r["platform"], len)
            assert p["length"] == measure(p["text"])
            assert p["limit"] == {"twitter": 280, "facebook": 63206}.get(r["platform"], 1_000_000)
            assert p["length"] <= p["limit"]
    rain = next(r for r in records if (r["id"], r["platform"]) == (RAIN, "twitter"))
    assert rain["publish_at"] == "2026-07-14T06:30:00+05:30"
    assert rain["expires_at"] == "2026-07-16T06:30:00+05:30"
    assert rain["coordinator"] == {"id": "ganesh.sonune", "name": "Ganesh Sonune"}
    assert rain["approved_by"] == {"id": "smita.kulkarni", "name": "Smita Kulkarni"}
    assert [p["language"] for p in rain["parts"]] == ["mr", "mr", "en", "en"]
    assert rain["parts"][0]["text"].startswith("अतिवृष्टीचा इशारा: मुठा नदीकाठच्या नागरिकांनी सतर्क राहावे\n\n")
    tax_fb = next(r for r in records if (r["id"], r["platform"]) == (TAX, "facebook"))
    assert tax_fb["parts"][0]["link"] == "https://propertytax.punecorporation.org"


def test_json_platform_filter(root: Path) -> None:
    records = preview_json(root, "--now", "2026-07-01 00:00", "--platform", "twitter")
    assert {r["platform"] for r in records} == {"twitter"}
    assert len(records) == 7  # the education scheme is not for X
    result = run(root, "preview", "--platform", "myspace")
    assert result.exit_code == 2
    assert "unknown platform 'myspace'" in result.output


def test_now_makes_scheduled_due_and_hides_expired(root: Path) -> None:
    def statuses(now: str) -> dict[str, str]:
        return {r["id"]: r["status"] for r in preview_json(root, "--now", now, "--platform", "twitter")}

    assert statuses("2026-11-20 07:59")[WASTE] == "scheduled"
    after = statuses("2026-11-20 08:00")
    assert after[WASTE] == "due"
    assert RAIN not in after  # expired on 16 July: gone from the default view
    shown_all = preview_json(root, "--now", "2026-11-20 08:00", "--platform", "twitter", "--all")
    assert {r["id"]: r["status"] for r in shown_all}[RAIN] == "expired"
    # A time with a UTC offset is the same moment: 02:30 UTC is 08:00 in Pune.
    assert statuses("2026-11-20T02:30:00Z")[WASTE] == "due"


def test_markdown_has_a_table_and_fenced_posts(root: Path) -> None:
    result = run(root, "preview", "--format", "markdown", "--now", "2026-11-20 08:00", WASTE)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(
        "## pmcpost preview\n\n| announcement | platform | status | goes out | posts | answerable |\n"
    )
    assert (
        f"| `{WASTE}` | twitter | due now | Fri 20 Nov 2026, 08:00 IST | 2 | "
        "Mahesh Pawar (mahesh.pawar), approved by Sunita Gaikwad (sunita.gaikwad) |"
    ) in out
    records = preview_json(root, "--now", "2026-11-20 08:00", WASTE)
    assert len(records) == 3
    for r in records:
        for p in r["parts"]:
            assert f"```text\n{p['text']}\n```" in out
    assert "Marathi post · 218/280\n" in out


def test_plain_text_keeps_every_character(root: Path) -> None:
    result = run(root, "preview", "--now", "2026-07-01 00:00")
    assert result.exit_code == 0, result.output
    records = preview_json(root, "--now", "2026-07-01 00:00")
    for r in records:
        assert f"=== {r['id']} → {r['platform']}: scheduled\n" in result.stdout
        for p in r["parts"]:
            assert f"\n{p['text']}\n" in result.stdout, p["text"]
    assert "attached link: https://propertytax.punecorporation.org\n" in result.stdout
    image = "image attached to this post: content/water-supply/images/shutdown-map.png"
    assert f"{image} (alt: पाणीपुरवठा बंद राहणाऱ्या पर्वती," in result.stdout


def test_dry_run_shows_what_is_due_and_posts_nothing(root: Path) -> None:
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    result = run(root, "publish", "--dry-run", "--now", "2026-11-25 10:00")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(
        "Dry run as of 2026-11-25 10:00 IST: 8 posts for 6 announcement/platform pairs would go out; "
        "nothing is posted.\n"
    )
    for announcement in (WASTE, TAX):
        for platform in ("twitter", "facebook", "website"):
            assert f"=== {announcement} → {platform}: due now\n" in out
    assert "roads/2026-11-27-road-closure-karve-road → twitter: due now" not in out
    # Nothing written: no audit log, no website output, no lock left behind.
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before
    assert not (root / "audit").exists() and not (root / "public").exists()


def _git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_preview_changed_since_shows_only_what_changed(root: Path) -> None:
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "samples")
    _git(root, "switch", "-q", "-c", "edit")
    tax = root / "content" / f"{TAX}.yaml"
    tax.write_text(tax.read_text(encoding="utf-8").replace("Saturday and Sunday", "Saturday"), encoding="utf-8")
    _git(root, "commit", "-q", "-am", "shorter")
    records = preview_json(root, "--changed-since", "main", "--now", "2026-11-26 09:00")
    assert sorted({(r["id"], r["platform"]) for r in records}) == [
        (TAX, "facebook"),
        (TAX, "twitter"),
        (TAX, "website"),
    ]
    assert any("stay open on Saturday too." in p["text"] for r in records for p in r["parts"])
    # Nothing changed since the branch itself: an empty preview, in every format.
    assert preview_json(root, "--changed-since", "edit") == []
    result = run(root, "preview", "--changed-since", "edit", "--format", "markdown")
    assert result.exit_code == 0 and "Nothing to post." in result.stdout
    # A template change affects everything.
    (root / "templates").mkdir()
    (root / "templates" / "twitter.j2").write_text("{{ text[languages[0]] }}\n", encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "template")
    records = preview_json(root, "--changed-since", "main", "--now", "2026-07-01 00:00")
    assert len(records) == 23


def test_on_a_terminal_panels_wrap_long_lines_instead_of_cropping_them(root: Path) -> None:
    """In a real pseudo-terminal, every word of every post shows, however narrow the window."""
    import os
    import pty
    import re
    import subprocess
    import sys

    main, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "80", "LINES": "200", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "pmcpost", "--root", str(root), "preview", ROADS, "--platform", "twitter"]
    process = subprocess.Popen(command, stdin=secondary, stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not data:
            break
        chunks.append(data)
    assert process.wait(timeout=60) == 0
    os.close(main)
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8"))
    # The terminal form, not the plain one ("=== ..."); without a panel, whose border a Marathi line would break
    assert f"── {ROADS} → twitter ──" in screen and "===" not in screen and "╭─" not in screen
    flat = " ".join(screen.replace("│", " ").split())
    assert "Motorists should use Prabhat Road or Law College Road instead." in flat
    assert "वाहनचालकांनी प्रभात रस्ता किंवा लॉ कॉलेज रस्त्याचा वापर करावा." in flat
