"""Times as people in India type them, read in one place: announcement files, --now, --since and --until.

'2026-12-01 10:30', '2026-12-01 10.30', '2026-12-01 6.15 pm', '2026-12-01 6 pm', '2026-12-01T10:30+05:30' and
'...Z' are read as the moment they mean; anything else is refused with a message that says how to write it,
never read as a different time ('10.30' is 10:30, not 10:00:00.3 as ``datetime.fromisoformat`` has it).
The same pattern, without its group names, is the editors' JSON Schema pattern.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo

_DATE = r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
# Either a 12-hour clock with am/pm ('6 pm', '6.15 pm', '10:30am', '6.15 p.m.') or a 24-hour one
# ('18:15', '9:05', '10.30', '10:30:15.5'); minutes always have two digits.
_CLOCK = (
    r"(?:(?P<h12>[0-9]{1,2})(?:[:.](?P<m12>[0-9]{2}))?[ \t]*(?P<half>[AaPp])\.?[Mm]\.?"
    r"|(?P<hour>[0-9]{1,2})(?::(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,6}))?)?"
    r"|\.(?P<dminute>[0-9]{2})))"
)
_OFFSET = r"(?P<offset>[Zz]|[+-][0-9]{2}:?[0-9]{2})"
MOMENT_PATTERN = rf"^{_DATE}(?:[Tt]|[ \t]+){_CLOCK}[ \t]*{_OFFSET}?$"
# For JSON Schema (ECMA 262 and Python alike): the same expression without group names.
SCHEMA_PATTERN = re.sub(r"\?P<\w+>", "?:", MOMENT_PATTERN)

_MOMENT_RE = re.compile(MOMENT_PATTERN)
_DAY_RE = re.compile(rf"^{_DATE}$")
_ONE_DIGIT_MINUTE_RE = re.compile(r"(?:^|[ \tT])([0-9]{1,2})[:.]([0-9])(?![0-9])")
_HOUR_ONLY_RE = re.compile(rf"^{_DATE}(?:[Tt]|[ \t]+)([0-9]{{1,2}})$")

HOW_TO_WRITE = "write it as 'YYYY-MM-DD HH:MM' (India time) or with an offset, e.g. '2026-12-03T09:00+05:30'"


class MomentError(ValueError):
    """A typed time that cannot be read; ``problem`` completes a sentence whose subject is the text."""

    def __init__(self, text: str, problem: str) -> None:
        super().__init__(f"{text!r} {problem}")
        self.text = text
        self.problem = problem


def _day(text: str, m: re.Match[str]) -> date:
    try:
        return date(int(m["year"]), int(m["month"]), int(m["day"]))
    except ValueError:
        raise MomentError(text, "is not a real date") from None


def _clock(text: str, m: re.Match[str]) -> tuple[int, int, int, int]:
    """(hour, minute, second, microsecond) from the matched clock."""
    if m["half"] is not None:
        hour, minute = int(m["h12"]), int(m["m12"] or 0)
        half = "am" if m["half"] in "Aa" else "pm"
        shown = f"{m['h12']}{':' + m['m12'] if m['m12'] else ''} {half}"
        if hour == 0 or hour > 12:
            as24 = f"{hour:02d}:{minute:02d}"
            raise MomentError(
                text, f"mixes the 24-hour clock with {half}: write '{as24}' without {half}, or an hour from 1 to 12"
            )
        if minute > 59:
            raise MomentError(text, f"is not a time of day ({shown}: minutes go from 00 to 59)")
        hour = hour % 12 + (12 if half == "pm" else 0)
        return hour, minute, 0, 0
    hour = int(m["hour"])
    minute = int(m["minute"] if m["minute"] is not None else m["dminute"])
    second = int(m["second"] or 0)
    micro = int((m["fraction"] or "0").ljust(6, "0"))
    if hour > 23 or minute > 59 or second > 59:
        raise MomentError(text, "is not a time of day (hours go from 0 to 23, minutes and seconds from 00 to 59)")
    return hour, minute, second, micro


def _offset(text: str, raw: str | None) -> tzinfo | None:
    if raw is None:
        return None
    if raw in ("Z", "z"):
        return timezone.utc
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise MomentError(text, f"has an impossible offset {raw!r}; India is +05:30")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if raw[0] == "-" else delta)


def _refusal(text: str) -> MomentError:
    """The most helpful message for text that does not have the shape of a date and time."""
    if _DAY_RE.match(text):
        return MomentError(text, f"needs a time as well as a date, e.g. '{text} 09:00'")
    one = _ONE_DIGIT_MINUTE_RE.search(text)
    if one:
        hour, digit = one.groups()
        return MomentError(
            text, f"has one digit for the minutes; write two, e.g. '{hour}:{digit}0' or '{hour}:0{digit}'"
        )
    alone = _HOUR_ONLY_RE.match(text)
    if alone:
        hour = alone.group(4)
        return MomentError(text, f"gives an hour without minutes; write '{hour}:00', or add am or pm")
    return MomentError(text, f"is not a date and time; {HOW_TO_WRITE}")


def parse_moment(text: str, tz: tzinfo | None) -> datetime:
    """A date and time; without an offset it is in ``tz`` (naive when ``tz`` is None). Raises MomentError."""
    cleaned = text.strip()
    if len(cleaned) == 16 and cleaned[10] in " T" and cleaned[13] == ":" and cleaned.isascii():
        # The common 'YYYY-MM-DD HH:MM', without the regex: validate reads tens of thousands of them.
        try:
            return _checked(cleaned, datetime.fromisoformat(cleaned).replace(tzinfo=tz))
        except ValueError:
            pass  # the full reading below says what is wrong
    m = _MOMENT_RE.match(cleaned)
    if m is None:
        raise _refusal(cleaned)
    day = _day(cleaned, m)
    hour, minute, second, micro = _clock(cleaned, m)
    zone = _offset(cleaned, m["offset"]) or tz
    return _checked(cleaned, datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=zone))


def _checked(text: str, moment: datetime) -> datetime:
    if moment.tzinfo is not None and not 1 < moment.year < 9999:  # an offset moves a moment by at most a day
        try:  # near year 1 or 9999 an offset pushes the moment out of range; comparisons would then fail
            moment.astimezone(timezone.utc)
        except OverflowError:
            raise MomentError(text, f"is not a date and time; {HOW_TO_WRITE}") from None
    return moment


def parse_day(text: str) -> date:
    """A day alone, 'YYYY-MM-DD' (``date.fromisoformat`` would also take '20261201'). Raises MomentError."""
    cleaned = text.strip()
    m = _DAY_RE.match(cleaned)
    if m is None:
        raise MomentError(cleaned, "is not a date written as YYYY-MM-DD, e.g. 2026-12-03")
    return _day(cleaned, m)


def parse_day_or_moment(text: str, tz: tzinfo | None) -> date | datetime:
    """A day alone ('2026-12-01') or a date and time, as :func:`parse_moment` reads it."""
    cleaned = text.strip()
    m = _DAY_RE.match(cleaned)
    if m is not None:
        return _day(cleaned, m)
    return parse_moment(cleaned, tz)


def parse_bound(text: str, tz: tzinfo, *, end: bool) -> datetime:
    """A --since/--until value: a day (local, whole day included) or a date and time as people type it
    (local unless it has an offset). With ``end`` the result is exclusive: the day after a date, or just after
    a date-time. Raises UsageError."""
    from pmcpost.errors import UsageError

    try:
        moment = parse_day_or_moment(text, tz)
    except MomentError as exc:
        raise UsageError(str(exc)) from None
    if not isinstance(moment, datetime):
        day = datetime(moment.year, moment.month, moment.day, tzinfo=tz)
        return day + timedelta(days=1) if end else day
    return moment + timedelta(microseconds=1) if end else moment


def parse_now(text: str | None) -> datetime | None:
    """A --now value: None for 'now' (or no option); a day means its midnight. Naive unless it has an offset:
    :func:`resolve_now` places it in the organisation's zone once config.yaml is read. Raises MomentError."""
    if text is None or text.strip().lower() == "now":
        return None
    moment = parse_day_or_moment(text, None)
    return moment if isinstance(moment, datetime) else datetime.combine(moment, time())


def resolve_now(moment: datetime | None, tz: tzinfo) -> datetime:
    """The moment a command works as of: the real clock for None, a naive time read in ``tz``."""
    if moment is None:
        return datetime.now(tz)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)
