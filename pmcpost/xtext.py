"""X's exact text length (twitter-text config v3), URL handling and grapheme-safe thread splitting.

The rules follow twitter-text's published implementation (config v3, the Java ``TwitterTextParser``,
``Extractor`` and ``Regex``, and the conformance suite), re-implemented here with Python's ``re`` (URLs)
and the ``regex`` package (emoji, grapheme clusters).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

X_LIMIT = 280
URL_WEIGHT = 23  # config v3 transformedURLLength: every URL becomes a t.co link of this weight

# Java's String.trim() (code points <= U+0020): twitter-text gives such a text length 0.
_JAVA_TRIM = "".join(chr(c) for c in range(0x21))
# config v3: these ranges weigh 1, everything else 2 (scale 100, weights 100 and 200).
_LIGHT_RANGES = "\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037"
# The first range above weighs 1 throughout; beyond it lies every code point that weighs 2 or is part of an
# emoji sequence.
_ABOVE_LIGHT = re.compile("[^\u0000-\u10ff]")
# A single pictograph weighs 2 whether or not it counts as an emoji; only sequences weigh less than their
# code points, and every sequence holds one of these (ZWJ, keycap, VS16, flag letter, skin tone, tag).
_SEQUENCE_PART = re.compile("[\u200d\u20e3\ufe0f\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")

# --- Top-level domains -------------------------------------------------------------------------------------
# A domain only makes a URL when it ends in a known TLD: the complete list twitter-text uses, kept in
# data/tlds.txt (its header names the source and date) and read on first use.
_TLD_FILE = Path(__file__).parent / "data" / "tlds.txt"


@dataclass(frozen=True)
class TldList:
    """One of twitter-text's TLD lists, arranged for matching at a position."""

    names: frozenset[str]
    # Lengths (longest first) of the names that are not plain [a-z0-9-], by first character: only those can
    # end anywhere but at the end of a run of ASCII letters and digits.
    other_lengths: dict[str, tuple[int, ...]]

    @classmethod
    def of(cls, names: Iterable[str]) -> TldList:
        found = frozenset(names)
        lengths: dict[str, set[int]] = {}
        for name in found:
            if not _PLAIN_TLD.fullmatch(name):
                lengths.setdefault(name[0], set()).add(len(name))
        return cls(found, {c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()})


_PLAIN_TLD = re.compile("[a-z0-9-]+")


@lru_cache(maxsize=1)
def tlds() -> tuple[TldList, TldList]:
    """The generic and the country-code TLDs X recognises (pmcpost/data/tlds.txt)."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in _TLD_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            current.append(line)
    return TldList.of(sections["generic"]), TldList.of(sections["country-code"])


# --- URL pattern -------------------------------------------------------------------------------------------
# twitter-text finds URLs with one regular expression (``reference_url_pattern`` below, kept as the
# specification and checked against in the tests). Its host part backtracks: on "a.a.a.…" every start tries
# every run of labels, quadratic in the text. ``_UrlScanner`` computes the same matches in linear time; only
# the part after the host (port, path, query), which cannot backtrack far, is still a regular expression.
# Everything is matched against a copy of the text with only A-Z lowercased (same length, so spans carry
# over); the patterns are written in lower case, which sidesteps Unicode case folding (Kelvin sign ~ 'k')
# that X does not apply.
_LATIN = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268"
    "\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"
_VC = f"[a-z0-9{_LATIN}]"
# Java makes this group atomic; a label cannot stretch past its '.', so a plain group matches the same.
_SUBDOMAIN = rf"(?:(?:{_VC}[a-z0-9{_LATIN}\-_]*)?{_VC}\.)"
_DOMAIN_NAME = rf"(?:(?:{_VC}[a-z0-9{_LATIN}\-]*)?{_VC}\.)"
# After a scheme the domain may be in any script: anything but ASCII punctuation, spaces and U+2000-206F.
# (\p{Z} and U+2000-206F, the General Punctuation block, written out for the standard library's re.)
_NOT_UC = "!-/:-@\\[-`{-~\t-\r \xa0\u1680\u2000-\u206f\u3000"
_UC = f"[^{_NOT_UC}]"
_UNICODE_DOMAIN_NAME = rf"(?:(?:{_UC}(?:{_UC}|-)*)?{_UC}\.)"
_TLD_END = r"(?=[^a-z0-9@+\-]|$)"
_PUNYCODE = r"(?:xn--[\-0-9a-z]+)"
_PATH_CHAR = rf"[a-z0-9!*';:=+,.$/%#\[\]\-\u2013_~|&@{_LATIN}{_CYRILLIC}]"
_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
# A path may not end in . , ; : ! ' etc., so "see pmc.gov.in/water." leaves the full stop out.
_PATH_END = rf"(?:[a-z0-9=_#/\-+{_LATIN}{_CYRILLIC}]|{_PARENS})"
_PATH = rf"(?:(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END})|(?:@{_PATH_CHAR}+/))"
_QUERY = r"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@]"
_QUERY_END = r"[a-z0-9\-_&=#/]"
_BEFORE_URL = "[^a-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff]"  # the character before a URL (not part of it)
_AFTER_HOST = (
    "(?::[0-9]+)?"  # port (Java's possessive quantifiers change nothing here: all that follows is optional)
    f"(?:/{_PATH}*)?"  # path; it stops at the first character outside these sets (e.g. Devanagari)
    f"(?:\\?{_QUERY}*{_QUERY_END})?"  # query
)


def _alternation(names: frozenset[str]) -> str:
    # Longest first, so "भारतम्" is tried before "भारत".
    return "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))


def reference_url_pattern() -> str:
    """twitter-text's URL expression, which ``find_urls`` implements in linear time. Quadratic on some texts
    (and slow to compile): for tests only."""
    generic, country = tlds()
    gtld = f"(?:(?:{_alternation(generic.names)}){_TLD_END})"
    cctld = f"(?:(?:{_alternation(country.names)}){_TLD_END})"
    special_cctld = "(?:(?:co|tv)(?=[^a-z0-9@]|$))"
    domain = (
        f"(?:{_SUBDOMAIN}+{_DOMAIN_NAME}(?:{gtld}|{cctld}|{_PUNYCODE}))"  # www.pmc.gov.in
        # Only .co and .tv make a link of a bare short domain (vine.co); a bare pmc.in is not one.
        f"|(?:{_DOMAIN_NAME}(?:{gtld}|{_PUNYCODE}|{special_cctld}))"  # punecorporation.org
        # After a scheme: a short ccTLD domain (https://pmc.in) or a domain in any script (https://पुणे.भारत)
        f"|(?:(?:(?<=http://)|(?<=https://))"
        f"(?:{_DOMAIN_NAME}{cctld}|{_UNICODE_DOMAIN_NAME}(?:{gtld}|{cctld})))"
        f"|(?:{_DOMAIN_NAME}{cctld}(?=/))"  # pmc.in/path (a bare pmc.in is not a link)
    )
    return (
        f"({_BEFORE_URL}|^)"  # 1: the character before (not part of the URL)
        "("  # 2: the URL
        "(https?://)?"  # 3: scheme
        f"({domain})"  # 4: host
        f"{_AFTER_HOST}"
        ")"
    )


_NO_SCHEME_BAD_BEFORE = frozenset("-_./")
_TCO = re.compile(rf"https?://t\.co/([a-z0-9]+)(?:\?{_QUERY}*{_QUERY_END})?")
# No part of a URL can hold these, so a URL lies inside one run of other characters (a "token"), and only
# tokens with a dot followed by a letter can hold one: scanning just those keeps plain prose fast.
_SEPARATORS = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_SEPARATOR_SET = frozenset(_SEPARATORS)
_SEPARATOR = re.compile(f"[{_SEPARATORS}]")
_DOT_LETTER = re.compile("\\.[^\x00-@\\[-`{-\x7f]")  # a dot, then an ASCII letter or any non-ASCII
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# --- Emoji -------------------------------------------------------------------------------------------------
# One emoji sequence weighs 2 however many code points it has (keycap, tag flag, flag pair, or pictographs
# with variation selector / skin tone joined by ZWJ). © and ® are emoji only with U+FE0F (as on X).
_EMOJI_ELEMENT = r"(?:[\u00a9\u00ae]\ufe0f|(?![\u00a9\u00ae])\p{Extended_Pictographic}(?:\ufe0f|\p{Emoji_Modifier})?)"
_EMOJI_SOURCE = (
    r"[#*0-9]\ufe0f?\u20e3"
    r"|\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"
    r"|\p{Regional_Indicator}{2}"
    rf"|{_EMOJI_ELEMENT}(?:\u200d{_EMOJI_ELEMENT})*"
)


# Patterns are compiled on first use, once: the TLD alternation (standard re, the fastest matcher here) and
# importing ``regex`` cost tens of milliseconds that `pmcpost --help` should not pay.
@lru_cache(maxsize=1)
def _heavy_regex() -> re.Pattern[str]:
    return re.compile(f"[^{_LIGHT_RANGES}]")


@lru_cache(maxsize=1)
def _emoji_regex() -> Any:
    import regex

    return regex.compile(_EMOJI_SOURCE)


def normalise(text: str) -> str:
    """NFC, as X applies before counting; ZWJ (U+200D) and ZWNJ (U+200C) are kept (NFC never drops them)."""
    # The text itself when it is NFC already: normalize checks that faster than is_normalized does.
    return unicodedata.normalize("NFC", text)


def _valid_host(url_length: int, has_scheme: bool, host: str) -> bool:
    # twitter-text's isValidHostAndLength: the host must survive IDNA (IDNA 2003, like Java's IDN.toASCII;
    # labels 1-63 characters) and the whole URL, with a scheme, must fit 4096 characters.
    if host.isascii():
        ascii_host = host
        if any(not 0 < len(label) < 64 for label in host.split(".")):
            return False
    else:
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    length = url_length + len(ascii_host) - len(host) + (0 if has_scheme else len("https://"))
    return length <= _MAX_URL_LENGTH


def _expand(ranges: str) -> frozenset[str]:
    """The characters of a character-class body made of characters and ranges "a-z" (no escapes)."""
    chars: set[str] = set()
    i = 0
    while i < len(ranges):
        if i + 2 < len(ranges) and ranges[i + 1] == "-":
            chars.update(map(chr, range(ord(ranges[i]), ord(ranges[i + 2]) + 1)))
            i += 3
        else:
            chars.add(ranges[i])
            i += 1
    return frozenset(chars)


class _Classes:
    """Character sets and small expressions for the scanner, built on first use (a few milliseconds)."""

    def __init__(self) -> None:
        self.vc = _expand(f"a-z0-9{_LATIN}")
        self.not_uc = _expand("!-/:-@[-`{-~\t-\r \xa0\u1680\u2000-\u206f\u3000")
        self.before_url_not = _expand("a-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff")
        self.tld_continues = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@+-")
        self.special_continues = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@")
        # From a label's start to its last character outside the label's set: `.match(s, start, dot)`.
        self.last_bad = {
            _SUB: re.compile(rf"(?s).*[^a-z0-9{_LATIN}\-_]"),
            _NAME: re.compile(rf"(?s).*[^a-z0-9{_LATIN}\-]"),
            _UNAME: re.compile(f"(?s).*[{_NOT_UC.replace('!-/', '!-,./')}]"),
        }
        self.label = {
            _SUB: re.compile(rf"{_VC}(?:[a-z0-9{_LATIN}\-_]*{_VC})?"),
            _NAME: re.compile(rf"{_VC}(?:[a-z0-9{_LATIN}\-]*{_VC})?"),
            _UNAME: re.compile(rf"{_UC}(?:(?:{_UC}|-)*{_UC})?"),
        }
        self.tld_run = re.compile(r"[a-z0-9@+\-]*")
        self.puny_run = re.compile(r"[\-0-9a-z]*")
        # Where a match may begin: a character allowed before a URL, then one that may start a host.
        self.candidate = re.compile(f"{_BEFORE_URL}(?=[^{_NOT_UC}])")
        self.after_dot = re.compile(r"\.([a-z0-9@+\-]*)")
        self.first_after_dot = re.compile(r"(?s)\.(.)")
        self.after_host = re.compile(_AFTER_HOST)


_SUB, _NAME, _UNAME = 0, 1, 2  # label kinds: subdomain, domain name, domain name in any script (after a scheme)


@lru_cache(maxsize=1)
def _classes() -> _Classes:
    return _Classes()


@lru_cache(maxsize=1)
def _other_first_chars() -> frozenset[str]:
    """First characters of the TLDs that are not plain [a-z0-9-] (in any script, or mixed)."""
    generic, country = tlds()
    return frozenset(generic.other_lengths.keys() | country.other_lengths.keys())


class _UrlScanner:
    """``reference_url_pattern().finditer`` over one lowered piece of text, in linear time.

    A host is a run of labels, each ending at a '.', then a TLD. The expression tries, at every start, the
    longest run of labels first and backtracks; here each label's checks and each TLD are worked out once
    and shared by every start."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.c = _classes()
        self.generic, self.country = tlds()
        self.dots = _dots(text)
        self._bad: dict[tuple[int, int], int] = {}
        self._tld: dict[tuple[int, int], int] = {}
        self._longest: list[int] | None = None

    # -- labels ------------------------------------------------------------------------------------------
    def _label_ok(self, start: int, index: int, kind: int) -> bool:
        """Whether ``start`` up to dot number ``index`` is a label of this kind."""
        s, end = self.s, self.dots[index]
        if end <= start:
            return False
        if end - start <= 64:  # short labels (nearly all): one match, a bounded cost for each start
            return self.c.label[kind].fullmatch(s, start, end) is not None
        if kind == _UNAME:
            if s[start] in self.c.not_uc or s[end - 1] in self.c.not_uc:
                return False
        elif s[start] not in self.c.vc or s[end - 1] not in self.c.vc:
            return False
        key = (index, kind)
        last_bad = self._bad.get(key)
        if last_bad is None:
            label_start = self.dots[index - 1] + 1 if index else 0
            m = self.c.last_bad[kind].match(s, label_start, end)
            last_bad = self._bad[key] = m.end() - 1 if m else -1
        return last_bad < start

    # -- top-level domains -------------------------------------------------------------------------------
    def _tld_end(self, at: int, names: TldList, kind: int) -> int:
        """End of the longest TLD in ``names`` at ``at`` followed by a character that ends a TLD, or -1."""
        key = (at, kind)
        found = self._tld.get(key)
        if found is not None:
            return found
        s, n = self.s, len(self.s)
        best = -1
        run_end = _end_of(self.c.tld_run, s, at)
        if run_end > at and s[at:run_end] in names.names:
            best = run_end
        if at < n:
            for length in names.other_lengths.get(s[at], ()):
                end = at + length
                if end <= best:
                    break
                if end <= n and s[at:end] in names.names and (end == n or s[end] not in self.c.tld_continues):
                    best = end
                    break
        self._tld[key] = best
        return best

    def _punycode_end(self, at: int) -> int:
        if not self.s.startswith("xn--", at):
            return -1
        end = _end_of(self.c.puny_run, self.s, at + 4)
        return end if end > at + 4 else -1

    def _special_cctld_end(self, at: int) -> int:
        s = self.s
        if s[at : at + 2] in ("co", "tv") and (at + 2 == len(s) or s[at + 2] not in self.c.special_continues):
            return at + 2
        return -1

    def _any_tld_end(self, at: int) -> int:
        end = self._tld_end(at, self.generic, 0)
        if end < 0:
            end = self._tld_end(at, self.country, 1)
        return end if end >= 0 else self._punycode_end(at)

    def _longest_from(self, index: int) -> int:
        """For labels from dot ``index`` on: the host end of the longest run of subdomains, a domain name
        and a TLD (the expression's first alternative), or -1."""
        if self._longest is None:
            # Right to left: the last label that can be a domain name before a TLD, within each run of labels
            # that are all subdomains.
            dots = self.dots
            longest = [-1] * (len(dots) + 1)
            for i in range(len(dots) - 1, 0, -1):
                if not self._label_ok(dots[i - 1] + 1, i, _SUB):
                    continue
                if longest[i + 1] >= 0:
                    longest[i] = longest[i + 1]
                elif self._label_ok(dots[i - 1] + 1, i, _NAME):
                    longest[i] = self._any_tld_end(dots[i] + 1)
            self._longest = longest
        return self._longest[index] if index < len(self._longest) else -1

    # -- hosts and URLs ----------------------------------------------------------------------------------
    def host_end(self, start: int) -> int:
        """End of the host starting at ``start`` (the expression's group 4), or -1."""
        index = bisect.bisect_left(self.dots, start)
        if index == len(self.dots):
            return -1
        tld_at = self.dots[index] + 1
        sub = self._label_ok(start, index, _SUB)
        if sub:
            end = self._longest_from(index + 1)
            if end >= 0:
                return end
        name = sub and self._label_ok(start, index, _NAME)
        if name:
            end = self._tld_end(tld_at, self.generic, 0)
            if end < 0:
                end = self._punycode_end(tld_at)
            if end < 0:
                end = self._special_cctld_end(tld_at)
            if end >= 0:
                return end
        s = self.s
        if s.endswith("http://", 0, start) or s.endswith("https://", 0, start):
            if name and (end := self._tld_end(tld_at, self.country, 1)) >= 0:
                return end
            if self._label_ok(start, index, _UNAME):
                end = self._tld_end(tld_at, self.generic, 0)
                if end < 0:
                    end = self._tld_end(tld_at, self.country, 1)
                if end >= 0:
                    return end
        if name and (end := self._tld_end(tld_at, self.country, 1)) >= 0 and s.startswith("/", end):
            return end
        return -1

    def _url_at(self, start: int) -> tuple[int, int, int] | None:
        """(host start, host end, URL end) of a URL at ``start``, or None."""
        s = self.s
        for scheme in ("https://", "http://"):
            if s.startswith(scheme, start):
                host_start = start + len(scheme)
                end = self.host_end(host_start)
                if end >= 0:
                    return host_start, end, _end_of(self.c.after_host, s, end)
                break
        end = self.host_end(start)
        if end >= 0:
            return start, end, _end_of(self.c.after_host, s, end)
        return None

    def _no_tld(self) -> bool:
        """Whether no TLD can follow any of the piece's dots (so it holds no URL), found cheaply."""
        if "xn--" in self.s:
            return False
        after = set(self.c.after_dot.findall(self.s))
        if not (after.isdisjoint(self.generic.names) and after.isdisjoint(self.country.names)):
            return False
        if any(run.startswith(("co", "tv")) for run in after):
            return False
        return _other_first_chars().isdisjoint(self.c.first_after_dot.findall(self.s))

    def matches(self) -> Iterator[tuple[str, int, int, int, int]]:
        """Like ``finditer``: (character before, URL start, host start, host end, URL end)."""
        s, n = self.s, len(self.s)
        if n > 256 and self._no_tld():  # worth it only for long pieces
            return
        position = 0
        while position < n:
            if position == 0:
                at = 0  # '^' may start a match here too
            else:
                candidate = self.c.candidate.search(s, position)
                if candidate is None:
                    return
                at = candidate.start()
            found, before = None, ""
            if s[at] not in self.c.before_url_not:
                found, before = self._url_at(at + 1), s[at]
            if found is None and at == 0:
                found, before = self._url_at(0), ""
            if found is None:
                position = at + 1
                continue
            url_start = at + len(before)
            yield before, url_start, found[0], found[1], found[2]
            position = found[2]


def _end_of(pattern: re.Pattern[str], text: str, at: int) -> int:
    """Where ``pattern``, which matches the empty string too, stops matching from ``at``."""
    found = pattern.match(text, at)
    return found.end() if found else at


def _dots(text: str) -> list[int]:
    dots = []
    at = text.find(".")
    while at >= 0:
        dots.append(at)
        at = text.find(".", at + 1)
    return dots


def find_urls(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the URLs X would turn into t.co links; pass NFC text (see ``normalise``).
    Linear in the length of the text."""
    spans: list[tuple[int, int]] = []
    position = 0
    while dot := _DOT_LETTER.search(text, position):
        token_start = dot.start()
        while token_start > 0 and text[token_start - 1] not in _SEPARATOR_SET:
            token_start -= 1
        separator = _SEPARATOR.search(text, dot.end())
        token_end = separator.start() if separator else len(text)
        # From the separator before the token, which may serve as the character before the URL.
        _urls_in(text, max(token_start - 1, 0), token_end, spans)
        position = token_end
    return spans


def _urls_in(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    # The same link is measured many times (each post, each cut tried while splitting): short pieces are
    # remembered.
    found = _short_piece_urls(piece) if len(piece) <= 256 else _piece_urls(piece)
    spans.extend((start + a, start + b) for a, b in found)


@lru_cache(maxsize=4096)
def _short_piece_urls(piece: str) -> tuple[tuple[int, int], ...]:
    return _piece_urls(piece)


def _piece_urls(piece: str) -> tuple[tuple[int, int], ...]:
    """The URL spans in ``piece``, which starts at the text's start or at a separator (so the expression's
    '^', start of text, means what it means on the whole text)."""
    spans = []
    # Only A-Z are lowered, so offsets stay put.
    lowered = piece.lower() if piece.isascii() else piece.translate(_ASCII_LOWER)
    for before, url_start, host_start, host_end, url_end in _UrlScanner(lowered).matches():
        scheme = host_start > url_start
        if not scheme and before and before in _NO_SCHEME_BAD_BEFORE:
            continue  # "foo/pmc.gov.in" or "-pmc.gov.in": part of something else
        if scheme:
            tco = _TCO.match(lowered, url_start, url_end)
            if tco:
                if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                    continue
                url_end = tco.end()  # a t.co link takes no extra path characters
        if _valid_host(url_end - url_start, scheme, lowered[host_start:host_end]):
            spans.append((url_start, url_end))
    return tuple(spans)


def _heavy(text: str, start: int, end: int) -> int:
    return len(_heavy_regex().findall(text, start, end))


def _emoji_sequences(text: str) -> dict[int, int]:
    """Start -> end of the emoji matches that matter: those from the first sequence part's word on."""
    part = _SEQUENCE_PART.search(text)
    if part is None:
        return {}
    # Earlier matches are lone pictographs, which weigh 2 either way; no sequence spans whitespace.
    start = part.start()
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return {m.start(): m.end() for m in _emoji_regex().finditer(text, start)}


def weighted_length(text: str) -> int:
    """X's weighted length of ``text`` (limit ``X_LIMIT``): after NFC, 1 or 2 per code point, 2 per emoji
    sequence, ``URL_WEIGHT`` per URL."""
    return _nfc_weighted_length(normalise(text))


def _nfc_weighted_length(text: str) -> int:
    """``weighted_length`` of a text known to be NFC: splitting measures many pieces of one normalised text
    (a piece of an NFC text is NFC), and checking that again costs a scan of each piece."""
    if not text.strip(_JAVA_TRIM):
        return 0
    n = len(text)
    urls = dict(find_urls(text))
    if text.isascii() or _ABOVE_LIGHT.search(text) is None:
        # Nothing above U+10FF (Marathi and English prose): every code point weighs 1 and no emoji sequence
        # can start (all their parts lie above), so only URLs change the count.
        total = pos = 0
        for start in sorted(urls):
            if start >= pos:
                total += (start - pos) + URL_WEIGHT
                pos = urls[start]
        return total + (n - pos)
    emoji = _emoji_sequences(text)
    if not urls and not emoji:
        return n + _heavy(text, 0, n)
    # Walk the text like TwitterTextParser: at each offset a URL wins over an emoji; an emoji whose start lies
    # inside a URL is skipped and whatever of it sticks out is counted per code point.
    total = 0
    pos = 0
    for start in sorted(urls.keys() | emoji.keys()):
        if start < pos:
            continue
        total += (start - pos) + _heavy(text, pos, start)
        if start in urls:
            total += URL_WEIGHT
            pos = urls[start]
        else:
            total += 2
            pos = emoji[start]
    return total + (n - pos) + _heavy(text, pos, n)


def nfc_length(text: str) -> int:
    """The length of ``text`` in code points after NFC: "characters" as a reader sees them (Facebook's measure)."""
    # Meta documents its limit in characters and publishes no weighting, so we count what a reader sees as
    # characters: code points of the same NFC text X measures. Should Meta count UTF-16 units instead, an
    # emoji beyond the BMP would count 2; at 63,206 that margin never decides an announcement.
    return len(normalise(text))


# Everything ASCII and printable stays as it is (including '%', so an already encoded URL is unchanged).
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def encode_url(url: str) -> str:
    """``_encode_url``, remembered for the links of ordinary length: announcements of a department link to the
    same few pages, and a link of tens of kilobytes (a file may hold one) should not be kept a thousand times."""
    return _encode_remembered(url) if len(url) <= 2048 else _encode_url(url)


@lru_cache(maxsize=1024)
def _encode_remembered(url: str) -> str:
    return _encode_url(url)


def _encode_url(url: str) -> str:
    """``url`` with a punycode (IDNA) host and non-ASCII characters of its path, query and fragment
    percent-encoded as UTF-8, so X counts the whole link as one URL (its matching stops at Devanagari)."""
    url = normalise(url)
    scheme_end = url.find("://")
    rest_start = scheme_end + 3 if scheme_end >= 0 else 0
    cut = len(url)
    for sep in "/?#":
        at = url.find(sep, rest_start)
        if at >= 0:
            cut = min(cut, at)
    authority, tail = url[rest_start:cut], url[cut:]
    if not authority.isascii():
        userinfo, at_sign, hostport = authority.rpartition("@")
        host, colon, port = hostport.partition(":")
        host = ".".join(label if label.isascii() else label.encode("idna").decode("ascii") for label in host.split("."))
        authority = f"{userinfo}{at_sign}{host}{colon}{port}"
    return url[:rest_start] + authority + quote(tail, safe=_URL_SAFE)


# --- Thread splitting --------------------------------------------------------------------------------------
# Every cut comes after a run of whitespace (Python's \s). A run ends a sentence after a full stop, ?, !, danda or
# double danda (closing quotes or brackets may stand between), or when it holds a line break.
_SPACE_RUN = re.compile(r"\s+")
_SENTENCE_END_RUN = re.compile("[.?!\u0964\u0965][\"')\\]}\u2019\u201d\u00bb]*\\s+")
_LINE_BREAK_RUN = re.compile("[\n\r\u2028\u2029\x0b\x0c\x85]\\s*")
# The characters Python's \s matches (str.isspace), spelled out for the regex package.
_WHITESPACE = "\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_end = re.Match.end


@lru_cache(maxsize=1)
def _grapheme_regex() -> Any:
    import regex

    return regex.compile(r"\X")


@lru_cache(maxsize=4096)
def _joins_previous(character: str) -> bool:
    """Whether ``character`` may not be cut off from the one before it (UAX #29 rules GB9, GB9a): after a
    space, a cut is a grapheme boundary unless one of these follows. Asked once per character."""
    return _joining_regex().match(character) is not None


@lru_cache(maxsize=1)
def _joining_regex() -> Any:
    import regex

    return regex.compile(
        r"[\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=SpacingMark}\p{Grapheme_Cluster_Break=ZWJ}]"
    )


class _CutPoints:
    """Allowed cut positions (after the cut's whitespace): sentence ends and word ends. Whitespace never
    stands inside a URL, so none of these falls inside one. Found by whole-text searches, each only when the
    splitting first asks for it: most texts are cut at sentence ends and never need the word ends."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._sentences: list[int] | None = None
        self._words: list[int] | None = None

    def _unjoined(self, points: list[int]) -> list[int]:
        # Not after a space followed by a combining mark, which belongs to the space (" ा"): every point follows
        # whitespace, so the character at it decides. ASCII holds no such mark.
        text = self.text
        if text.isascii():
            return points
        n = len(text)
        return [p for p in points if p == n or not _joins_previous(text[p])]

    @property
    def sentences(self) -> list[int]:
        if self._sentences is None:
            text = self.text
            found = list(map(_end, _SENTENCE_END_RUN.finditer(text)))
            if _LINE_BREAK_RUN.search(text) is not None:
                found = sorted(set(found).union(map(_end, _LINE_BREAK_RUN.finditer(text))))
            self._sentences = self._unjoined(found)
        return self._sentences

    @property
    def words(self) -> list[int]:
        if self._words is None:
            self._words = self._unjoined(list(map(_end, _SPACE_RUN.finditer(self.text))))
        return self._words


def _grapheme_cuts(text: str) -> list[int]:
    """Every boundary between grapheme clusters outside URLs: the last resort, so computed only when needed."""
    boundaries = {m.end() for m in _grapheme_regex().finditer(text)}
    for start, end in find_urls(text):
        boundaries.difference_update(range(start + 1, end))
    return sorted(boundaries)


# A post of at most 280 spanning more than this many code points would need URLs or emoji sequences thousands of
# characters long. Such a stretch is never kept as one post (it is cut further; every post is still measured),
# so that no measurement while splitting is longer than this, and splitting stays linear in the text.
_MAX_POST_CHARS = 2 * _MAX_URL_LENGTH


def _fit(text: str, start: int, end: int, budget: int) -> int | None:
    """The weight of the stripped chunk ``text[start:end]`` when it fits ``budget``, else None."""
    if end - start > _MAX_POST_CHARS:
        return None
    weight = _nfc_weighted_length(text[start:end].strip())
    return weight if weight <= budget else None


def _furthest_fit(text: str, start: int, candidates: list[int], budget: int) -> tuple[int, int] | None:
    """The furthest candidate end after ``start`` whose stripped chunk fits ``budget``, with the chunk's
    weight; None when none fits."""
    lo = bisect.bisect_right(candidates, start)
    hi = len(candidates) - 1
    best: int | None = None
    best_weight = 0
    # A longer chunk weighs at least as much (no cut falls inside a URL or grapheme cluster), and every answer
    # is measured, so the result fits even where that assumption were to fail. Gallop first (1, 2, 4, ...
    # candidates on), then search between the last fit and the first miss: no chunk measured is much longer
    # than the one found, however long the text.
    step = 1
    probe = lo
    while probe <= hi:
        weight = _fit(text, start, candidates[probe], budget)
        if weight is None:
            hi = probe - 1
            break
        best, best_weight = probe, weight
        lo = probe + 1
        probe = min(probe + step, hi) if probe < hi else hi + 1
        step *= 2
    while lo <= hi:
        mid = (lo + hi) // 2
        weight = _fit(text, start, candidates[mid], budget)
        if weight is not None:
            best, best_weight = mid, weight
            lo = mid + 1
        else:
            hi = mid - 1
    return (candidates[best], best_weight) if best is not None else None


def split_text(text: str, limit: int = X_LIMIT, *, reserve: int = 0) -> list[str]:
    """Cut ``text`` into consecutive slices (``"".join(chunks) == text``) whose stripped weighted length plus
    ``reserve`` is at most ``limit``: at sentence ends, else word ends, else between grapheme clusters; never
    inside a URL or a grapheme cluster. Whitespace at a cut stays with the earlier chunk. Pass NFC text
    (``normalise``), as X measures it.

    Raises ValueError when a single unbreakable piece (a URL, a grapheme cluster) does not fit.
    """
    return [chunk for chunk, _ in _split(text, limit, reserve, None)]


def _split(text: str, limit: int, reserve: int, length: int | None) -> list[tuple[str, int]]:
    """``split_text``, each chunk with the weighted length of its stripped text; ``length`` is that of
    ``text.strip()`` when the caller knows it."""
    budget = limit - reserve
    if budget <= 0:
        raise ValueError(f"nothing fits: limit {limit} with {reserve} reserved")
    if not text:
        return []
    length = length if length is not None else _nfc_weighted_length(text.strip())
    if length <= budget:
        return [(text, length)]
    cuts = _CutPoints(text)
    graphemes: list[int] | None = None
    chunks: list[tuple[str, int]] = []
    start = 0
    while start < len(text):
        rest = _fit(text, start, len(text), budget) if start else None  # the whole text (start 0) does not fit
        if rest is not None:
            chunks.append((text[start:], rest))
            break
        found = _furthest_fit(text, start, cuts.sentences, budget)
        # A sentence end that leaves less than half the post empty is not worth it: cut at a word instead.
        if found is None or 2 * found[1] < budget:
            found = _furthest_fit(text, start, cuts.words, budget) or found
        if found is None:
            graphemes = graphemes if graphemes is not None else _grapheme_cuts(text)
            found = _furthest_fit(text, start, graphemes, budget)
        if found is None:
            raise ValueError(f"a URL or grapheme cluster near offset {start} weighs more than {budget}")
        end, weight = found
        chunks.append((text[start:end], weight))
        start = end
    return chunks


def _suffix(index: int, total: int) -> str:
    return f" ({index}/{total})"


def thread_parts(text: str, limit: int = X_LIMIT, *, numbered: bool = True) -> list[str]:
    """The posts of a thread for ``text`` (NFC, stripped): one part when it fits ``limit``, otherwise parts
    cut by ``split_text``, numbered " (1/3)" when ``numbered``. A blank text gives no parts."""
    return [part for part, _ in measured_thread_parts(text, limit, numbered=numbered)]


def measured_thread_parts(text: str, limit: int = X_LIMIT, *, numbered: bool = True) -> list[tuple[str, int]]:
    """``thread_parts``, each part with its weighted length: the splitting measured every part already, and
    validating tens of thousands of posts should not measure them again (Threading.measured_split)."""
    body = normalise(text).strip()
    if not body:
        return []
    length = _nfc_weighted_length(body)  # measured once: the splitting below knows it does not fit
    if length <= limit:
        return [(body, length)]
    if not numbered:
        return [(chunk.strip(), weight) for chunk, weight in _split(body, limit, 0, length)]
    digits = 1
    while True:
        # The suffix is ASCII (weight 1 each); reserve room for the widest index with this many digits.
        reserve = len(_suffix(0, 0)) - 2 + 2 * digits
        chunks = _split(body, limit, reserve, length)
        if len(chunks) < 10**digits:
            total = len(chunks)
            # The suffix follows a space, so it joins no URL or emoji sequence of the chunk: its characters
            # add one each.
            return [
                (chunk.strip() + suffix, weight + len(suffix))
                for i, (chunk, weight) in enumerate(chunks, 1)
                for suffix in (_suffix(i, total),)
            ]
        digits += 1  # e.g. 10 or more parts: " (10/12)" needs two more characters than " (9/9)"
