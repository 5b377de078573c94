"""What preview says around the posts: expiry, which post carries the images, the link and the hashtags,
one thread numbering, and the long-thread warning (policy.long_thread_warning)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import make_repo

from pmcpost.cli import cli

REPO = Path(__file__).resolve().parent.parent
WATER = "water-supply/2026-12-01-shutdown-parvati-zone"
MAP = "content/water-supply/images/shutdown-map.png"
ALT_MR = "पाणीपुरवठा बंद राहणाऱ्या पर्वती, सहकारनगर, बिबवेवाडी, धनकवडी आणि कात्रज भागांचा नकाशा"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    make_repo(tmp_path)
    shutil.rmtree(tmp_path / "content")
    shutil.copytree(REPO / "content", tmp_path / "content")
    return tmp_path


def preview(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--root", str(root), "preview", "--now", "2026-12-01 07:00", WATER, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_plain_preview_says_expiry_images_placement_and_thread_order(root: Path) -> None:
    out = preview(root, "--platform", "twitter")
    lines = [ln for ln in out.splitlines() if ln.isascii() or ln.startswith(("===", "---", "image"))]
    assert lines == [
        f"=== {WATER} → twitter: scheduled",
        "goes out: the first run after Tue 01 Dec 2026, 18:00 IST",
        "expires: Thu 03 Dec 2026, 21:00 IST (not posted after that)",
        "answerable: Anil Jadhav (anil.jadhav), approved by Priya Shinde (priya.shinde)",
        "--- Marathi post 1/2: 279/280",
        "",
        f"image attached to this post: {MAP} (alt: {ALT_MR})",
        "--- Marathi post 2/2: 127/280",
        "",
        "https://www.pmc.gov.in/en/water-supply",
        "",
        "#PMCWater #PuneWaterCut (2/2)",
        "--- English post 1/2: 245/280",
        "No water supply in the Parvati zone on Thursday",
        "",
        "Because of urgent maintenance at the Parvati water works, there will be no water supply from 9 am to 9 pm "
        "on Thursday, 3 December, in Parvati, Sahakarnagar, Bibwewadi, Dhankawadi and Katraj. (1/2)",
        "--- English post 2/2: 143/280",
        "Supply on Friday morning will be at low pressure. Please store enough water in advance.",
        "",
        "https://www.pmc.gov.in/en/water-supply",
        "",
        "#PMCWater #PuneWaterCut (2/2)",
        "one thread of 4 posts, each replying to the one before: Marathi 1/2, Marathi 2/2, English 1/2, English 2/2",
        "link in the text of Marathi post 2/2",
        "link in the text of English post 2/2",
        "hashtags in Marathi post 2/2, English post 2/2",
        "warning: a thread of 4 posts (more than 3): readers rarely open beyond the first; shorten the text, "
        "or put the details on the website and link to it",
        "X pay-per-use estimate: $0.430",
        "",
    ]


def test_json_lists_images_with_their_post(root: Path) -> None:
    (x, facebook, _) = json.loads(preview(root, "--format", "json"))
    assert [p["images"] for p in x["parts"]] == [[{"path": MAP, "alt": ALT_MR}], [], [], []]
    assert x["expires_at"] == "2026-12-03T21:00:00+05:30"
    (part,) = facebook["parts"]
    assert [i["path"] for i in part["images"]] == [MAP]
    assert part["hashtags"] == ["#PMCWater", "#PuneWaterCut"]


def test_long_thread_warning_follows_policy(root: Path) -> None:
    config = root / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("policy:\n", "policy:\n  long_thread_warning: 4\n", 1),
        encoding="utf-8",
    )
    assert "warning: a thread" not in preview(root, "--platform", "twitter")
    config.write_text(
        config.read_text(encoding="utf-8").replace("long_thread_warning: 4", "long_thread_warning: 1"),
        encoding="utf-8",
    )
    markdown = preview(root, "--platform", "facebook", "--format", "markdown")
    assert "Post · 746/63,206\n" in markdown
    assert "warning: a thread" not in markdown  # one post is no thread
    markdown = preview(root, "--platform", "twitter", "--format", "markdown")
    assert "- ⚠ a thread of 4 posts \\(more than 1\\)" in markdown
    assert f"- image `{MAP}` attached to this post, alt text: " in markdown
