"""Times as people in India type them: one reader for files, --now and --since/--until, and the schema agrees."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo

from pmcpost.cli import cli
from pmcpost.config import load_config
from pmcpost.content import load_file
from pmcpost.moments import SCHEMA_PATTERN, MomentError, parse_day_or_moment, parse_moment
from pmcpost.schema import announcement_schema

IST = ZoneInfo("Asia/Kolkata")

ACCEPTED = {
    "2026-12-01 10:30": "2026-12-01T10:30:00+05:30",
    "2026-12-01 10.30": "2026-12-01T10:30:00+05:30",
    "2026-12-01 9:05": "2026-12-01T09:05:00+05:30",
    "2026-12-01 9.05": "2026-12-01T09:05:00+05:30",
    "2026-12-01 18:15": "2026-12-01T18:15:00+05:30",
    "2026-12-01 10:30 am": "2026-12-01T10:30:00+05:30",
    "2026-12-01 10:30am": "2026-12-01T10:30:00+05:30",
    "2026-12-01 6.15 pm": "2026-12-01T18:15:00+05:30",
    "2026-12-01 6.15 PM": "2026-12-01T18:15:00+05:30",
    "2026-12-01 6.15 p.m.": "2026-12-01T18:15:00+05:30",
    "2026-12-01 6 pm": "2026-12-01T18:00:00+05:30",
    "2026-12-01 12 pm": "2026-12-01T12:00:00+05:30",
    "2026-12-01 12:30 am": "2026-12-01T00:30:00+05:30",
    "2026-12-01  18:00": "2026-12-01T18:00:00+05:30",
    "2026-12-01\t18:00": "2026-12-01T18:00:00+05:30",
    " 2026-12-01 18:00 ": "2026-12-01T18:00:00+05:30",
    "2026-12-01T18:00": "2026-12-01T18:00:00+05:30",
    "2026-12-01T18:00:30": "2026-12-01T18:00:30+05:30",
    "2026-12-01T18:00:30.25": "2026-12-01T18:00:30.250000+05:30",
    "2026-12-01T12:30:00Z": "2026-12-01T12:30:00+00:00",
    "2026-12-01 18:00+05:30": "2026-12-01T18:00:00+05:30",
    "2026-12-01 18:00 +0530": "2026-12-01T18:00:00+05:30",
    "2026-12-01T09:00-04:00": "2026-12-01T09:00:00-04:00",
}

NOT_A_TIME = (
    "is not a date and time; write it as 'YYYY-MM-DD HH:MM' (India time) or with an offset, "
    "e.g. '2026-12-03T09:00+05:30'"
)
REFUSED = {
    "2026-12-01 10.3": "has one digit for the minutes; write two, e.g. '10:30' or '10:03'",
    "2026-12-01 10:3": "has one digit for the minutes; write two, e.g. '10:30' or '10:03'",
    "2026-12-01 9": "gives an hour without minutes; write '9:00', or add am or pm",
    "2026-12-01 13:00 pm": "mixes the 24-hour clock with pm: write '13:00' without pm, or an hour from 1 to 12",
    "2026-12-01 0:30 am": "mixes the 24-hour clock with am: write '00:30' without am, or an hour from 1 to 12",
    "2026-12-01 6.75 pm": "is not a time of day (6:75 pm: minutes go from 00 to 59)",
    "2026-12-01 25:00": "is not a time of day (hours go from 0 to 23, minutes and seconds from 00 to 59)",
    "2026-12-01 10:60": "is not a time of day (hours go from 0 to 23, minutes and seconds from 00 to 59)",
    "2026-02-30 10:00": "is not a real date",
    "2026-12-01": "needs a time as well as a date, e.g. '2026-12-01 09:00'",
    "2026-12-01 10.30.15": NOT_A_TIME,
    "2026-12-01 1030 hrs": NOT_A_TIME,
    "1 December 2026 10:30": NOT_A_TIME,
    "२०२६-१२-०१ १०:३०": NOT_A_TIME,
    "2026-12-01 18:00+25:00": "has an impossible offset '+25:00'; India is +05:30",
    "9999-12-31T23:59-14:00": NOT_A_TIME,
    "": NOT_A_TIME,
}


@pytest.mark.parametrize(("text", "expected"), ACCEPTED.items())
def test_accepted_forms(text: str, expected: str) -> None:
    assert parse_moment(text, IST).isoformat() == expected


@pytest.mark.parametrize(("text", "problem"), REFUSED.items())
def test_refused_forms(text: str, problem: str) -> None:
    with pytest.raises(MomentError) as caught:
        parse_moment(text, IST)
    assert caught.value.problem == problem
    assert str(caught.value) == f"{text.strip()!r} {problem}"


def test_without_a_zone_the_reading_is_naive_unless_an_offset_is_given() -> None:
    assert parse_moment("2026-12-01 6.15 pm", None) == datetime(2026, 12, 1, 18, 15)  # noqa: DTZ001
    assert parse_moment("2026-12-01 18:15Z", None) == datetime(2026, 12, 1, 18, 15, tzinfo=timezone.utc)
    assert parse_day_or_moment("2026-12-01", IST) == date(2026, 12, 1)


def test_the_schema_pattern_accepts_what_the_reader_accepts() -> None:
    """Editors see the same rule: every accepted form matches the schema's pattern; malformed ones do not."""
    pattern = announcement_schema()["properties"]["publish_at"]["pattern"]
    assert pattern == SCHEMA_PATTERN
    assert "?P<" not in pattern  # group names are Python-only; JSON Schema patterns are ECMA 262
    for text in ACCEPTED:
        assert re.match(pattern, text.strip()), text
    # what is refused for its shape (not for an impossible hour or day) is refused by editors too
    shapeless = [t for t, p in REFUSED.items() if p == NOT_A_TIME or "digit" in p or "hour without" in p]
    assert len(shapeless) == 9
    for text in shapeless:
        if not text.startswith("9999"):  # out of range only once the offset is applied
            assert not re.match(pattern, text.strip()), text


def test_content_reads_a_dotted_time_as_people_mean_it(tmp_path: Path) -> None:
    body = GOOD_ANNOUNCEMENT.replace('publish_at: "2026-12-01 18:00"', 'publish_at: "2026-12-01 10.30"').replace(
        'expires_at: "2026-12-03 21:00"', "expires_at: 2026-12-03 6.15 pm"
    )
    root = make_repo(tmp_path, {GOOD_PATH: body})
    announcement, diagnostics = load_file(load_config(root, environ={}), root / GOOD_PATH)
    assert diagnostics == []
    assert announcement is not None
    assert announcement.publish_at.isoformat() == "2026-12-01T10:30:00+05:30"
    assert announcement.expires_at is not None
    assert announcement.expires_at.isoformat() == "2026-12-03T18:15:00+05:30"


def test_content_refuses_a_half_written_time_with_its_position(tmp_path: Path) -> None:
    body = GOOD_ANNOUNCEMENT.replace('publish_at: "2026-12-01 18:00"', 'publish_at: "2026-12-01 13:00 pm"')
    root = make_repo(tmp_path, {GOOD_PATH: body})
    _, diagnostics = load_file(load_config(root, environ={}), root / GOOD_PATH)
    assert [str(d) for d in diagnostics] == [
        f"{GOOD_PATH}:12:13: error: publish_at '2026-12-01 13:00 pm' mixes the 24-hour clock with pm: "
        "write '13:00' without pm, or an hour from 1 to 12"
    ]


def test_now_takes_the_same_forms_as_the_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    runner = CliRunner()
    for typed in ("2026-11-30 9:00", "2026-11-30 9.00", "2026-11-30 9 am"):
        result = runner.invoke(cli, ["--root", str(root), "status", "--now", typed, "--format", "json"])
        assert result.exit_code == 0, (typed, result.output)
    result = runner.invoke(cli, ["--root", str(root), "preview", "--now", "2026-12-01 6.3 pm"])
    assert result.exit_code == 2
    assert (
        "Invalid value for '--now': '2026-12-01 6.3 pm' has one digit for the minutes; write two, "
        "e.g. '6:30' or '6:03'" in result.stderr
    )


def test_preview_at_a_dotted_time_sees_what_is_due_then(tmp_path: Path) -> None:
    """'18.00' is six in the evening (not 18:00:00.0 read some other way): the 18:00 post is due, at 17.59 not."""
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    runner = CliRunner()
    due = runner.invoke(cli, ["--root", str(root), "preview", "--now", "2026-12-01 6.00 pm", "--format", "json"])
    early = runner.invoke(cli, ["--root", str(root), "preview", "--now", "2026-12-01 17.59", "--format", "json"])
    assert due.exit_code == early.exit_code == 0
    assert '"due"' in due.output and '"due"' not in early.output


def test_since_and_until_take_the_same_forms(tmp_path: Path) -> None:
    from pmcpost.auditquery import parse_bound

    assert parse_bound("2026-12-01 6.15 pm", IST, end=False) == datetime(2026, 12, 1, 18, 15, tzinfo=IST)
    assert parse_bound("2026-12-01", IST, end=True) == datetime(2026, 12, 2, tzinfo=IST)
    root = make_repo(tmp_path)
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "show", "--since", "2026-12-01 10.3"])
    assert result.exit_code == 2
    assert result.stderr == (
        "pmcpost: error: '2026-12-01 10.3' has one digit for the minutes; write two, e.g. '10:30' or '10:03'\n"
    )


def test_new_takes_its_date_through_the_same_reader(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    runner = CliRunner()
    for typed, problem in (
        ("20261220", "'20261220' is not a date written as YYYY-MM-DD, e.g. 2026-12-03"),
        ("2026-02-30", "'2026-02-30' is not a real date"),
    ):
        result = runner.invoke(cli, ["--root", str(root), "new", "roads", "--date", typed])
        assert result.exit_code == 2
        assert result.stderr == f"pmcpost: error: --date {problem}\n"
    result = runner.invoke(cli, ["--root", str(root), "new", "roads", "--date", " 2026-12-20 "])
    assert result.exit_code == 0
    assert result.stdout.startswith("created content/roads/2026-12-20-new-notice.yaml\n")
