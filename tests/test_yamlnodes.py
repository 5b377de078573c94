"""The position-keeping YAML loader and the Reader's checks: exact messages, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmcpost import yamlnodes
from pmcpost.yamlnodes import Reader

F = "f.yaml"


def load_lines(text: str | bytes, max_bytes: int = 10_000) -> list[str]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return [str(d) for d in yamlnodes.load(data, F, max_bytes=max_bytes).diagnostics]


def read(text: str, what: str = "value") -> tuple[object, list[str]]:
    """Load ``key: <value>`` and read the value as text; return the result and the diagnostic lines."""
    loaded = yamlnodes.load(text.encode(), F, max_bytes=10_000)
    assert loaded.root is not None and isinstance(loaded.root, yamlnodes.MappingNode)
    r = Reader(F)
    value = r.string(loaded.root.value[0][1], what)
    return value, [str(d) for d in r.diagnostics]


def test_plain_mapping_loads() -> None:
    loaded = yamlnodes.load(b"a: b\nc: [1, 2]\n", F, max_bytes=100)
    assert loaded.diagnostics == []
    assert isinstance(loaded.root, yamlnodes.MappingNode)
    assert loaded.root.value[1][1].start_mark.line == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "f.yaml:1:1: error: the file is empty"),
        ("# a comment only\n", "f.yaml:1:1: error: the file is empty"),
        ("a: [b\n", "f.yaml:1:4: error: the '[' opened here is never closed: close it with ']' on the same line"),
        (
            "a: b\n c: d\n",
            "f.yaml:2:2: error: this line is indented differently from the line above: keys at the same level "
            "start in the same column (here 0 spaces from the left)",
        ),
        ("a: &x 1\n", "f.yaml:1:4: error: anchor '&x' is not allowed; write the value out in full"),
        (
            "a: 'x\x01'\n",
            "f.yaml:1:6: error: character U+0001 is not allowed in YAML (control characters are not allowed)",
        ),
        (
            "a: b\n---\nc: d\n",
            "f.yaml:2:1: error: a line of '---' starts a second document, but a file holds one announcement: "
            "delete that line",
        ),
        ("a: " + "[" * 2000 + "]" * 2000, "f.yaml:1:1003: error: YAML syntax error: exceeded maximum nesting depth"),
    ],
)
def test_load_problems(text: str, expected: str) -> None:
    assert load_lines(text) == [expected]


def test_alias_bomb_is_refused_before_expansion() -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    lines = load_lines("\n".join(levels) + "\n")
    assert lines[0] == "f.yaml:1:5: error: anchor '&a0' is not allowed; write the value out in full"
    assert lines[2] == "f.yaml:2:10: error: alias '*a0' is not allowed; write the value out in full"
    assert len(lines) == 9 + 8 * 9


def test_ampersand_in_text_is_not_an_anchor() -> None:
    assert load_lines('a: "Roads & Bridges *"\nb: R&D\n') == []


def test_too_large() -> None:
    assert load_lines("a: " + "x" * 200, max_bytes=100) == ["f.yaml: error: file is 203 bytes; the most allowed is 100"]


def test_not_utf8_points_at_the_byte() -> None:
    assert load_lines("a: पाणी\nb: ".encode() + b"caf\xe9\n") == [
        "f.yaml:2:7: error: byte 0xe9 is not valid UTF-8; save the file as UTF-8"
    ]


def test_nul() -> None:
    assert load_lines(b"a: b\x00\n") == ["f.yaml:1:5: error: the file holds a NUL character; it is not a text file"]


def test_bom_is_dropped() -> None:
    assert load_lines(b"\xef\xbb\xbfa: b\n") == []


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("no", "YAML reads 'no' as the boolean false"),
        ("Yes", "YAML reads 'Yes' as the boolean true"),
        ("on", "YAML reads 'on' as the boolean true"),
        ("10:30", "YAML reads '10:30' as the number 630"),
        ("1:00:00", "YAML reads '1:00:00' as the number 3600"),
        ("0755", "YAML reads '0755' as a number"),
        ("1.5", "YAML reads '1.5' as a number"),
        ("~", "YAML reads '~' as 'nothing' (null)"),
        ("2026-12-01", "YAML reads '2026-12-01' as a date"),
    ],
)
def test_yaml11_traps_in_text(value: str, hint: str) -> None:
    result, lines = read(f"title: {value}\n", "title")
    assert result is None
    assert lines == [f'f.yaml:1:8: error: title must be text: {hint}; put it in quotes: "{value}"']


def test_quoted_values_are_text() -> None:
    assert read('title: "10:30"\n') == ("10:30", [])
    assert read("title: 'no'\n") == ("no", [])


def test_explicit_int_tag_on_words_does_not_crash() -> None:
    _, lines = read("title: !!int 1:x\n", "title")
    assert lines == ["f.yaml:1:8: error: title must be text: YAML reads '1:x' as a number; put it in quotes: \"1:x\""]


def test_mapping_duplicates_and_boolean_keys() -> None:
    loaded = yamlnodes.load(b"a: 1\nyes: 2\na: 3\n[x]: 4\n", F, max_bytes=100)
    assert loaded.root is not None
    r = Reader(F)
    entries = r.mapping(loaded.root, "top")
    assert entries is not None and list(entries) == ["a"]
    assert [str(d) for d in r.diagnostics] == [
        "f.yaml:2:1: error: key 'yes' is read by YAML as a boolean; put it in quotes",
        "f.yaml:3:1: error: duplicate key 'a' (first at line 1); YAML would silently keep only the last one",
        "f.yaml:4:1: error: keys in top must be plain words, found a list",
    ]


def test_check_keys_hint_and_allowed_list() -> None:
    loaded = yamlnodes.load(b"publsh_at: 1\nzzz: 2\n", F, max_bytes=100)
    assert loaded.root is not None
    r = Reader(F)
    entries = r.mapping(loaded.root, "x")
    assert entries is not None
    r.check_keys(entries, {"publish_at", "kind"}, ("kind",), "the file", loaded.root)
    assert [str(d) for d in r.diagnostics] == [
        "f.yaml:1:1: error: unknown key 'publsh_at' in the file (did you mean 'publish_at'?)",
        "f.yaml:2:1: error: unknown key 'zzz' in the file (allowed: kind, publish_at)",
        "f.yaml:1:1: error: missing required key 'kind' in the file",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n: 12\n", (12, [])),
        ("n: 0\n", (None, ["f.yaml:1:4: error: n must be at least 1, found 0"])),
        ("n: 0x1F\n", (None, ["f.yaml:1:4: error: n must be a whole number written in decimal, found '0x1F'"])),
        ("n: 1.5\n", (None, ["f.yaml:1:4: error: n must be a whole number, found a number"])),
        ("n: '3'\n", (None, ["f.yaml:1:4: error: n must be a whole number, found text"])),
    ],
)
def test_integer(text: str, expected: tuple[object, list[str]]) -> None:
    loaded = yamlnodes.load(text.encode(), F, max_bytes=100)
    assert isinstance(loaded.root, yamlnodes.MappingNode)
    r = Reader(F)
    assert (r.integer(loaded.root.value[0][1], "n", minimum=1), [str(d) for d in r.diagnostics]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("b: true\n", (True, [])),
        ("b: no\n", (None, ["f.yaml:1:4: error: b: write true or false, not 'no'"])),
        ("b: 'true'\n", (None, ["f.yaml:1:4: error: b must be true or false, found text"])),
    ],
)
def test_boolean(text: str, expected: tuple[object, list[str]]) -> None:
    loaded = yamlnodes.load(text.encode(), F, max_bytes=100)
    assert isinstance(loaded.root, yamlnodes.MappingNode)
    r = Reader(F)
    assert (r.boolean(loaded.root.value[0][1], "b"), [str(d) for d in r.diagnostics]) == expected


# -- never an exception --------------------------------------------------------------------------------

YAMLISH = st.text(
    alphabet=st.sampled_from(list("ab01 :-,[]{}#&*!|>'\"?%@`~\n\t\\\r\x00\x01\x85\ufeff\u2028पा…")),
    max_size=300,
)


def _check(data: bytes) -> None:
    loaded = yamlnodes.load(data, F, max_bytes=1000)
    assert (loaded.root is None) == bool(loaded.diagnostics)
    for d in loaded.diagnostics:
        assert d.severity == "error" and d.path == F
        assert "\n" not in d.message


@settings(max_examples=500, deadline=None)
@given(YAMLISH)
def test_random_yamlish_text(text: str) -> None:
    _check(text.encode("utf-8", errors="surrogatepass"))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _check(data)
