"""X's weighted length, URL detection, encode_url and thread splitting (pmcpost.xtext).

Expected lengths are worked out by hand from twitter-text config v3: after NFC, U+0000-10FF, U+2000-200D,
U+2010-201F and U+2032-2037 weigh 1, everything else 2; an emoji sequence 2; a URL 23.
"""

from __future__ import annotations

import re
from importlib.metadata import distribution
from pathlib import Path

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pmcpost import xtext
from pmcpost.xtext import (
    URL_WEIGHT,
    X_LIMIT,
    encode_url,
    find_urls,
    nfc_length,
    normalise,
    reference_url_pattern,
    split_text,
    thread_parts,
    tlds,
    weighted_length,
)

GRAPHEME = regex.compile(r"\X")


def test_constants() -> None:
    assert (X_LIMIT, URL_WEIGHT) == (280, 23)


# --- weighted_length: plain text ---------------------------------------------------------------------------


def test_english_counts_one_per_character() -> None:
    # 39 ASCII characters x 1
    assert weighted_length("No water supply in Parvati on Thursday.") == 39


def test_marathi_counts_one_per_code_point() -> None:
    # पाणीपुरवठा: प ा ण ी प ु र व ठ ा = 10 code points, all in U+0900-097F (weight 1)
    assert weighted_length("पाणीपुरवठा") == 10
    # क्ष = क + ् + ष: 3 code points
    assert weighted_length("क्ष") == 3
    # "पर्वती परिसरात": प र ् व त ी (6) + space (1) + प र ि स र ा त (7) = 14
    assert weighted_length("पर्वती परिसरात") == 14
    # danda U+0964 weighs 1: "बंद।" = ब ं द । = 4
    assert weighted_length("बंद।") == 4


def test_zero_width_joiners_are_kept_and_weigh_one() -> None:
    # र + ् + ZWJ (U+200D, in 2000-200D) = 3; ZWNJ U+200C likewise
    assert weighted_length("र्\u200d") == 3
    assert weighted_length("क्\u200cष") == 4
    assert normalise("र्\u200d") == "र्\u200d"


def test_mixed_marathi_and_english() -> None:
    # "पाणी" 4 + " / " 3 + "water" 5 = 12
    assert weighted_length("पाणी / water") == 12


def test_symbols_outside_the_light_ranges_weigh_two() -> None:
    assert weighted_length("₹") == 2  # U+20B9
    assert weighted_length("…") == 2  # U+2026, outside 2010-201F and 2032-2037
    assert weighted_length("•") == 2  # U+2022
    assert weighted_length("₹500") == 5  # 2 + 3 digits
    # general punctuation in the light ranges: en dash U+2013, curly quotes U+201C/201D, prime U+2032
    assert weighted_length("\u2013\u201c\u201d\u2032") == 4


def test_cjk_weighs_two() -> None:
    assert weighted_length("中文") == 4  # 2 x 2
    assert weighted_length("日本語です") == 10  # 5 x 2


def test_nfc_is_applied_first() -> None:
    # e + combining acute (2 code points) composes to é (1 code point, weight 1)
    assert weighted_length("e\u0301") == 1
    assert normalise("e\u0301") == "\u00e9"
    # Devanagari nukta: क + ़ stays two code points under NFC (क़ is a composition exclusion)
    assert weighted_length("\u0915\u093c") == 2


def test_blank_text_has_no_length() -> None:
    # twitter-text returns 0 when trim() leaves nothing (code points <= U+0020)
    assert weighted_length("") == 0
    assert weighted_length("  \n\t ") == 0
    assert weighted_length("\u00a0") == 1  # not trimmed by Java: weight 1


# --- weighted_length: emoji --------------------------------------------------------------------------------


def test_single_emoji() -> None:
    assert weighted_length("🙏") == 2
    assert weighted_length("📢 पाणी") == 7  # 2 + space 1 + 4


def test_emoji_sequences_weigh_two_in_total() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points
    assert weighted_length(family) == 2
    assert weighted_length("🇮🇳") == 2  # two regional indicators
    assert weighted_length("1\ufe0f\u20e3") == 2  # keycap: 1 + VS16 + U+20E3
    assert weighted_length("#\u20e3") == 2  # keycap without VS16
    assert weighted_length("👍🏽") == 2  # skin tone modifier
    assert weighted_length("⚠\ufe0f") == 2  # variation selector
    assert weighted_length("🏳\ufe0f\u200d🌈") == 2
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert weighted_length(scotland) == 2


def test_copyright_sign_is_emoji_only_with_vs16() -> None:
    assert weighted_length("©") == 1  # U+00A9 in 0000-10FF
    assert weighted_length("©\ufe0f") == 2  # one emoji
    assert weighted_length("1") == 1  # a digit alone is no keycap


def test_emoji_in_a_sentence() -> None:
    # "⚠️ पाणी बंद 🙏🏽": emoji 2 + space 1 + पाणी 4 + space 1 + बंद 3 + space 1 + emoji 2 = 14
    assert weighted_length("⚠\ufe0f पाणी बंद 🙏🏽") == 14


# --- URLs --------------------------------------------------------------------------------------------------


def spans_text(text: str) -> list[str]:
    return [text[a:b] for a, b in find_urls(text)]


def test_urls_without_scheme_count_23() -> None:
    assert spans_text("pmc.gov.in") == ["pmc.gov.in"]
    assert weighted_length("pmc.gov.in") == 23
    assert weighted_length("www.pmc.gov.in/path") == 23
    assert weighted_length("punecorporation.org") == 23
    # "पहा: pmc.gov.in": पहा 3 + ":" 1 + space 1 + URL 23 = 28
    assert weighted_length("पहा: pmc.gov.in") == 28


def test_urls_with_scheme_count_23() -> None:
    url = "https://www.pmc.gov.in/mr/water-supply?ward=12#notice"
    assert spans_text(url) == [url]
    assert weighted_length(url) == 23
    assert weighted_length("HTTPS://WWW.PMC.GOV.IN/EN") == 23


def test_trailing_punctuation_is_not_part_of_the_url() -> None:
    assert spans_text("See pmc.gov.in.") == ["pmc.gov.in"]
    assert weighted_length("See pmc.gov.in.") == 28  # "See " 4 + 23 + "." 1
    assert spans_text("(https://www.pmc.gov.in/en/water),") == ["https://www.pmc.gov.in/en/water"]
    assert weighted_length("(https://www.pmc.gov.in/en/water),") == 26  # 1 + 23 + 2
    assert spans_text("pmc.gov.in/a/b!") == ["pmc.gov.in/a/b"]


def test_short_cctld_domain_needs_a_path_or_scheme() -> None:
    # twitter-text's conformance suite: a bare domain.ccTLD is no link, except .co and .tv
    assert spans_text("pmc.in") == []
    assert weighted_length("pmc.in") == 6
    assert spans_text("pmc.in/water") == ["pmc.in/water"]
    assert spans_text("https://pmc.in") == ["https://pmc.in"]
    assert spans_text("vine.co twitch.tv") == ["vine.co", "twitch.tv"]


def test_things_that_are_not_urls() -> None:
    assert spans_text("pmc.invalidtld") == []
    assert spans_text("Rs.500 e.g. 3.5") == []
    assert spans_text("user@pmc.gov.in") == []  # an e-mail address: '@' may not precede a URL
    assert spans_text("a/pmc.gov.in") == []  # '/' before a scheme-less domain
    assert spans_text("पुणे.com") == []  # without a scheme the domain must be ASCII


def test_url_path_stops_at_devanagari() -> None:
    url = "https://www.pmc.gov.in/mr/पाणी"
    assert spans_text(url) == ["https://www.pmc.gov.in/mr/"]
    # URL 23 + पाणी 4 = 27
    assert weighted_length(url) == 27


def test_encode_url_makes_one_url() -> None:
    encoded = encode_url("https://www.pmc.gov.in/mr/पाणी")
    # प U+092A = E0 A4 AA, ा U+093E = E0 A4 BE, ण U+0923 = E0 A4 A3, ी U+0940 = E0 A5 80
    assert encoded == "https://www.pmc.gov.in/mr/%E0%A4%AA%E0%A4%BE%E0%A4%A3%E0%A5%80"
    assert weighted_length(encoded) == 23
    assert spans_text(encoded) == [encoded]


def test_encode_url_host_query_and_fragment() -> None:
    assert encode_url("https://www.pmc.gov.in/a?q=पुणे#x") == (
        "https://www.pmc.gov.in/a?q=%E0%A4%AA%E0%A5%81%E0%A4%A3%E0%A5%87#x"
    )
    assert encode_url("https://पुणे.भारत/") == "https://xn--g2bn3eza.xn--h2brj9c/"
    plain = "https://www.pmc.gov.in/en/water?ward=12&x=%20"
    assert encode_url(plain) == plain  # ASCII, including existing %-escapes, is left alone


def test_url_and_text_around_it() -> None:
    text = "पाणीपुरवठा बंद. तपशील: https://www.pmc.gov.in/mr/water"
    # पाणीपुरवठा 10 + space 1 + बंद. 4 + space 1 + तपशील: 6 + space 1 + URL 23 = 46
    assert weighted_length(text) == 46


# --- facebook ----------------------------------------------------------------------------------------------


def test_facebook_length_counts_nfc_code_points() -> None:
    assert nfc_length("e\u0301 पाणी") == 6  # é 1 + space 1 + 4
    assert nfc_length("https://www.pmc.gov.in/en") == 25  # no URL shortening on Facebook


# --- splitting: fixed examples -----------------------------------------------------------------------------


def test_short_text_is_one_part() -> None:
    assert thread_parts("  पाणीपुरवठा बंद.  ") == ["पाणीपुरवठा बंद."]
    assert split_text("abc") == ["abc"]
    assert thread_parts("   ") == []


def test_split_prefers_sentence_ends() -> None:
    first = "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील।"  # 45 code points
    second = " नागरिकांनी पाणी जपून वापरावे. Please store water."
    text = first + second
    chunks = split_text(text, 60)
    assert "".join(chunks) == text
    assert chunks[0] == first + " "  # the space at the cut stays with the earlier chunk


def test_split_falls_back_to_words_then_graphemes() -> None:
    words = "पाणी " * 30
    chunks = split_text(words, 20)
    assert all(c.endswith(" ") for c in chunks[:-1])
    long_word = "क्षत्रिय" * 10  # no spaces: only grapheme boundaries remain
    chunks = split_text(long_word, 10)
    assert "".join(chunks) == long_word
    for chunk in chunks:
        assert weighted_length(chunk) <= 10
        assert GRAPHEME.findall(chunk)[0] in ("क्ष", "त्रि", "य")


def test_split_never_cuts_a_url() -> None:
    url = "https://www.pmc.gov.in/en/a-very-long-path-that-is-far-longer-than-the-limit-itself"
    text = "पहा " + url + " आणि " + url
    chunks = split_text(text, 30)
    assert "".join(chunks) == text
    assert sum(url in chunk for chunk in chunks) == 2


def test_numbering_suffix() -> None:
    sentence = "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील. "  # 46 code points
    parts = thread_parts(sentence * 10)  # 460 > 280
    assert len(parts) == 2
    assert parts[0].endswith(" (1/2)") and parts[1].endswith(" (2/2)")
    assert all(weighted_length(p) <= X_LIMIT for p in parts)
    unnumbered = thread_parts(sentence * 10, numbered=False)
    assert all(not p.endswith(")") for p in unnumbered)


def test_numbering_with_two_digit_totals() -> None:
    # 10 or more parts: " (10/12)" is 8 characters, so every part keeps room for two-digit numbers.
    text = "पाणी बंद. " * 60  # 600 weight
    parts = thread_parts(text, 60)
    assert len(parts) >= 10
    total = len(parts)
    for index, part in enumerate(parts, 1):
        assert part.endswith(f" ({index}/{total})")
        assert weighted_length(part) <= 60


def test_limit_too_small_for_a_url_is_an_error() -> None:
    try:
        split_text("https://www.pmc.gov.in/en " * 3, 20)
    except ValueError as error:
        assert "weighs more than 20" in str(error)
    else:
        raise AssertionError("expected ValueError")


# --- splitting: properties ---------------------------------------------------------------------------------

DEVANAGARI_WORDS = ["पाणी", "पुरवठा", "क्षत्रिय", "र्\u200dया", "श्री", "ज्ञान", "बंद।", "राहील॥", "नागरिकांनी"]
ENGLISH_WORDS = ["water", "supply", "Parvati", "Thursday.", "ward", "₹500", "…", "•", "(notice)", "e.g."]
EMOJI = ["🙏🏽", "⚠\ufe0f", "🇮🇳", "1\ufe0f\u20e3", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "📢", "©\ufe0f"]
URLS = [
    "pmc.gov.in",
    "https://www.pmc.gov.in/mr/water",
    "punecorporation.org/en/notice?id=4",
    "https://www.pmc.gov.in/mr/पाणी",
]
SPACES = [" ", "  ", "\n", "\n\n", " \t", "\u00a0"]

pieces = st.one_of(
    st.sampled_from(DEVANAGARI_WORDS),
    st.sampled_from(ENGLISH_WORDS),
    st.sampled_from(EMOJI),
    st.sampled_from(URLS),
    st.text(alphabet=st.characters(min_codepoint=0x0900, max_codepoint=0x097F), min_size=1, max_size=12),
)
texts = st.lists(st.tuples(pieces, st.sampled_from([*SPACES, "", ". ", "। "])), min_size=1, max_size=120).map(
    lambda items: "".join(word + gap for word, gap in items)
)
limits = st.integers(min_value=40, max_value=300)


def assert_cuts_on_grapheme_boundaries(text: str, chunks: list[str]) -> None:
    boundaries = {m.end() for m in GRAPHEME.finditer(text)}
    position = 0
    for chunk in chunks[:-1]:
        position += len(chunk)
        assert position in boundaries, (text, position)


def assert_cuts_outside_urls(text: str, chunks: list[str]) -> None:
    position = 0
    for chunk in chunks[:-1]:
        position += len(chunk)
        for start, end in find_urls(text):
            assert not start < position < end


@settings(deadline=None, max_examples=150)
@given(text=texts, limit=limits, reserve=st.integers(min_value=0, max_value=10))
def test_split_text_properties(text: str, limit: int, reserve: int) -> None:
    text = normalise(text)
    chunks = split_text(text, limit, reserve=reserve)
    assert "".join(chunks) == text
    for chunk in chunks:
        assert weighted_length(chunk.strip()) + reserve <= limit
    for chunk in chunks[1:]:
        assert chunk.strip(), "only the first chunk may start blank"
    assert_cuts_on_grapheme_boundaries(text, chunks)
    assert_cuts_outside_urls(text, chunks)


@settings(deadline=None, max_examples=150)
@given(text=texts, limit=limits)
def test_thread_parts_properties(text: str, limit: int) -> None:
    parts = thread_parts(text, limit)
    body = normalise(text).strip()
    if not body:
        assert parts == []
        return
    for part in parts:
        assert 0 < weighted_length(part) <= limit
    if weighted_length(body) <= limit:
        assert parts == [body]
        return
    total = len(parts)
    assert total >= 2
    stripped = []
    for index, part in enumerate(parts, 1):
        suffix = f" ({index}/{total})"
        assert part.endswith(suffix)
        stripped.append(part[: -len(suffix)])
    # the parts are the text's chunks, stripped: nothing lost but whitespace at the cuts
    chunks = split_text(body, limit, reserve=len(f" ({total}/{total})"))
    assert [c.strip() for c in chunks] == stripped


@settings(deadline=None, max_examples=100)
@given(text=texts)
def test_weighted_length_is_never_more_than_twice_the_code_points(text: str) -> None:
    text = normalise(text)
    # each code point weighs at most 2; URLs (23 each) only exceed that when shorter than 12 characters
    short_urls = sum(max(0, URL_WEIGHT - 2 * (b - a)) for a, b in find_urls(text))
    assert weighted_length(text) <= 2 * len(text) + short_urls


# --- the linear URL scanner against twitter-text's expression ----------------------------------------------

_REFERENCE = re.compile(reference_url_pattern())
_NO_SCHEME_BAD_BEFORE = "-_./"


def reference_find_urls(text: str) -> list[tuple[int, int]]:
    """find_urls as twitter-text's expression gives it (quadratic; fine on short texts)."""
    spans = []
    lowered = text.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))
    for match in _REFERENCE.finditer(lowered):
        scheme = match.group(3)
        if not scheme and match.group(1) and match.group(1)[-1] in _NO_SCHEME_BAD_BEFORE:
            continue
        start, end = match.span(2)
        tco = re.match(  # X's t.co links
            r"https?://t\.co/([a-z0-9]+)(?:\?[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@]*[a-z0-9\-_&=#/])?", match[2]
        )
        if scheme and tco:
            if len(tco.group(1)) > 40:
                continue
            end = start + tco.end()
        host = match.group(4)
        try:
            ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
        except UnicodeError:
            continue
        if host.isascii() and any(not 0 < len(label) < 64 for label in host.split(".")):
            continue
        if end - start + len(ascii_host) - len(host) + (0 if scheme else 8) <= 4096:
            spans.append((start, end))
    return spans


URL_FRAGMENTS = [
    *"abcehimnopstvwxz019-_./:@+#?=()!'é",
    "प",
    "ा",
    " ",
    "\n",
    "https://",
    "http://",
    "www.",
    "com",
    "gov",
    "in",
    "co",
    "tv",
    "tokyo",
    "xn--",
    "भारत",
    "भारतम्",
    "पुणे",
    "vermögensberatung",
    "t.co/",
    "PMC.Gov.IN",
]


@settings(deadline=None, max_examples=1500)
@given(st.lists(st.sampled_from(URL_FRAGMENTS), max_size=40).map("".join))
def test_find_urls_matches_twitter_texts_expression(text: str) -> None:
    text = normalise(text)
    assert find_urls(text) == reference_find_urls(text), text


def test_find_urls_matches_the_expression_on_tricky_hosts() -> None:
    for text in [
        "www.pmc.gov.in",
        "a.b.c.d.e.f.com.in.x",
        "a_b.pmc.com",
        "a.b_c.com",
        "-a.com a-.com a--b.com",
        "http://पुणे.भारत/x https://पुणे.भारतम्",
        "https://a.in http://b.in/ c.in/ d.in",
        "x.vermögensberatung/ x.verm",
        "a.xn--abc-d.com xn--p1ai.xn--p1ai",
        "vine.co co.co- tv.tv+ a.co@",
        "https://t.co/abc?x=1 http://t.co/" + "a" * 41,
        "(pmc.gov.in) [pmc.gov.in]! épmc.gov.in",
        "http://http://pmc.in",
    ]:
        assert find_urls(text) == reference_find_urls(text), text


# --- top-level domains: the complete list twitter-text uses ------------------------------------------------


def twitter_text_tlds(module: str) -> set[str]:
    """One of twitter-text-parser's TLD lists, read from its source file (its modules are never imported)."""
    source = distribution("twitter-text-parser").locate_file(f"twitter_text/regexp/{module}.py")
    text = Path(str(source)).read_text(encoding="utf-8")
    body = "".join(re.findall(r"'([^']*)'", text)).removeprefix("(?:(?:").split(")(?=", 1)[0]
    return set(body.split("|"))


def test_tld_file_is_twitter_texts_list() -> None:
    generic, country = tlds()
    assert generic.names == twitter_text_tlds("valid_gtld")
    assert country.names == twitter_text_tlds("valid_cctld")
    assert len(generic.names) + len(country.names) == 1574


def test_tld_file_names_its_source_and_date() -> None:
    header = (Path(xtext.__file__).parent / "data" / "tlds.txt").read_text("utf-8").splitlines()[:3]
    assert header[1] == (
        "# Source: PyPI package twitter-text-parser 3.0.0 "
        "(twitter_text/regexp/valid_gtld.py, twitter_text/regexp/valid_cctld.py)."
    )
    assert re.fullmatch(r"# Written by tools/update_tlds\.py on \d{4}-\d\d-\d\d\. .*", header[2])


def test_every_tld_makes_a_link() -> None:
    generic, country = tlds()
    for tld in sorted(generic.names):
        assert weighted_length(f"see shop.{tld} now") == 4 + 23 + 4, tld
    for tld in sorted(country.names):
        # a bare domain on a country code is no link (but .co and .tv); with a path or a scheme it is
        assert weighted_length(f"shop.{tld}/x") == 23, tld
        assert weighted_length(f"https://shop.{tld}") == 23, tld


def test_tlds_missing_from_the_old_short_list() -> None:
    assert weighted_length("shop.tokyo") == 23
    # .bharti is a TLD too: "kota.bharti." is a link and a full stop
    assert weighted_length("See pune.city.gov.tokyo and kota.bharti.") == 4 + 23 + 5 + 23 + 1
    assert spans_text("x.vermögensberatung/a") == ["x.vermögensberatung/a"]
