"""X's exact text length (twitter-text config v3), URL handling and grapheme-safe thread splitting.

The rules follow twitter-text's published implementation (config v3, the Java ``TwitterTextParser``,
``Extractor`` and ``Regex``, and the conformance suite), re-implemented here with Python's ``re`` (URLs)
and the ``regex`` package (emoji, grapheme clusters).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache
from typing import Any
from urllib.parse import quote

X_LIMIT = 280
URL_WEIGHT = 23  # config v3 transformedURLLength: every URL becomes a t.co link of this weight
FACEBOOK_LIMIT = 63206

# Java's String.trim() (code points <= U+0020): twitter-text gives such a text length 0.
_JAVA_TRIM = "".join(chr(c) for c in range(0x21))
# config v3: these ranges weigh 1, everything else 2 (scale 100, weights 100 and 200).
_LIGHT_RANGES = "\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037"
# A single pictograph weighs 2 whether or not it counts as an emoji; only sequences weigh less than their
# code points, and every sequence holds one of these (ZWJ, keycap, VS16, flag letter, skin tone, tag).
_SEQUENCE_PART = re.compile("[\u200d\u20e3\ufe0f\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")

# --- Top-level domains -------------------------------------------------------------------------------------
# A domain only makes a URL when it ends in a known TLD. twitter-text carries IANA's full list; this is every
# country code plus the generic TLDs people actually type.


def _names(block: str) -> frozenset[str]:
    return frozenset(block.split())


CCTLDS = _names(
    """
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv
    bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et eu
    fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in
    io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf
    mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph
    pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy
    sz tc td tf tg th tj tk tl tm tn to tp tr tt tv tw tz ua ug uk um us uy uz va vc ve vg vi vn vu wf ws ye yt
    za zm zw
    भारत भारतम् भारोत् ভারত ভাৰত ભારત ਭਾਰਤ ଭାରତ இந்தியா భారత్ ಭಾರತ ഭാരതം بھارت ڀارت
    中国 中國 香港 台湾 台灣 рф бел укр срб қаз мкд мон ею ευ
    """
)
GTLDS = _names(
    """
    com net org gov edu mil int info biz name pro aero asia cat coop jobs mobi museum post tel travel xxx
    app dev page blog news online site store shop tech xyz club live life world today space website cloud
    digital media email services solutions network systems academy agency center company group guru link
    click host software studio support design education energy finance health house international
    management marketing photography property school social team tips training video watch wiki works zone
    bank insurance law legal city gallery global green help institute land events community foundation
    consulting directory expert exchange fund gives hospital care clinic doctor university college degree
    science technology engineering capital ventures partners holdings industries enterprises limited ltd llc
    inc gmbh sarl press report reviews photos pictures art music film movie game games play fun party
    restaurant cafe bar pizza kitchen farm garden green eco earth bio organic water solar tools run fit
    yoga coach fashion style shoes clothing jewelry boutique market money credit loans tax accountant
    realestate properties apartments rentals homes house estate land city town village country place
    travel tours holiday flights hotel hotels taxi bike cars auto car parts repair plumbing electric
    google youtube amazon apple microsoft android gmail meet zoom stream chat mail ngo ong charity vote
    voting gop democrat republican army navy airforce gratis free sale deals discount coupons cheap best
    top vip one new now wtf lol ink icu moe uno buzz cool ninja rocks social lgbt wedding love dating
    kim mba phd how here sex porn adult poker bet casino bingo lotto
    """
)


# --- URL pattern -------------------------------------------------------------------------------------------
# Matched against a copy of the text with only A-Z lowercased (same length, so spans carry over); the pattern
# is written in lower case, which sidesteps Unicode case folding (Kelvin sign ~ 'k') that X does not apply.
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
_UC = "[^!-/:-@\\[-`{-~\t-\r \xa0\u1680\u2000-\u206f\u3000]"
_UNICODE_DOMAIN_NAME = rf"(?:(?:{_UC}(?:{_UC}|-)*)?{_UC}\.)"
_TLD_END = r"(?=[^a-z0-9@+\-]|$)"


def _alternation(names: frozenset[str]) -> str:
    # Longest first, so "भारतम्" is tried before "भारत".
    return "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))


_GTLD = f"(?:(?:{_alternation(GTLDS)}){_TLD_END})"
_CCTLD = f"(?:(?:{_alternation(CCTLDS)}){_TLD_END})"
_SPECIAL_CCTLD = "(?:(?:co|tv)(?=[^a-z0-9@]|$))"
_PUNYCODE = r"(?:xn--[\-0-9a-z]+)"
_DOMAIN = (
    f"(?:{_SUBDOMAIN}+{_DOMAIN_NAME}(?:{_GTLD}|{_CCTLD}|{_PUNYCODE}))"  # www.pmc.gov.in
    # Only .co and .tv make a link of a bare short domain (vine.co); a bare pmc.in is not one.
    f"|(?:{_DOMAIN_NAME}(?:{_GTLD}|{_PUNYCODE}|{_SPECIAL_CCTLD}))"  # punecorporation.org
    # After a scheme: a short ccTLD domain (https://pmc.in) or a domain in any script (https://पुणे.भारत)
    f"|(?:(?:(?<=http://)|(?<=https://))"
    f"(?:{_DOMAIN_NAME}{_CCTLD}|{_UNICODE_DOMAIN_NAME}(?:{_GTLD}|{_CCTLD})))"
    f"|(?:{_DOMAIN_NAME}{_CCTLD}(?=/))"  # pmc.in/path (a bare pmc.in is not a link)
)
_PATH_CHAR = rf"[a-z0-9!*';:=+,.$/%#\[\]\-\u2013_~|&@{_LATIN}{_CYRILLIC}]"
_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
# A path may not end in . , ; : ! ' etc., so "see pmc.gov.in/water." leaves the full stop out.
_PATH_END = rf"(?:[a-z0-9=_#/\-+{_LATIN}{_CYRILLIC}]|{_PARENS})"
_PATH = rf"(?:(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END})|(?:@{_PATH_CHAR}+/))"
_QUERY = r"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@]"
_QUERY_END = r"[a-z0-9\-_&=#/]"
_URL_SOURCE = (
    "([^a-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff]|^)"  # 1: the character before (not part of the URL)
    "("  # 2: the URL
    "(https?://)?"  # 3: scheme
    f"({_DOMAIN})"  # 4: host
    "(?::[0-9]+)?"  # port (Java's possessive quantifiers change nothing here: all that follows is optional)
    f"(/{_PATH}*)?"  # 5: path; it stops at the first character outside these sets (e.g. Devanagari)
    f"(?:\\?{_QUERY}*{_QUERY_END})?"  # query
    ")"
)
_NO_SCHEME_BAD_BEFORE = frozenset("-_./")
_TCO = re.compile(rf"^https?://t\.co/([a-z0-9]+)(?:\?{_QUERY}*{_QUERY_END})?")
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
def _url_regex() -> re.Pattern[str]:
    return re.compile(_URL_SOURCE)


@lru_cache(maxsize=1)
def _heavy_regex() -> re.Pattern[str]:
    return re.compile(f"[^{_LIGHT_RANGES}]")


@lru_cache(maxsize=1)
def _emoji_regex() -> Any:
    import regex

    return regex.compile(_EMOJI_SOURCE)


def normalise(text: str) -> str:
    """NFC, as X applies before counting; ZWJ (U+200D) and ZWNJ (U+200C) are kept (NFC never drops them)."""
    if unicodedata.is_normalized("NFC", text):
        return text
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


def find_urls(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the URLs X would turn into t.co links; pass NFC text (see ``normalise``)."""
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
    # Only A-Z are lowered, so offsets stay put. The slice starts at the text's start or at a separator,
    # so the pattern's '^' (start of text) still means what it means on the whole text.
    lowered = piece.lower() if piece.isascii() else piece.translate(_ASCII_LOWER)
    for match in _url_regex().finditer(lowered):
        scheme = match.group(3)
        if not scheme and match.group(1) and match.group(1)[-1] in _NO_SCHEME_BAD_BEFORE:
            continue  # "foo/pmc.gov.in" or "-pmc.gov.in": part of something else
        url_start, url_end = match.span(2)
        if scheme:
            tco = _TCO.match(match.group(2))
            if tco:
                if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                    continue
                url_end = url_start + tco.end()  # a t.co link takes no extra path characters
        if _valid_host(url_end - url_start, bool(scheme), match.group(4)):
            spans.append((start + url_start, start + url_end))


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
    text = normalise(text)
    if not text.strip(_JAVA_TRIM):
        return 0
    n = len(text)
    urls = dict(find_urls(text))
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


def facebook_length(text: str) -> int:
    """Facebook's length of ``text`` (limit ``FACEBOOK_LIMIT``)."""
    # Meta documents the limit in characters and publishes no weighting, so we count what a reader sees as
    # characters: code points of the same NFC text X measures. Should Meta count UTF-16 units instead, an
    # emoji beyond the BMP would count 2; at 63,206 that margin never decides an announcement.
    return len(normalise(text))


# Everything ASCII and printable stays as it is (including '%', so an already encoded URL is unchanged).
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def encode_url(url: str) -> str:
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
_SENTENCE_ENDS = frozenset(".?!\u0964\u0965")  # full stop, ?, !, danda, double danda
_CLOSERS = frozenset("\"')]}\u2019\u201d\u00bb")  # may stand between a sentence end and the space after it
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
_SPACE_RUN = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _grapheme_regex() -> Any:
    import regex

    return regex.compile(r"\X")


@lru_cache(maxsize=1)
def _joins_previous() -> Any:
    import regex

    # What may not be cut off from the character before it (UAX #29 rules GB9, GB9a): after a space, a
    # cut is a grapheme boundary unless one of these follows.
    return regex.compile(
        r"[\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=SpacingMark}"
        r"\p{Grapheme_Cluster_Break=ZWJ}]"
    )


def _cut_points(text: str) -> tuple[list[int], list[int]]:
    """Allowed cut positions (after the cut's whitespace): sentence ends and word ends. Whitespace never
    stands inside a URL, so none of these falls inside one."""
    joins = _joins_previous().match
    sentences: list[int] = []
    words: list[int] = []
    for m in _SPACE_RUN.finditer(text):
        position = m.end()
        if position < len(text) and joins(text, position):
            continue  # a combining mark after the space belongs to it (" ा")
        words.append(position)
        before = m.start()
        while before > 0 and text[before - 1] in _CLOSERS:
            before -= 1
        if (before > 0 and text[before - 1] in _SENTENCE_ENDS) or not _LINE_BREAKS.isdisjoint(m.group()):
            sentences.append(position)
    return sentences, words


def _grapheme_cuts(text: str) -> list[int]:
    """Every boundary between grapheme clusters outside URLs: the last resort, so computed only when needed."""
    boundaries = {m.end() for m in _grapheme_regex().finditer(text)}
    for start, end in find_urls(text):
        boundaries.difference_update(range(start + 1, end))
    return sorted(boundaries)


def _furthest_fit(text: str, start: int, candidates: list[int], budget: int) -> int | None:
    """The furthest candidate end after ``start`` whose stripped chunk fits ``budget``, or None."""
    lo = bisect.bisect_right(candidates, start)
    hi = len(candidates) - 1
    best: int | None = None
    # Binary search: a longer chunk weighs at least as much (no cut falls inside a URL or grapheme cluster),
    # and every answer is measured, so the result fits even where that assumption were to fail.
    while lo <= hi:
        mid = (lo + hi) // 2
        if weighted_length(text[start : candidates[mid]].strip()) <= budget:
            best = candidates[mid]
            lo = mid + 1
        else:
            hi = mid - 1
    return best


def split_text(text: str, limit: int = X_LIMIT, *, reserve: int = 0) -> list[str]:
    """Cut ``text`` into consecutive slices (``"".join(chunks) == text``) whose stripped weighted length plus
    ``reserve`` is at most ``limit``: at sentence ends, else word ends, else between grapheme clusters; never
    inside a URL or a grapheme cluster. Whitespace at a cut stays with the earlier chunk. Pass NFC text
    (``normalise``), as X measures it.

    Raises ValueError when a single unbreakable piece (a URL, a grapheme cluster) does not fit.
    """
    budget = limit - reserve
    if budget <= 0:
        raise ValueError(f"nothing fits: limit {limit} with {reserve} reserved")
    if not text:
        return []
    if weighted_length(text.strip()) <= budget:
        return [text]
    sentences, words = _cut_points(text)
    graphemes: list[int] | None = None
    chunks: list[str] = []
    start = 0
    while start < len(text):
        if weighted_length(text[start:].strip()) <= budget:
            chunks.append(text[start:])
            break
        end = _furthest_fit(text, start, sentences, budget)
        # A sentence end that leaves less than half the post empty is not worth it: cut at a word instead.
        if end is None or 2 * weighted_length(text[start:end].strip()) < budget:
            end = _furthest_fit(text, start, words, budget) or end
        if end is None:
            graphemes = graphemes if graphemes is not None else _grapheme_cuts(text)
            end = _furthest_fit(text, start, graphemes, budget)
        if end is None:
            raise ValueError(f"a URL or grapheme cluster near offset {start} weighs more than {budget}")
        chunks.append(text[start:end])
        start = end
    return chunks


def _suffix(index: int, total: int) -> str:
    return f" ({index}/{total})"


def thread_parts(text: str, limit: int = X_LIMIT, *, numbered: bool = True) -> list[str]:
    """The posts of a thread for ``text`` (NFC, stripped): one part when it fits ``limit``, otherwise parts
    cut by ``split_text``, numbered " (1/3)" when ``numbered``. A blank text gives no parts."""
    body = normalise(text).strip()
    if not body:
        return []
    if weighted_length(body) <= limit:
        return [body]
    if not numbered:
        return [chunk.strip() for chunk in split_text(body, limit)]
    digits = 1
    while True:
        # The suffix is ASCII (weight 1 each); reserve room for the widest index with this many digits.
        reserve = len(_suffix(0, 0)) - 2 + 2 * digits
        chunks = split_text(body, limit, reserve=reserve)
        if len(chunks) < 10**digits:
            total = len(chunks)
            return [chunk.strip() + _suffix(i, total) for i, chunk in enumerate(chunks, 1)]
        digits += 1  # e.g. 10 or more parts: " (10/12)" needs two more characters than " (9/9)"
