"""audit verify: an intact chain passes; every kind of tampering is named by file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import make_repo
from hypothesis import given, settings
from hypothesis import strategies as st

from pmcpost.audit import AuditLog, canonical, format_time, line_hash, parse_time
from pmcpost.audit_verify import verify_chain
from pmcpost.cli import cli
from pmcpost.errors import AuditError


def clock_from(start: datetime, step: timedelta) -> Iterator[datetime]:
    moment = start
    while True:
        yield moment
        moment += step


def build_log(root: Path, months: int = 2, per_month: int = 4) -> Path:
    """``per_month`` posted entries in each of ``months`` months from October 2026, through AuditLog."""
    audit = root / "audit"
    times = [
        datetime(2026, 10 + m, 10, 9, 0, tzinfo=timezone.utc) + timedelta(hours=i)
        for m in range(months)
        for i in range(per_month)
    ]
    ticks = iter(times)
    log = AuditLog(audit, clock=lambda: next(ticks))
    for n in range(len(times)):
        log.append(
            {
                "event": "posted",
                "announcement": f"roads/2026-10-{n + 1:02d}-notice",
                "department": "roads",
                "platform": "twitter",
                "part": 0,
                "parts": 1,
                "remote": {"id": str(1000 + n), "url": f"https://x.com/PMCPune/status/{1000 + n}"},
            }
        )
    return audit


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def write_lines(path: Path, rows: list[bytes]) -> None:
    path.write_bytes(b"".join(r + b"\n" for r in rows))


def problems(root: Path) -> list[str]:
    return [str(p) for p in verify_chain(root / "audit", root=root).problems]


def test_intact_log_across_two_month_files(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    result = verify_chain(audit, root=tmp_path)
    assert (result.ok, result.files, result.entries) == (True, 2, 8)
    assert result.head == line_hash(lines(audit / "2026-11.jsonl")[-1])
    # the second file's first entry chains to the first file's last line
    first_nov = json.loads(lines(audit / "2026-11.jsonl")[0])
    assert first_nov["prev"] == line_hash(lines(audit / "2026-10.jsonl")[-1])


def test_cli_intact_exit_0_with_summary(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    audit = build_log(root)
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "verify"])
    assert result.exit_code == 0, result.output
    head = line_hash(lines(audit / "2026-11.jsonl")[-1])
    assert result.stderr == f"audit log intact: 2 files, 8 entries; head {head}\n"
    assert result.stdout == ""


def test_edited_field_breaks_the_next_line(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    path = audit / "2026-10.jsonl"
    rows = lines(path)
    entry = json.loads(rows[1])
    entry["platform"] = "facebook"  # re-serialised canonically: only the chain shows it
    rows[1] = canonical(entry)
    write_lines(path, rows)
    assert problems(tmp_path) == [
        "audit/2026-10.jsonl:3: prev does not match line 2: it was edited, or lines were deleted or reordered here"
    ]


def test_hand_edit_is_not_canonical(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    path = audit / "2026-10.jsonl"
    rows = lines(path)
    rows[1] = rows[1].replace(b'"platform":"twitter"', b'"platform": "twitter"')
    write_lines(path, rows)
    assert problems(tmp_path) == [
        "audit/2026-10.jsonl:2: not written canonically (re-serialising it gives other bytes): edited by hand?",
        "audit/2026-10.jsonl:3: prev does not match line 2: it was edited, or lines were deleted or reordered here",
    ]


def test_deleted_line(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    path = audit / "2026-10.jsonl"
    rows = lines(path)
    del rows[1]
    write_lines(path, rows)
    assert problems(tmp_path) == [
        "audit/2026-10.jsonl:2: prev does not match line 1: it was edited, or lines were deleted or reordered here"
    ]


def test_deleted_first_line_ever(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    path = audit / "2026-10.jsonl"
    write_lines(path, lines(path)[1:])
    assert problems(tmp_path) == [
        "audit/2026-10.jsonl:1: prev is not the genesis value (64 zeros) although this is the first entry: "
        "earlier entries or month files were deleted"
    ]


def test_inserted_line(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    path = audit / "2026-10.jsonl"
    rows = lines(path)
    forged = json.loads(rows[1])  # a plausible copy of line 2, claiming the same predecessor
    forged["remote"] = {"id": "666", "url": "https://x.com/PMCPune/status/666"}
    rows.insert(2, canonical(forged))
    write_lines(path, rows)
    assert problems(tmp_path) == [
        "audit/2026-10.jsonl:3: prev matches line 1, not line 2: a line was inserted or moved here",
        "audit/2026-10.jsonl:4: prev matches line 2, not line 3: a line was inserted or moved here",
    ]


def test_reordered_lines(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    path = audit / "2026-10.jsonl"
    rows = lines(path)
    rows[1], rows[2] = rows[2], rows[1]
    write_lines(path, rows)
    assert problems(tmp_path) == [
        "audit/2026-10.jsonl:2: prev does not match line 1: it was edited, or lines were deleted or reordered here",
        "audit/2026-10.jsonl:3: prev matches line 1, not line 2: a line was inserted or moved here",
        "audit/2026-10.jsonl:3: time 2026-10-10T10:00:00.000000Z is earlier than the previous entry's "
        "(2026-10-10T11:00:00.000000Z): entries were reordered or the clock went back",
        "audit/2026-10.jsonl:4: prev matches line 2, not line 3: a line was inserted or moved here",
    ]


def test_truncated_last_line(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    path = audit / "2026-11.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    assert problems(tmp_path) == [
        "audit/2026-11.jsonl:4: truncated: the last line has no newline (an interrupted write?)"
    ]


def test_missing_newline_only(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    path = audit / "2026-11.jsonl"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    result = verify_chain(audit, root=tmp_path)
    assert [str(p) for p in result.problems] == [
        "audit/2026-11.jsonl:4: truncated: the last line has no newline (an interrupted write?)"
    ]
    assert result.entries == 8


def test_removed_middle_month_file(tmp_path: Path) -> None:
    audit = build_log(tmp_path, months=3)
    (audit / "2026-11.jsonl").unlink()
    assert problems(tmp_path) == [
        "audit/2026-12.jsonl:1: prev does not match the last entry of audit/2026-10.jsonl (line 4): an entry "
        "was edited, deleted or reordered there, or a month file between them is missing"
    ]


def test_entry_in_the_wrong_month_file(tmp_path: Path) -> None:
    audit = build_log(tmp_path)
    (audit / "2026-11.jsonl").rename(audit / "2026-12.jsonl")
    assert problems(tmp_path) == [
        f"audit/2026-12.jsonl:{n}: time 2026-11-10T{8 + n:02d}:00:00.000000Z belongs in 2026-11.jsonl, "
        "not 2026-12.jsonl"
        for n in range(1, 5)
    ]


def test_malformed_entries(tmp_path: Path) -> None:
    audit = build_log(tmp_path, months=1, per_month=1)
    path = audit / "2026-10.jsonl"
    good = lines(path)[0]
    bad = {"event": "tweeted", "time": "yesterday", "prev": line_hash(good)}
    write_lines(path, [good, b"", b"[1]", canonical(bad), b"{not json"])
    assert problems(tmp_path) == [
        "audit/2026-10.jsonl:2: empty line",
        "audit/2026-10.jsonl:3: not a JSON object",
        "audit/2026-10.jsonl:4: missing field version",
        "audit/2026-10.jsonl:4: unknown event 'tweeted'",
        "audit/2026-10.jsonl:4: time 'yesterday' is not UTC ISO 8601 (such as 2026-11-03T09:30:00.000000Z)",
        "audit/2026-10.jsonl:4: prev matches line 1, not line 3: a line was inserted or moved here",
        "audit/2026-10.jsonl:5: not a JSON object: Expecting property name enclosed in double quotes",
    ]


def test_cli_reports_problems_and_exits_1(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    audit = build_log(root)
    path = audit / "2026-11.jsonl"
    rows = lines(path)
    del rows[2]
    write_lines(path, rows)
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "verify"])
    assert result.exit_code == 1
    assert result.stdout == (
        "audit/2026-11.jsonl:3: prev does not match line 2: it was edited, or lines were deleted or reordered here\n"
    )
    assert result.stderr == "1 problem in the audit log (2 files, 7 entries)\n"


def test_empty_or_missing_log_is_intact(tmp_path: Path) -> None:
    result = verify_chain(tmp_path / "audit")
    assert (result.ok, result.files, result.entries) == (True, 0, 0)


def test_append_refuses_after_a_torn_write(tmp_path: Path) -> None:
    log_dir = tmp_path / "audit"
    log = AuditLog(log_dir, clock=lambda: datetime(2026, 11, 2, tzinfo=timezone.utc))
    log.append({"event": "freeze", "reason": "first"})
    path = log_dir / "2026-11.jsonl"
    with path.open("ab") as fh:
        fh.write(b'{"event":"inte')  # a crash in the middle of a write
    fresh = AuditLog(log_dir, clock=lambda: datetime(2026, 11, 3, tzinfo=timezone.utc))
    try:
        fresh.append({"event": "freeze", "reason": "second"})
    except AuditError as exc:
        assert str(exc) == (
            "2026-11.jsonl ends in a partly written line (a crash while writing?); run pmcpost audit verify, "
            "and remove that last line before publishing again"
        )
    else:
        raise AssertionError("append went on after a torn line")
    assert path.read_bytes().endswith(b'{"event":"inte')


def test_clock_going_back_keeps_the_chain_in_order(tmp_path: Path) -> None:
    log_dir = tmp_path / "audit"
    times = iter(
        [datetime(2026, 12, 1, 0, 0, 5, tzinfo=timezone.utc), datetime(2026, 11, 30, 23, 59, tzinfo=timezone.utc)]
    )
    log = AuditLog(log_dir, clock=lambda: next(times))
    first = log.append({"event": "freeze", "reason": "a"})
    second = log.append({"event": "freeze", "reason": "b"})
    assert second["time"] == first["time"]
    assert sorted(p.name for p in log_dir.iterdir()) == ["2026-12.jsonl"]
    result = verify_chain(log_dir)
    assert result.ok and result.entries == 2


# -- the canonical form: orjson where it writes what json writes, json everywhere else -------------------------
_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
# a lone surrogate: json refuses it, canonical writes U+FFFD (a test of its own, below)
_TEXT = st.text(st.characters(exclude_categories=["Cs"]))
_LEAF = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too, which orjson refuses
    | st.floats()  # orjson spells 1e-07 and 0.0001 differently, and NaN as null
    | _TEXT  # control characters, quotes, backslashes, U+2028, Devanagari, emoji
    | st.tuples(_TEXT, st.integers())
    | st.builds(lambda text: type("Text", (str,), {})(text), _TEXT)  # a subclass of str
)
_VALUE = st.recursive(
    _LEAF,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_TEXT, inner, max_size=4)
        | st.dictionaries(st.integers(-3, 3) | st.booleans() | st.none(), inner, max_size=3)
    ),  # keys json converts
    max_leaves=30,
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(_TEXT, _VALUE, max_size=8))
def test_canonical_is_what_json_writes_byte_for_byte(entry: dict[str, object]) -> None:
    try:
        expected = _JSON.encode(entry).encode("utf-8")
    except (TypeError, ValueError) as exc:  # keys json cannot sort: canonical refuses them the same way
        with pytest.raises(type(exc)):
            canonical(entry)
        return
    assert canonical(entry) == expected


def test_canonical_writes_a_real_entry_as_json_does() -> None:
    entry = {
        "event": "posted",
        "announcement": "water-supply/2026-12-03-water-cut",
        "coordinator": {"id": "anil.jadhav", "name": "अनिल जाधव"},
        "remote": {"id": "-1001234567890:55,56", "url": "https://t.me/pmcpune/55"},
        "part": 0,
        "parts": 2,
        "reply_to": None,
        "freeze_exempt": True,
        "reason": 'a "quoted"\tline\nand \x00 \x7f \u2028 😀',
    }
    assert canonical(entry) == _JSON.encode(entry).encode("utf-8")
    assert canonical(entry).startswith(b'{"announcement":"water-supply/2026-12-03-water-cut","coordinator":{"id"')


@settings(max_examples=400, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1000, 1, 2),  # noqa: DTZ001 - hypothesis bounds are naive; the zones come below
        timezones=st.sampled_from(
            [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=9, minutes=30))]
        ),
    )
)
def test_entry_times_are_what_strftime_wrote(moment: datetime) -> None:
    text = format_time(moment)
    assert text == moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert parse_time(text) == moment


def test_a_lone_surrogate_is_written_as_u_fffd_and_the_line_reads_back_the_same(tmp_path: Path) -> None:
    entry = {"event": "failed", "error": "Bad Request: \ud800", "remote": {"\udfff": ["x\ud83d"]}}
    line = canonical(entry)
    assert line == '{"error":"Bad Request: \ufffd","event":"failed","remote":{"\ufffd":["x\ufffd"]}}'.encode()
    assert canonical(json.loads(line)) == line  # what audit verify checks
    log = AuditLog(tmp_path / "audit")
    log.append(entry)
    result = verify_chain(tmp_path / "audit")
    assert result.ok and result.entries == 1, result.problems
