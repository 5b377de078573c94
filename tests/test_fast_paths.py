"""The shortcuts that keep `pmcpost validate` fast give exactly what the plain definitions give.

Each plain definition below is the straightforward version the fast code replaced; random texts built from
the characters where the two could part (whitespace of every kind, closing quotes, sentence ends, combining
marks, characters on both sides of U+10FF, emoji parts, links) must get the same answer from both.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import jinja2
import pytest
import regex
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pmcpost import xtext, yamlnodes
from pmcpost.render import _tidy, sandbox_environment
from pmcpost.template_limits import RenderLimits, render_limited

TRICKY = [
    *" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2002\u2028\u2029\u202f\u3000",  # whitespace, line breaks
    *".?!\u0964\u0965",  # sentence ends
    *"\"')]}\u2019\u201d\u00bb",  # closers
    "\u093e",  # vowel sign AA (spacing mark)
    "\u094d",  # virama (extend)
    "\u0301",  # combining acute (extend)
    "\u200d",  # zero width joiner
    "\u200c",  # zero width non-joiner
    "\u10ff",  # the last code point of the light range
    "\u1100",  # the first beyond it (weighs 2)
    "\u20b9",  # rupee sign (weighs 2)
    "\u2014",  # em dash (weighs 1)
    "\ufe0f",  # variation selector 16
    "\U0001f44d",  # thumbs up
    "\U0001f3fd",  # skin tone
    "\U0001f1ee\U0001f1f3",  # flag of India
    "पाणी",
    "water",
    "pmc.gov.in",
    "https://www.pmc.gov.in/en/roads",
    "#PuneCity",
]
tricky_texts = st.lists(st.sampled_from(TRICKY), max_size=40).map("".join)


# -- where a thread may be cut ----------------------------------------------------------------------------
def plain_cut_points(text: str) -> tuple[list[int], list[int]]:
    joins = regex.compile(
        r"[\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=SpacingMark}\p{Grapheme_Cluster_Break=ZWJ}]"
    ).match
    sentences: list[int] = []
    words: list[int] = []
    for m in re.finditer(r"\s+", text):
        position = m.end()
        if position < len(text) and joins(text, position):
            continue
        words.append(position)
        before = m.start()
        while before > 0 and text[before - 1] in "\"')]}\u2019\u201d\u00bb":
            before -= 1
        line_break = any(c in "\n\r\u2028\u2029\x0b\x0c\x85" for c in m.group())
        if (before > 0 and text[before - 1] in ".?!\u0964\u0965") or line_break:
            sentences.append(position)
    return sentences, words


@settings(deadline=None, max_examples=400)
@given(text=tricky_texts)
def test_cut_points_are_the_plain_definitions(text: str) -> None:
    cuts = xtext._CutPoints(text)
    assert (cuts.sentences, cuts.words) == plain_cut_points(text)


def test_cut_points_of_a_marathi_paragraph() -> None:
    text = "पाणीपुरवठा बंद राहील. \u201cनागरिकांनी\u201d पाणी साठवावे!\n\nधन्यवाद \u093eअ"
    cuts = xtext._CutPoints(text)
    assert (cuts.sentences, cuts.words) == ([22, 50], [11, 15, 22, 35, 40, 50])


def test_whitespace_class_is_pythons() -> None:
    spelled = re.compile(f"[{xtext._WHITESPACE}]")
    assert [c for c in map(chr, range(0x110000)) if spelled.match(c)] == [
        c for c in map(chr, range(0x110000)) if c.isspace()
    ]


# -- X's weighted length ----------------------------------------------------------------------------------
def plain_weighted_length(text: str) -> int:
    """weighted_length without the shortcut for text that holds nothing above U+10FF."""
    text = xtext.normalise(text)
    if not text.strip(xtext._JAVA_TRIM):
        return 0
    n = len(text)
    urls = dict(xtext.find_urls(text))
    emoji = xtext._emoji_sequences(text)
    total = pos = 0
    for start in sorted(urls.keys() | emoji.keys()):
        if start < pos:
            continue
        total += (start - pos) + xtext._heavy(text, pos, start)
        total += xtext.URL_WEIGHT if start in urls else 2
        pos = urls[start] if start in urls else emoji[start]
    return total + (n - pos) + xtext._heavy(text, pos, n)


@settings(deadline=None, max_examples=400)
@given(text=tricky_texts)
def test_weighted_length_is_the_plain_walk(text: str) -> None:
    assert xtext.weighted_length(text) == plain_weighted_length(text)


# -- tidying a rendered post ------------------------------------------------------------------------------
def plain_tidy(text: str) -> str:
    lines = [line.rstrip() for line in unicodedata.normalize("NFC", text).strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out)


# Composing pairs and their blockers: a base and marks that compose with it (e + acute, A + ring), marks of the
# same and of another combining class, a Hangul syllable and the jamo that compose with it, Devanagari with a
# nukta (its composition is excluded), and a singleton NFC always replaces (the Angstrom sign).
COMPOSING = [*"eA\u0301\u030a\u0323\u0327\u0345", *"\u1100\u1161\u11a8\uac00", *"\u0915\u093c\u0958", "\u212b"]


@settings(deadline=None, max_examples=500)
@given(text=st.lists(st.sampled_from(COMPOSING + TRICKY), max_size=30).map("".join), data=st.data())
def test_a_piece_of_an_nfc_text_is_nfc(text: str, data: st.DataObject) -> None:
    """What splitting a post relies on to measure its pieces without normalising each again."""
    nfc = unicodedata.normalize("NFC", text)
    start = data.draw(st.integers(min_value=0, max_value=len(nfc)))
    end = data.draw(st.integers(min_value=start, max_value=len(nfc)))
    piece = nfc[start:end]
    assert unicodedata.normalize("NFC", piece) == piece
    assert unicodedata.normalize("NFC", piece.strip()) == piece.strip()


@settings(deadline=None, max_examples=300)
@given(
    text=st.lists(st.sampled_from([*TRICKY, "पाणीपुरवठा बंद राहील. ", "Water supply will be shut. "]), max_size=60).map(
        "".join
    ),
    limit=st.integers(min_value=30, max_value=300),
    numbered=st.booleans(),
)
def test_thread_parts_know_their_own_weights(text: str, limit: int, numbered: bool) -> None:
    """The lengths the splitting hands back (so validate need not measure again) are the parts' weights."""
    try:
        measured = xtext.measured_thread_parts(text, limit, numbered=numbered)
    except ValueError:  # an unbreakable piece longer than the limit
        return
    assert [(part, xtext.weighted_length(part)) for part, _ in measured] == measured


@settings(deadline=None, max_examples=300)
@given(text=st.lists(st.sampled_from([*TRICKY, "\n", "\n\n", "\n \n", "\r\n", "e\u0301"]), max_size=40).map("".join))
def test_tidy_is_the_plain_definition(text: str) -> None:
    assert _tidy(text) == plain_tidy(text)


# -- the sandbox's attribute look-ups ---------------------------------------------------------------------
LOOKUPS = [
    "{{ d.name }}",
    "{{ d.missing is defined }}",
    "{{ d.items()|list }}",
    "{{ d.keys()|list }}",
    "{{ d.get('name') }}",
    "{% for x in [1, 2, 3] %}{{ loop.first }}{{ loop.last }}{{ loop.index }}{{ loop.revindex }}{{ loop.length }}"
    "{{ loop.previtem is defined }}{{ loop.nextitem is defined }}{{ loop.cycle('a', 'b') }}{{ loop.changed(x) }}"
    "{{ loop.depth }}{{ loop.index0 }}{{ loop.depth0 }}{% endfor %}",
]
REFUSED = [
    "{{ d.pop('name') }}",
    "{{ d.clear() }}",
    "{{ d.__class__ }}",
    "{% for x in [1] %}{{ loop.__class__ }}{% endfor %}",
    "{% for x in [1] %}{{ loop._iterator }}{% endfor %}",
]


def plain_sandbox() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)


def limited(tmp_path: Path, source: str) -> str:
    (tmp_path / "t.j2").write_text(source, encoding="utf-8")
    env = sandbox_environment([tmp_path], autoescape=False)
    env.globals["greeting"] = "namaskar"
    return render_limited(env.get_template("t.j2"), {"d": {"name": "पुणे"}}, RenderLimits())


@pytest.mark.parametrize("source", LOOKUPS)
def test_attribute_look_ups_answer_as_the_sandbox(tmp_path: Path, source: str) -> None:
    assert limited(tmp_path, source) == plain_sandbox().from_string(source).render(d={"name": "पुणे"})


@pytest.mark.parametrize("source", REFUSED)
def test_attribute_look_ups_refused_as_by_the_sandbox(tmp_path: Path, source: str) -> None:
    def refusal(render: Any) -> type[BaseException]:
        with pytest.raises(jinja2.TemplateError) as caught:
            render()
        return type(caught.value)

    assert refusal(lambda: limited(tmp_path, source)) == refusal(
        lambda: plain_sandbox().from_string(source).render(d={"name": "पुणे"})
    )


def test_globals_and_imports_reach_the_template(tmp_path: Path) -> None:
    (tmp_path / "macros.j2").write_text("{% macro hello() %}{{ greeting }}{% endmacro %}", encoding="utf-8")
    source = '{% import "macros.j2" as m %}{{ greeting }} {{ m.hello() }} {{ range(3)|list }} {{ d.name }}'
    assert limited(tmp_path, source) == "namaskar namaskar [0, 1, 2] पुणे"


# -- YAML tags --------------------------------------------------------------------------------------------
SCALARS = ["", "yes", "No", "on", "~", "null", "10:30", "1_000", "0x1F", "0o17", "1e3", ".inf", "-.NaN", "<<", "="]
SCALARS += ["2026-12-01", "2026-12-01 10:30", "2026-12-01T10:30:00+05:30", "+12", "-3.5", "पाणी", "#x", "text"]


@pytest.mark.parametrize("value", SCALARS)
def test_tags_resolve_as_pyyaml_resolves_them(value: str) -> None:
    ours: Any = yamlnodes._NodeLoader("")
    theirs: Any = yaml.CSafeLoader("")
    for implicit in [(True, False), (False, True)]:
        assert ours.resolve(yaml.ScalarNode, value, implicit) == theirs.resolve(yaml.ScalarNode, value, implicit)
    for kind in (yaml.SequenceNode, yaml.MappingNode):
        assert ours.resolve(kind, None, (False, False)) == theirs.resolve(kind, None, (False, False))


def test_composed_nodes_are_pyyamls() -> None:
    text = "a: yes\nb: [1, 2.5, ~, '10:30', 2026-12-01]\nc: {d: पुणे, e: !!str 3}\nf: |\n  x\n"

    def shape(node: Any) -> Any:
        if isinstance(node, yaml.MappingNode):
            return node.tag, [(shape(k), shape(v)) for k, v in node.value]
        if isinstance(node, yaml.SequenceNode):
            return node.tag, [shape(v) for v in node.value]
        return node.tag, node.value, node.style, node.start_mark.line, node.start_mark.column

    pyyamls = shape(yaml.compose(text, Loader=yaml.CSafeLoader))
    assert shape(yaml.compose(text, Loader=yamlnodes._NodeLoader)) == pyyamls
    assert shape(yamlnodes.compose(text)) == pyyamls
