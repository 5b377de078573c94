"""The guided `pmcpost new`: a conversation in a pseudo-terminal, and each answer's check on its own."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from helpers import make_repo, tiny_png
from terminal import ESCAPE

from pmcpost import guided
from pmcpost.cli import cli
from pmcpost.config import load_config
from pmcpost.content import load_file

IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 12, 2, 10, 7, tzinfo=IST)
AT_TIME = str(Path(__file__).resolve().parent / "at_time.py")


def converse(
    args: Sequence[str],
    steps: Sequence[tuple[str, str]],
    *,
    cwd: Path,
    columns: int = 100,
    language: str = "en",
) -> tuple[str, int]:
    """Run ``args`` on a pseudo-terminal; for each (prompt, answer), wait for the prompt then type the answer.
    Returns everything shown (escapes removed) and the exit code."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "PMCPOST_LANG")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", PMCPOST_LANG=language)
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    done = 0  # how much of the screen earlier prompts consumed

    def read(timeout: float) -> bool:
        nonlocal seen
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(master, 65536)
        except OSError:
            return False
        seen += chunk
        return bool(chunk)

    def screen() -> str:
        return ESCAPE.sub("", seen.decode("utf-8", errors="replace"))

    for prompt, answer in steps:
        while prompt not in screen()[done:]:
            if not read(30):
                raise AssertionError(f"no prompt {prompt!r}; the screen shows:\n{screen()}")
        done = screen().index(prompt, done) + len(prompt)
        os.write(master, answer.encode() + b"\r")
    while read(30):
        pass
    proc.wait(timeout=60)
    os.close(master)
    return ESCAPE.sub("", seen.decode("utf-8")).replace("\r\n", "\n"), proc.returncode


def guided_run(
    root: Path, steps: Sequence[tuple[str, str]], at: str = "2026-12-02 10:07", language: str = "en"
) -> tuple[str, int]:
    return converse([sys.executable, AT_TIME, at, "--root", str(root), "new"], steps, cwd=root, language=language)


def test_a_guided_alert_in_a_terminal(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"content/water-supply/images/map.png": tiny_png(), "notes.txt": "not an image"})
    screen, code = guided_run(
        root,
        [
            ("Your choice (anti-encroachment): ", "waterworks"),
            ("Your choice (anti-encroachment): ", "13"),
            ("Your choice (anil.jadhav): ", "2"),
            ("Your choice (notice): ", "alert"),
            ("India time) (2026-12-02 10:10): ", "2026-12-01 09:00"),
            ("India time) (2026-12-02 10:10): ", ""),
            ("Short heading in Marathi (optional): ", "पाणीपुरवठा बंद"),
            ("Short heading in English (optional): ", "Water cut in Parvati"),
            ("The message in Marathi: ", ""),
            ("The message in Marathi: ", "पर्वती भागात आज दुपारी पाणीपुरवठा बंद राहील."),
            ("The message in English: ", "पर्वती भागात पाणी नाही"),
            ("The message in English: ", "No water supply in Parvati this afternoon: store water."),
            ("optional): ", "www.pmc.gov.in"),
            ("optional): ", "https://www.pmc.gov.in/en/water-supply"),
            ("Hashtags, without '#' (PMCWater): ", "#PMCWater, Pune Rains!"),
            ("Hashtags, without '#' (PMCWater): ", "#PMCWater, PuneWater"),
            ("leave empty when done): ", "notes.txt"),
            ("leave empty when done): ", "content/water-supply/images/map.png"),
            ("in Marathi (for readers who cannot see it): ", "पर्वती भागाचा नकाशा"),
            ("in English (for readers who cannot see it): ", "Map of the Parvati area"),
            ("leave empty when done): ", ""),
            ("joined by '-') (water-cut-in-parvati): ", "Water Cut"),
            ("joined by '-') (water-cut-in-parvati): ", ""),
        ],
    )
    assert code == 0, screen
    # The problems are the indented lines that are not options of a list.
    problems = [line.strip() for line in screen.splitlines() if re.match(r"^  (?! *\d+\. )\S", line)]
    assert problems == [
        "type a number from the list (1 to 13) or one of the names",
        "that time has already passed; give a time from now on",
        "this text is required",
        "the English text is mostly in Devanagari: did you put the Marathi text under en:?",
        "link must start with https:// (found 'www.pmc.gov.in')",
        "hashtag 'Rains!' must be one word of letters, digits or '_'",
        "this is not a PNG, JPEG, GIF or WebP image named as one",
        "use lower-case English letters and digits, words joined by '-', e.g. water-cut-kothrud",
    ]
    rel = "content/water-supply/2026-12-02-water-cut-in-parvati.yaml"
    assert screen.splitlines()[-3:] == [
        f"created {rel}",
        f"It validates. Preview it with: pmcpost preview {rel}",
        "Then open a pull request and ask for approval as the file says: the approver adds approved_by.",
    ]
    config = load_config(root, environ={})
    _, diagnostics = load_file(config, root / rel)
    assert [d.message.split(":")[0] for d in diagnostics] == ["missing required key 'approved_by'"]
    # The approver adds their line, and nothing else is needed.
    text = (root / rel).read_text(encoding="utf-8")
    (root / rel).write_text(text.replace("\nkind: alert", "\napproved_by: anil.jadhav\nkind: alert"), "utf-8")
    announcement, diagnostics = load_file(config, root / rel)
    assert diagnostics == []
    assert announcement is not None
    assert (announcement.coordinator, announcement.kind) == ("priya.shinde", "alert")
    assert announcement.publish_at == datetime(2026, 12, 2, 10, 10, tzinfo=IST)
    assert announcement.title == {"mr": "पाणीपुरवठा बंद", "en": "Water cut in Parvati"}
    assert announcement.text["en"] == "No water supply in Parvati this afternoon: store water."
    assert announcement.link == "https://www.pmc.gov.in/en/water-supply"
    assert announcement.hashtags == ("PMCWater", "PuneWater")
    assert [(m.path, dict(m.alt)) for m in announcement.media] == [
        ("content/water-supply/images/map.png", {"mr": "पर्वती भागाचा नकाशा", "en": "Map of the Parvati area"})
    ]


def test_a_guided_notice_defaults_to_tomorrow_morning(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    screen, code = guided_run(
        root,
        [
            ("Your choice (anti-encroachment): ", "roads"),
            ("Your choice (vikas.more): ", ""),
            ("Your choice (notice): ", ""),
            ("India time) (2026-12-03 09:00): ", ""),
            ("(optional): ", ""),
            ("(optional): ", ""),
            ("The message in Marathi: ", "कात्रज रस्त्याचे काम सुरू आहे."),
            ("The message in English: ", ""),
            ("optional): ", ""),
            ("Hashtags, without '#' (PMCRoads): ", ""),
            ("leave empty when done): ", ""),
            ("joined by '-') (announcement): ", "katraj-road"),
        ],
    )
    assert code == 0, screen
    text = (root / "content/roads/2026-12-03-katraj-road.yaml").read_text(encoding="utf-8")
    assert 'publish_at: "2026-12-03 09:00"\n' in text
    assert 'text:\n  mr: "कात्रज रस्त्याचे काम सुरू आहे."\n\n' in text
    assert "hashtags: [PMCRoads]\n" in text
    # Placeholders only in the commented-out examples.
    assert [line for line in text.splitlines() if "<<" in line and not line.startswith("#")] == []


def test_new_without_a_department_off_a_terminal_is_a_usage_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    for args in (["new"], ["new", "--kind", "alert"]):
        result = CliRunner().invoke(cli, ["--root", str(root), *args])
        assert result.exit_code == 2
        assert result.stderr.splitlines()[-1].startswith(
            "Error: name the DEPARTMENT (registered: anti-encroachment, building-permission, "
        )
        assert result.stderr.splitlines()[-1].endswith(
            "water-supply); or run pmcpost new on a terminal with no options to be asked"
        )


@pytest.mark.parametrize(
    ("kind", "now", "expected"),
    [
        ("alert", datetime(2026, 12, 2, 10, 7, tzinfo=IST), "2026-12-02 10:10"),
        ("alert", datetime(2026, 12, 2, 10, 5, tzinfo=IST), "2026-12-02 10:05"),
        ("alert", datetime(2026, 12, 2, 23, 58, 30, tzinfo=IST), "2026-12-03 00:00"),
        ("notice", datetime(2026, 12, 31, 23, 0, tzinfo=IST), "2027-01-01 09:00"),
        ("event", datetime(2026, 12, 2, 6, 0, tzinfo=IST), "2026-12-03 09:00"),
    ],
)
def test_default_time_suits_the_kind(kind: str, now: datetime, expected: str) -> None:
    assert guided.default_time(kind, now) == expected


def test_each_answer_is_checked_on_its_own(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path,
        {
            "content/roads/images/big.png": tiny_png() + b"\x00" * (6 * 1024 * 1024),
            "content/roads/images/ok.png": tiny_png(),
            "content/roads/2026-12-03-taken.yaml": "x: 1\n",
        },
    )
    config = load_config(root, environ={})
    check_time = guided.check_time(config, NOW)
    assert check_time("2026-12-02 10:30") is None
    assert check_time("2026-12-02 9.00") == "that time has already passed; give a time from now on"
    assert check_time("tomorrow") == (
        "the time 'tomorrow' is not a date and time; write it as 'YYYY-MM-DD HH:MM' (India time) or with an "
        "offset, e.g. '2026-12-03T09:00+05:30'"
    )
    assert guided.check_text("mr", required=True)("") == "this text is required"
    assert guided.check_text("en", required=False)("") is None
    assert guided.check_text("mr", required=True)("<<येथे मराठी मजकूर लिहा>>") == (
        "write your own words instead of <<...>>"
    )
    assert guided.check_link("") is None
    assert guided.check_link("https://pmc") == "link is not a valid address: 'https://pmc'"
    assert guided.parse_hashtags("#PMCWater, pune #PMCWater") == (("PMCWater", "pune"), None)
    check_image = guided.check_image(config, 0)
    assert check_image("content/roads/images/ok.png") is None
    assert check_image(str(root / "content/roads/images/ok.png")) is None
    assert check_image("content/roads/images/none.png") == "no such file in the repository"
    assert check_image("/etc/hostname") == "this image is outside the repository; keep images in it"
    assert check_image("content/roads/images/big.png") == (
        "the image is 6.01 MB; the most allowed is 5.00 MB. To make it smaller, resize it to at most 2000 pixels "
        "on its longer side or save it as JPEG with quality about 80"
    )
    assert guided.check_image(config, 4)("content/roads/images/ok.png") == (
        "at most 4 images per announcement (X's limit)"
    )
    check_slug = guided.check_slug(config, "roads", "2026-12-03")
    assert check_slug("katraj-road") is None
    assert check_slug("taken") == "a file of that name exists already; choose another name"
    assert guided.slug_from("Water cut in Parvati on Thursday, 3 December") == "water-cut-in-parvati-on"
    assert guided.slug_from("पाणी") == "announcement"


def test_the_guided_questions_in_marathi(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    screen, code = guided_run(
        root,
        [
            ("आपली निवड (anti-encroachment): ", "roads"),
            ("आपली निवड (vikas.more): ", ""),
            ("आपली निवड (notice): ", ""),
            ("(YYYY-MM-DD HH:MM, भारतीय वेळ) (2026-12-03 09:00): ", ""),
            ("मराठी मध्ये लहान शीर्षक (ऐच्छिक): ", ""),
            ("इंग्रजी मध्ये लहान शीर्षक (ऐच्छिक): ", ""),
            ("मराठी मध्ये संदेश: ", ""),
            ("मराठी मध्ये संदेश: ", "कात्रज रस्त्याचे काम सुरू आहे."),
            ("इंग्रजी मध्ये संदेश: ", "Work on Katraj road is under way."),
            ("(https://…, ऐच्छिक): ", ""),
            ("हॅशटॅग, '#' शिवाय (PMCRoads): ", ""),
            ("पूर्ण झाल्यावर रिकामे सोडा): ", ""),
            ("'-' ने जोडलेले) (work-on-katraj-road-is): ", "katraj-road"),
        ],
        language="mr",
    )
    assert code == 0, screen
    assert "  हा मजकूर आवश्यक आहे\n" in screen
    assert screen.splitlines()[-3] == "content/roads/2026-12-03-katraj-road.yaml तयार केली"
    text = (root / "content/roads/2026-12-03-katraj-road.yaml").read_text(encoding="utf-8")
    assert "# संदेश. मराठी (mr) आवश्यक आहे; इंग्रजी (en) देण्याची जोरदार शिफारस आहे.\n" in text
