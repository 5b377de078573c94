"""`pmcpost audit show` rendered, streaming: text for people, JSON Lines exactly as stored, or CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, TextIO

from pmcpost.audit import parse_time, person_id
from pmcpost.errors import UsageError
from pmcpost.output import emit, plural
from pmcpost.safetext import visible

if TYPE_CHECKING:
    from pmcpost.audit_verify import ChainVerifier
    from pmcpost.audit_witness import Finding

FORMATS = ("text", "json", "csv")
CSV_COLUMNS = (
    "time",
    "event",
    "department",
    "announcement",
    "platform",
    "part",
    "parts",
    "coordinator",
    "approver",
    "url",
    "remote_id",
    "error",
    "reason",
    "commit",
    "author",
    "actor",
    "run",
)


def _remote(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    remote = entry.get("remote")
    return remote if isinstance(remote, Mapping) else {}


def _actor(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    if "user" in value:
        return str(value["user"])
    if "ci" in value:
        return " ".join(str(value[k]) for k in ("ci", "job", "run_id") if value.get(k) is not None)
    return ""


def _author(value: Any) -> str:
    """A commit's author as a person reads it: 'Name <email>' (the ledger stores a mapping)."""
    if not isinstance(value, Mapping):
        return "" if value is None else str(value)
    name, email = str(value.get("name") or ""), str(value.get("email") or "")
    return f"{name} <{email}>" if name and email else name or email


def _local_time(text: str, tz: tzinfo) -> str:
    try:
        moment = parse_time(text)
    except ValueError:
        return text
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def text_line(entry: Mapping[str, Any], tz: tzinfo) -> str:
    """One entry for people: when (local time), what, where, who, and the link or the reason."""
    parts = [_local_time(str(entry.get("time", "")), tz), f"{entry.get('event', '?'):<10}"]
    parts.append(str(entry.get("announcement") or "-"))
    where = str(entry.get("platform") or "")
    if isinstance(entry.get("parts"), int) and entry["parts"] > 1 and isinstance(entry.get("part"), int):
        where += f" {entry['part'] + 1}/{entry['parts']}"
    if where:
        parts.append(where)
    coordinator, approver = person_id(entry.get("coordinator")), person_id(entry.get("approver"))
    if coordinator:
        parts.append(f"by {coordinator}" + (f", approved by {approver}" if approver else ""))
    url = _remote(entry).get("url")
    if url:
        parts.append(str(url))
    for key in ("error", "reason"):
        if entry.get(key):
            parts.append(f"{key}: {entry[key]}")
    return "  ".join(parts)


def csv_row(entry: Mapping[str, Any]) -> list[str]:
    remote = _remote(entry)
    values: dict[str, Any] = {
        **{k: entry.get(k) for k in CSV_COLUMNS},
        "coordinator": person_id(entry.get("coordinator")),
        "approver": person_id(entry.get("approver")),
        "url": remote.get("url"),
        "remote_id": remote.get("id"),
        "actor": _actor(entry.get("actor")),
        "author": _author(entry.get("author")),
    }
    return ["" if values[k] is None else str(values[k]) for k in CSV_COLUMNS]


def write_entries(matches: Iterable[tuple[bytes, Mapping[str, Any]]], fmt: str, stream: TextIO, tz: tzinfo) -> int:
    """Write the entries as text, JSON Lines (each entry exactly as stored) or CSV with a header; returns
    how many were written."""
    count = 0
    if fmt == "json":
        for line, _ in matches:
            stream.write(line.decode("utf-8"))
            stream.write("\n")
            count += 1
    elif fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for _, entry in matches:
            writer.writerow(csv_row(entry))
            count += 1
    elif fmt == "text":
        for _, entry in matches:
            stream.write(visible(text_line(entry, tz), newlines=False) + "\n")  # the ledger's words, never obeyed
            count += 1
    else:
        raise UsageError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    return count


def render_verify(
    verifier: ChainVerifier, findings: Callable[[], Iterable[Finding]], heads: Sequence[Any], against: str | None
) -> int:
    """`audit verify`: each problem of the chain as it is found (streamed), then the witnesses' findings, then
    a summary on standard error; returns how many problems (warnings do not count)."""
    problems = warnings = 0
    for problem in verifier.problems():
        problems += 1
        emit(str(problem))
    for finding in findings():
        if finding.severity == "warning":
            warnings += 1
        else:
            problems += 1
        emit(str(finding))
    files, entries = plural(verifier.files, "file"), plural(verifier.entries, "entry", "entries")
    if problems:
        emit(f"{plural(problems, 'problem')} in the audit log ({files}, {entries})", stderr=True)
        return problems
    checked = f"; {plural(len(heads), 'published head')} found" if against else ""
    warned = f" ({plural(warnings, 'warning')})" if warnings else ""
    emit(f"audit log intact{warned}: {files}, {entries}; head {verifier.head}{checked}", stderr=True)
    return 0
