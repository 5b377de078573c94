"""The everyday YAML slips of people who are not programmers, each with the exact message they see: the
mistake in plain words, at the line and column where it was made, the line itself with a caret under the
spot, and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo, tiny_png

from pmcpost.config import load_config
from pmcpost.validate import validate

G = GOOD_ANNOUNCEMENT
P = GOOD_PATH
MEDIA = G + 'media:\n  - path: content/a.png\n    alt:\n      mr: "नकाशा"\n      en: "Map"\n'


def shown(tmp_path: Path, text: str) -> list[str]:
    """What `pmcpost validate` prints for this announcement: each problem, then its line and a caret."""
    files: dict[str, str | bytes] = {P: text.encode("utf-8")}
    if "content/a.png" in text:
        files["content/a.png"] = tiny_png()
    report = validate(load_config(make_repo(tmp_path, files), environ={}), render=False)
    lines: list[str] = []
    for d in report.diagnostics:
        lines += [str(d), *d.pointer()]
    return lines


SLIPS: list[tuple[str, str, list[str]]] = [
    (
        "hash in hashtags on the last line (libyaml notices a line later)",
        G.replace("hashtags: [PMCWater]\n", "") + "hashtags: [#PMCWater]\n",
        [
            f"{P}:13:12: error: '#' starts a comment in YAML, so the rest of this line is ignored: write hashtags "
            "without '#', as in hashtags: [PMCWater]",
            "    hashtags: [#PMCWater]",
            "               ^",
        ],
    ),
    (
        "tab",
        G.replace('  en: "No water supply in', '\ten: "No water supply in'),
        [
            f"{P}:9:1: error: this line is indented with a tab, and YAML indents with spaces only: "
            "replace the tab with spaces",
            '    →en: "No water supply in Parvati on Thursday."',
            "    ^",
        ],
    ),
    (
        "colon in text",
        G.replace(
            '  en: "No water supply in Parvati on Thursday."', "  en: Note: no water supply in Parvati on Thursday."
        ),
        [
            f"{P}:9:11: error: a colon followed by a space inside text makes YAML read a new key: put "
            'the whole text in quotes: en: "Note: no water supply in Parvati on Thursday."',
            "      en: Note: no water supply in Parvati on Thursday.",
            "              ^",
        ],
    ),
    (
        "hash in hashtags",
        G.replace("hashtags: [PMCWater]", "hashtags: [#PMCWater]"),
        [
            f"{P}:11:12: error: '#' starts a comment in YAML, so the rest of this line is ignored: "
            "write hashtags without '#', as in hashtags: [PMCWater]",
            "    hashtags: [#PMCWater]",
            "               ^",
        ],
    ),
    (
        "hash second",
        G.replace("hashtags: [PMCWater]", "hashtags: [PMCWater, #PuneRains]"),
        [
            f"{P}:11:22: error: '#' starts a comment in YAML, so the rest of this line is ignored: "
            "write hashtags without '#', as in hashtags: [PMCWater, PuneRains]",
            "    hashtags: [PMCWater, #PuneRains]",
            "                         ^",
        ],
    ),
    (
        "empty approved_by",
        G.replace("approved_by: priya.shinde", "approved_by:"),
        [
            f"{P}:2:13: error: approved_by is empty: it is for the person who approves the post to fill "
            "in with their own id (priya.shinde, rahul.deshpande, smita.kulkarni); until then delete "
            "the line",
            "    approved_by:",
            "                ^",
        ],
    ),
    (
        "unclosed double",
        G.replace('  en: "No water supply in Parvati on Thursday."', '  en: "No water supply in Parvati on Thursday.'),
        [
            f'{P}:9:7: error: the quote " opened here is never closed: end the text with " on the same line',
            '      en: "No water supply in Parvati on Thursday.',
            "          ^",
        ],
    ),
    (
        "unclosed single",
        G.replace('  en: "No water supply in Parvati on Thursday."', "  en: 'No water supply in Parvati on Thursday."),
        [
            f"{P}:9:7: error: the quote ' opened here is never closed: end the text with ' on the same line",
            "      en: 'No water supply in Parvati on Thursday.",
            "          ^",
        ],
    ),
    (
        "no space kind",
        G.replace("kind: notice", "kind:notice"),
        [
            f"{P}:3:6: error: a space is missing after the colon: write 'kind: notice'",
            "    kind:notice",
            "         ^",
        ],
    ),
    (
        "no space mr",
        G.replace('  mr: "पर्वती', '  mr:"पर्वती'),
        [
            f"{P}:8:6: error: a space is missing after the colon: write 'mr: \"पर्वती परिसरात गुरुवारी "
            "पाणीपुरवठा बंद राहील.\"'",
            '      mr:"पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील."',
            "         ^",
        ],
    ),
    (
        "indent more",
        G.replace('  en: "No water supply in', '   en: "No water supply in'),
        [
            f"{P}:9:4: error: this line is indented differently from the line above: keys at the same "
            "level start in the same column (here 2 spaces from the left)",
            '       en: "No water supply in Parvati on Thursday."',
            "       ^",
        ],
    ),
    (
        "indent less",
        G.replace('  en: "No water supply in', ' en: "No water supply in'),
        [
            f"{P}:9:2: error: this line is indented differently from the line above: keys at the same "
            "level start in the same column (here 2 spaces from the left)",
            '     en: "No water supply in Parvati on Thursday."',
            "     ^",
        ],
    ),
    (
        "item wrong level",
        G + 'media:\n- path: content/a.png\n  alt:\n    mr: "नकाशा"\n    en: "Map"\n  - path: content/b.png\n',
        [
            f"{P}:19:3: error: this list item is at the wrong level: start its '-' in the same column "
            "as the item on line 15 (0 spaces from the left)",
            "      - path: content/b.png",
            "      ^",
        ],
    ),
    (
        "alt not under item",
        MEDIA.replace("    alt:\n", "  alt:\n"),
        [
            f"{P}:16:3: error: 'alt' belongs to the list item above, so it must line up with the text "
            "after that item's '- ': indent it 4 spaces from the left",
            "      alt:",
            "      ^",
        ],
    ),
    (
        "platform without dash",
        G + "platforms:\n  - twitter\n  facebook\n",
        [
            f"{P}:16:3: error: each item of a list starts with '- ': write '  - facebook'",
            "      facebook",
            "      ^",
        ],
    ),
    (
        "quote in quotes",
        G.replace('"No water supply in Parvati on Thursday."', '"Call the "24x7" helpline."'),
        [
            f'{P}:9:18: error: the text ended at the second ", but more follows on the line: to put " '
            "inside text quoted with \", quote the text with ' instead",
            '      en: "Call the "24x7" helpline."',
            "                     ^",
        ],
    ),
    (
        "apostrophe",
        G.replace('"No water supply in Parvati on Thursday."', "'Parvati's water supply is off.'"),
        [
            f"{P}:9:16: error: the text ended at the second ', but more follows on the line: to put ' "
            "inside text quoted with ', write it twice (''), or quote the text with \" instead",
            "      en: 'Parvati's water supply is off.'",
            "                   ^",
        ],
    ),
    (
        "at sign",
        G.replace('"No water supply in Parvati on Thursday."', "@PMCPune: no water in Parvati."),
        [
            f"{P}:9:7: error: in YAML, text cannot start with '@': put the text in quotes: \"@PMCPune: "
            'no water in Parvati."',
            "      en: @PMCPune: no water in Parvati.",
            "          ^",
        ],
    ),
    (
        "curly quotes",
        G.replace('"No water supply in Parvati on Thursday."', "“No water: Parvati, Thursday.”"),
        [
            f"{P}:9:7: error: curly quotes (“ ”) are not quotes to YAML: type straight quotes instead: "
            'en: "No water: Parvati, Thursday."',
            "      en: “No water: Parvati, Thursday.”",
            "          ^",
        ],
    ),
    (
        "missing colon",
        G.replace("text:\n", "text\n"),
        [
            f"{P}:7:5: error: a colon is missing at the end of this line: write 'text:'",
            "    text",
            "        ^",
        ],
    ),
    (
        "second document",
        G + "---\n",
        [
            f"{P}:14:1: error: a line of '---' starts a second document, but a file holds one "
            "announcement: delete that line",
            "    ---",
            "    ^",
        ],
    ),
    (
        "unclosed bracket",
        G.replace("hashtags: [PMCWater]", "hashtags: [PMCWater, PuneRains"),
        [
            f"{P}:11:11: error: the '[' opened here is never closed: close it with ']' on the same line",
            "    hashtags: [PMCWater, PuneRains",
            "              ^",
        ],
    ),
    (
        "block not indented",
        G.replace('  en: "No water supply in Parvati on Thursday."\n', "  en: >-\n  No water supply.\n"),
        [
            f"{P}:10:3: error: text after | or > must be indented more than the key above it: add "
            "spaces in front of this line",
            "      No water supply.",
            "      ^",
        ],
    ),
    (
        "text one string",
        G.replace(
            'text:\n  mr: "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील."\n  en: "No water supply in Parvati on Thursday."',
            'text: "पर्वती परिसरात पाणी बंद"',
        ),
        [
            f'{P}:7:7: error: text is given per language, each on its own line below text: (such as mr: "…" en: "…")',
            '    text: "पर्वती परिसरात पाणी बंद"',
            "          ^",
        ],
    ),
    (
        "nbsp",
        G.replace('  en: "No water supply in', '\u00a0 en: "No water supply in'),
        [
            f"{P}:9:1: error: this line starts with a non-breaking space (copied from a word processor "
            "or a web page), which YAML does not read as indentation: retype the spaces before 'en'",
            '    \xa0 en: "No water supply in Parvati on Thursday."',
            "    ^",
        ],
    ),
    (
        "no as false",
        G.replace('  en: "No water supply"', "  en: No"),
        [
            f"{P}:6:7: error: title.en must be text: YAML reads 'No' as the boolean false; put it in quotes: \"No\"",
            "      en: No",
            "          ^",
        ],
    ),
    (
        "hashtags not list",
        G.replace("hashtags: [PMCWater]", "hashtags: PMCWater"),
        [
            f"{P}:11:11: error: hashtags must be a list, written [a, b] or as lines starting with '- ', found text",
            "    hashtags: PMCWater",
            "              ^",
        ],
    ),
    (
        "date without time",
        G.replace('publish_at: "2026-12-01 18:00"', "publish_at: 2026-12-01"),
        [
            f"{P}:12:13: error: publish_at needs a time as well as a date, e.g. '2026-12-01 09:00'",
        ],
    ),
    (
        "hash comment cut",
        G.replace('"No water supply in Parvati on Thursday."', "No water supply #PMCWater in Parvati."),
        [
            f"{P}:9:23: error: text.en stops before '#PMCWater in Parvati.': after a space, '#' starts "
            "a YAML comment, so the rest of the line would not be posted; put the text in quotes or "
            "use >-, and hashtags go in hashtags:",
            "      en: No water supply #PMCWater in Parvati.",
            "                          ^",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in SLIPS], ids=[c[0] for c in SLIPS])
def test_everyday_slip(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert shown(tmp_path, text) == expected


def test_the_table_holds_at_least_twenty_slips() -> None:
    assert len(SLIPS) >= 20


def test_windows_line_endings_and_a_byte_order_mark_are_fine(tmp_path: Path) -> None:
    # Notepad saves both; neither is a mistake, so neither is reported.
    assert shown(tmp_path, "\ufeff" + G.replace("\n", "\r\n")) == []


def test_a_slip_in_a_crlf_file_is_shown_without_the_carriage_return(tmp_path: Path) -> None:
    text = G.replace("kind: notice", "kind:notice").replace("\n", "\r\n")
    assert shown(tmp_path, text) == [
        f"{P}:3:6: error: a space is missing after the colon: write 'kind: notice'",
        "    kind:notice",
        "         ^",
    ]


def test_validate_prints_the_line_and_a_caret_and_json_keeps_its_fields(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from pmcpost.cli import cli

    root = make_repo(tmp_path, {P: G.replace("hashtags: [PMCWater]", "hashtags: [#PMCWater]")})
    env = {"PMCPOST_LANG": "en", "NO_COLOR": "1"}
    text = CliRunner().invoke(cli, ["--root", str(root), "validate"], env=env)
    assert text.exit_code == 1
    assert text.stdout.splitlines() == [
        f"{P}:11:12: error: '#' starts a comment in YAML, so the rest of this line is ignored: write hashtags "
        "without '#', as in hashtags: [PMCWater]",
        "    hashtags: [#PMCWater]",
        "               ^",
    ]
    as_json = CliRunner().invoke(cli, ["--root", str(root), "validate", "--format", "json"], env=env)
    [entry] = json.loads(as_json.stdout)
    assert sorted(entry) == ["column", "line", "message", "path", "severity"]


def test_a_very_long_line_is_shown_around_the_spot() -> None:
    from pmcpost.diagnostics import Diagnostic

    line = "a: " + "x" * 300 + " #oops" + "y" * 300
    d = Diagnostic("f.yaml", 1, 305, "error", "m", line)
    shown, caret = d.pointer()
    assert shown == "    …" + line[254:354] + "…"
    assert caret.index("^") - 4 == 305 - 1 - 254 + 1
    assert shown[caret.index("^")] == line[304] == "#"
