"""Every announcement rule, each asserted as the exact diagnostic line a coordinator would see."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo, real_config_text, tiny_png
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmcpost.config import Config, load_config
from pmcpost.content import discover_names, load_announcements, media_limits, parse_announcement, parse_time
from pmcpost.validate import validate

G = GOOD_ANNOUNCEMENT
P = GOOD_PATH
ALT = '    alt:\n      mr: "पर्वती भागाचा नकाशा"\n      en: "Map of the Parvati area"\n'


def check(tmp_path: Path, files: dict[str, str | bytes], *, config_text: str | None = None) -> list[str]:
    root = make_repo(tmp_path, files, config_text=config_text)
    config = load_config(root, environ={})
    report = validate(config, render=False)
    assert report.files == len([f for f in files if f.endswith((".yaml", ".yml"))])
    return [str(d) for d in report.diagnostics]


def test_the_digest_of_the_file_is_kept_unless_the_announcements_are_dropped(tmp_path: Path) -> None:
    """Publishing records each file's sha256 (a changed file is not posted twice); a large validate run, whose
    workers drop every announcement once checked, computes none."""
    import hashlib

    root = make_repo(tmp_path, {P: G})
    config = load_config(root, environ={})
    digest = hashlib.sha256((root / P).read_bytes()).hexdigest()
    [kept] = validate(config, render=False).announcements
    assert kept.source_sha256 == digest
    assert [a.source_sha256 for a in load_announcements(config, [root / P]).announcements] == [digest]
    assert [a.source_sha256 for a in load_announcements(config, [root / P], digests=False).announcements] == [""]


def test_good_announcement_loads(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {P: G})
    report = validate(load_config(root, environ={}), render=False)
    assert report.diagnostics == []
    [a] = report.announcements
    assert a.id == "water-supply/2026-12-01-shutdown"
    assert (a.coordinator, a.approved_by, a.kind) == ("anil.jadhav", "priya.shinde", "notice")
    assert a.publish_at.isoformat() == "2026-12-01T18:00:00+05:30"
    assert a.platforms == ("twitter", "facebook", "website")
    assert a.text["mr"] == "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील."


def test_the_repositorys_own_content_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parent.parent, environ={})
    report = validate(config, render=False)
    assert report.files >= 8
    assert [str(d) for d in report.diagnostics] == []


CASES: list[tuple[str, str, list[str]]] = [
    (
        "syntax error names where the bracket opened",
        G + "platforms: [twitter\n",
        [f"{P}:14:12: error: the '[' opened here is never closed: close it with ']' on the same line"],
    ),
    (
        "duplicate key",
        G + "kind: alert\n",
        [f"{P}:14:1: error: duplicate key 'kind' (first at line 3); YAML would silently keep only the last one"],
    ),
    (
        "unknown key with a hint",
        G + "publsh_at: x\n",
        [f"{P}:14:1: error: unknown key 'publsh_at' in the announcement (did you mean 'publish_at'?)"],
    ),
    (
        "wrong type: a string where a list belongs",
        G.replace("hashtags: [PMCWater]", "hashtags: PMCWater"),
        [f"{P}:11:11: error: hashtags must be a list, written [a, b] or as lines starting with '- ', found text"],
    ),
    (
        "wrong type: text that is not per language",
        G.replace('text:\n  mr: "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील."\n', 'text: "No water"\n').replace(
            '  en: "No water supply in Parvati on Thursday."\n', ""
        ),
        [f'{P}:7:7: error: text is given per language, each on its own line below text: (such as mr: "…" en: "…")'],
    ),
    (
        "YAML 1.1: no is false",
        G.replace('en: "No water supply"', "en: no"),
        [f"""{P}:6:7: error: title.en must be text: YAML reads 'no' as the boolean false; put it in quotes: "no\""""],
    ),
    (
        "YAML 1.1: 10:30 is 630",
        G.replace('en: "No water supply"', "en: 10:30"),
        [f"{P}:6:7: error: title.en must be text: YAML reads '10:30' as the number 630; put it in quotes: \"10:30\""],
    ),
    (
        "YAML 1.1: an unquoted date where text was meant",
        G.replace('en: "No water supply"', "en: 2026-12-01"),
        [f"{P}:6:7: error: title.en must be text: YAML reads '2026-12-01' as a date; put it in quotes: \"2026-12-01\""],
    ),
    (
        "missing required keys",
        G.replace("kind: notice\n", "").replace('publish_at: "2026-12-01 18:00"\n', ""),
        [
            f"{P}:1:1: error: missing required key 'kind' in the announcement",
            f"{P}:1:1: error: missing required key 'publish_at' in the announcement",
        ],
    ),
    (
        "missing approval while the policy requires it",
        G.replace("approved_by: priya.shinde\n", ""),
        [
            f"{P}:1:1: error: missing required key 'approved_by': policy requires a second person's approval "
            "(the department's other coordinator or a cell member); ask them to review your pull request, "
            "and the one who approves adds approved_by: <their id>"
        ],
    ),
    (
        "coordinator of another department",
        G.replace("coordinator: anil.jadhav", "coordinator: vikas.more"),
        [
            f"{P}:1:14: error: 'vikas.more' is not a registered coordinator of water-supply "
            "(its coordinators: anil.jadhav, priya.shinde)"
        ],
    ),
    (
        "approver who may not approve",
        G.replace("approved_by: priya.shinde", "approved_by: neha.kale"),
        [
            f"{P}:2:14: error: 'neha.kale' may not approve for water-supply (a coordinator of another "
            "department); who may: priya.shinde, rahul.deshpande, smita.kulkarni"
        ],
    ),
    (
        "approver id misspelt",
        G.replace("approved_by: priya.shinde", "approved_by: priya.shinda"),
        [
            f"{P}:2:14: error: 'priya.shinda' may not approve for water-supply (did you mean 'priya.shinde'?); "
            "who may: priya.shinde, rahul.deshpande, smita.kulkarni"
        ],
    ),
    (
        "approver nobody knows",
        G.replace("approved_by: priya.shinde", "approved_by: commissioner"),
        [
            f"{P}:2:14: error: 'commissioner' may not approve for water-supply (nobody with that id is registered "
            "in config.yaml); who may: priya.shinde, rahul.deshpande, smita.kulkarni"
        ],
    ),
    (
        "approved_by left empty",
        G.replace("approved_by: priya.shinde", "approved_by:"),
        [
            f"{P}:2:13: error: approved_by is empty: it is for the person who approves the post to fill in with "
            "their own id (priya.shinde, rahul.deshpande, smita.kulkarni); until then delete the line"
        ],
    ),
    (
        "Marathi text with no Devanagari (a legacy font)",
        G.replace("पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील.", "pavaRtI pairsarat gau$vaarI paaNaIpurvazA baMd"),
        [
            f"{P}:8:7: warning: text.mr: the Marathi text holds no Devanagari letters: it may be English pasted in "
            "the wrong place, or typed in an old Marathi font that shows Latin letters as Marathi (they would be "
            "posted as Latin gibberish); type it with a Unicode Marathi keyboard (such as Google Input Tools or "
            "InScript)"
        ],
    ),
    (
        "English text in Devanagari",
        G.replace("No water supply in Parvati on Thursday.", "पर्वती परिसरात पाणी नाही (Parvati)"),
        [
            f"{P}:9:7: warning: text.en: the English text is mostly in Devanagari: did you put the Marathi text "
            "under en:?"
        ],
    ),
    (
        "self-approval",
        G.replace("approved_by: priya.shinde", "approved_by: anil.jadhav"),
        [
            f"{P}:2:14: error: 'anil.jadhav' cannot approve their own post; ask the department's other "
            "coordinator or a cell member"
        ],
    ),
    (
        "a cell member may approve",
        G.replace("approved_by: priya.shinde", "approved_by: smita.kulkarni"),
        [],
    ),
    (
        "unknown platforms",
        G + "platforms: [twiter, myspace]\n",
        [
            f"{P}:14:13: error: unknown platform 'twiter' (did you mean 'twitter'?)",
            f"{P}:14:21: error: unknown platform 'myspace'",
        ],
    ),
    (
        "platform listed twice",
        G + "platforms: [twitter, twitter]\n",
        [f"{P}:14:22: warning: platform 'twitter' is listed twice"],
    ),
    (
        "language not configured",
        G.replace('  en: "No water supply"\n', '  en: "No water supply"\n  hi: "पानी नहीं"\n'),
        [f"{P}:7:3: error: language 'hi' is not configured (configured: mr, en)"],
    ),
    (
        "primary language missing from text",
        G.replace('  mr: "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील."\n', ""),
        [f"{P}:8:3: error: text needs the primary language 'mr'"],
    ),
    (
        "non-https link",
        G.replace("https://www", "http://www"),
        [f"{P}:10:7: error: link must start with https:// (found 'http://www.pmc.gov.in/en/water-supply')"],
    ),
    (
        "kind outside the list",
        G.replace("kind: notice", "kind: Notice"),
        [f"{P}:3:7: error: kind must be one of alert, notice, scheme, project, event, found 'Notice'"],
    ),
    (
        "expires_at before publish_at",
        G.replace('expires_at: "2026-12-03 21:00"', 'expires_at: "2026-12-01 09:00"'),
        [f"{P}:13:13: error: expires_at is not after publish_at; the post could never go out"],
    ),
    (
        "publish_at without a time",
        G.replace('publish_at: "2026-12-01 18:00"', "publish_at: 2026-12-01"),
        [f"{P}:12:13: error: publish_at needs a time as well as a date, e.g. '2026-12-01 09:00'"],
    ),
    (
        "publish_at out of any real range",
        G.replace('expires_at: "2026-12-03 21:00"', 'expires_at: "9999-12-31T23:59-14:00"'),
        [
            f"{P}:13:13: error: expires_at '9999-12-31T23:59-14:00' is not a date and time; write it as "
            "'YYYY-MM-DD HH:MM' (India time) or with an offset, e.g. '2026-12-03T09:00+05:30'"
        ],
    ),
    (
        "empty file",
        "",
        [f"{P}:1:1: error: the announcement file is empty"],
    ),
    (
        "only comments",
        "# nothing yet\n",
        [f"{P}:1:1: error: the announcement file is empty"],
    ),
    (
        "top level is a list",
        "- coordinator: anil.jadhav\n",
        [f"{P}:1:1: error: an announcement file (its top level) must be made of key: value lines, found a list"],
    ),
    (
        "anchors and aliases refused",
        G + "overrides:\n  twitter: &short {link: https://pmc.gov.in/x}\n  facebook: *short\n",
        [
            f"{P}:15:12: error: anchor '&short' is not allowed; write the value out in full",
            f"{P}:16:13: error: alias '*short' is not allowed; write the value out in full",
        ],
    ),
    (
        "a control character",
        G.replace('en: "No water supply"', 'en: "No water\x07 supply"'),
        [f"{P}:6:16: error: character U+0007 is not allowed in YAML (control characters are not allowed)"],
    ),
    (
        "a second document",
        G + "---\nkind: alert\n",
        [
            f"{P}:14:1: error: a line of '---' starts a second document, but a file holds one announcement: "
            "delete that line"
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_announcement_rule(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert check(tmp_path, {P: text}) == expected


def test_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    data = G.encode() + b"kind: \xe0\xa4\n"
    assert check(tmp_path, {P: data}) == [f"{P}:14:7: error: byte 0xe0 is not valid UTF-8; save the file as UTF-8"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    assert check(tmp_path, {P: b"\xef\xbb\xbf" + G.encode()}) == []


def test_nul_byte(tmp_path: Path) -> None:
    data = G.encode() + b"\x00"
    assert check(tmp_path, {P: data}) == [f"{P}:14:1: error: the file holds a NUL character; it is not a text file"]


def test_file_too_large(tmp_path: Path) -> None:
    text = G + "# " + "x" * 70_000 + "\n"
    size = len(text.encode())
    assert check(tmp_path, {P: text}) == [
        f"{P}: error: announcement file is {size:,} bytes; the most allowed is 65,536"
    ]


def test_huge_file_is_refused_with_its_size_and_not_read_whole(tmp_path: Path) -> None:
    # A sparse 3 GB file: reading it whole would need 3 GB of memory.
    root = make_repo(tmp_path, {P: G})
    with open(root / P, "r+b") as fh:
        fh.truncate(3 * 1024**3)
    report = validate(load_config(root, environ={}), [root / P])
    assert [str(d) for d in report.diagnostics] == [
        f"{P}: error: announcement file is {3 * 1024**3:,} bytes; the most allowed is 65,536"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_named_as_a_file_is_an_error_not_a_wait(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {})
    (root / P).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / P)  # nobody ever writes into it: reading must not wait for a writer
    report = validate(load_config(root, environ={}), [root / P])
    assert [str(d) for d in report.diagnostics] == [f"{P}:1:1: error: the announcement file is empty"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_what_a_walk_of_the_content_folder_lists(tmp_path: Path) -> None:
    """YAML files, links (refused later, by name) and what lies in folders, even one named like a YAML file;
    not other files, nor a named pipe that only looks like one. Each once, sorted, also when the folders asked
    for overlap."""
    root = make_repo(tmp_path, {P: G, "content/roads/notes.txt": "x", "content/roads/old.yaml/2026-12-01-a.yaml": G})
    os.mkfifo(root / "content/roads/2026-12-02-pipe.yaml")
    os.symlink(root / P, root / "content/roads/2026-12-03-linked.yaml")
    os.symlink(root / "content/roads/old.yaml", root / "content/roads/linked-folder")
    os.symlink(root / "content/roads/notes.txt", root / "content/roads/linked-notes")
    config = load_config(root, environ={})
    expected = [
        str(root / name)
        for name in (
            "content/roads/2026-12-03-linked.yaml",
            "content/roads/linked-folder",
            "content/roads/old.yaml/2026-12-01-a.yaml",
            P,
        )
    ]
    assert discover_names(config) == expected
    assert discover_names(config, [root / "content", root / "content/roads", root / P]) == expected


def test_file_name_date_disagrees_with_publish_at(tmp_path: Path) -> None:
    path = "content/water-supply/2026-12-02-shutdown.yaml"
    assert check(tmp_path, {path: G}) == [
        f"{path}:12:13: error: publish_at is on 2026-12-01 but the file name says 2026-12-02; "
        "rename the file or fix the date"
    ]


def test_file_name_without_a_date(tmp_path: Path) -> None:
    path = "content/water-supply/Shutdown.yaml"
    assert check(tmp_path, {path: G}) == [
        f"{path}: error: file name 'Shutdown.yaml' must be <YYYY-MM-DD>-<slug>.yaml, with a lower-case "
        "slug such as 2026-12-03-water-cut-kothrud.yaml"
    ]


def test_file_name_date_that_does_not_exist(tmp_path: Path) -> None:
    path = "content/water-supply/2026-02-30-shutdown.yaml"
    assert check(tmp_path, {path: G}) == [f"{path}: error: the file name's date '2026-02-30' is not a real date"]


def test_department_key_disagrees_with_folder(tmp_path: Path) -> None:
    path = "content/roads/2026-12-01-shutdown.yaml"
    text = G.replace(
        "coordinator: anil.jadhav\napproved_by: priya.shinde", "coordinator: vikas.more\napproved_by: neha.kale"
    )
    assert check(tmp_path, {path: text + "department: water-supply\n"}) == [
        f"{path}:14:13: error: department 'water-supply' disagrees with the folder 'roads'; "
        "move the file or correct the key"
    ]


def test_folder_that_is_not_a_department(tmp_path: Path) -> None:
    path = "content/water/2026-12-01-shutdown.yaml"
    assert check(tmp_path, {path: G}) == [
        f"{path}: error: folder 'water' is not a department registered in config.yaml (did you mean 'water-supply'?)"
    ]


def test_file_nested_too_deep(tmp_path: Path) -> None:
    path = "content/water-supply/2026/2026-12-01-shutdown.yaml"
    assert check(tmp_path, {path: G}) == [
        f"{path}: error: announcement files belong directly in content/<department>/, not in water-supply/2026"
    ]


def test_duplicate_ids(tmp_path: Path) -> None:
    other = P.replace(".yaml", ".yml")
    assert check(tmp_path, {P: G, other: G}) == [
        f"{other}: error: duplicate id 'water-supply/2026-12-01-shutdown': {P} has it too"
    ]


def test_duplicate_ids_in_slices_far_apart(tmp_path: Path) -> None:
    # Files whose names sort between the two (and fail to load for their names) put the first and the last
    # file in different slices, checked by different processes: only the merged results show the duplicate.
    from pmcpost import validate as validate_module

    first, last = P, P.replace(".yaml", ".yml")
    files: dict[str, str | bytes] = {first: G, last: G}
    between = [P.replace(".yaml", f".yaml-{i:04d}.yaml") for i in range(validate_module.PARALLEL_THRESHOLD)]
    files.update(dict.fromkeys(between, G))
    assert sorted(files) == [first, *between, last]
    root = make_repo(tmp_path, files)
    report = validate(load_config(root, environ={}), jobs=2, render=False)
    assert report.files == len(files)
    assert [str(d) for d in report.diagnostics if "duplicate" in d.message] == [
        f"{last}: error: duplicate id 'water-supply/2026-12-01-shutdown': {first} has it too"
    ]
    assert len(report.diagnostics) == 1 + len(between)  # each name between is wrong


def test_duplicate_ids_across_worker_processes(tmp_path: Path) -> None:
    # Enough files to cross the parallel threshold, so the check runs over merged worker results.
    from pmcpost import validate as validate_module

    files: dict[str, str | bytes] = {
        f"content/water-supply/2026-12-01-n{i:04d}.yaml": G for i in range(validate_module.PARALLEL_THRESHOLD)
    }
    other = "content/water-supply/2026-12-01-n0000.yml"
    files[other] = G
    root = make_repo(tmp_path, files)
    report = validate(load_config(root, environ={}), jobs=2, render=False)
    assert report.files == len(files)
    assert [str(d) for d in report.diagnostics] == [
        f"{other}: error: duplicate id 'water-supply/2026-12-01-n0000': "
        "content/water-supply/2026-12-01-n0000.yaml has it too"
    ]


def test_disabled_platform(tmp_path: Path) -> None:
    config_text = real_config_text().replace("  website:\n    enabled: true", "  website:\n    enabled: false")
    config_text = config_text.replace("default_platforms: [twitter, facebook, website]", "default_platforms: [twitter]")
    assert check(tmp_path, {P: G + "platforms: [website]\n"}, config_text=config_text) == [
        f"{P}:14:13: error: platform 'website' is disabled in config.yaml"
    ]


def test_every_problem_in_every_file_in_one_run(tmp_path: Path) -> None:
    second = "content/roads/2026-12-01-closure.yaml"
    lines = check(
        tmp_path,
        {
            P: G.replace("kind: notice", "kind: notise") + "publsh_at: x\n",
            second: "",
        },
    )
    assert lines == [
        f"{second}:1:1: error: the announcement file is empty",
        f"{P}:3:7: error: kind must be one of alert, notice, scheme, project, event, found 'notise'",
        f"{P}:14:1: error: unknown key 'publsh_at' in the announcement (did you mean 'publish_at'?)",
    ]


# -- media -------------------------------------------------------------------------------------------


def media(path: str, alt: str = ALT) -> str:
    return G + f"media:\n  - path: {path}\n" + alt


def test_media_that_is_fine(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {P: media("content/water-supply/map.png"), "content/water-supply/map.png": tiny_png()})
    report = validate(load_config(root, environ={}), render=False)
    assert report.diagnostics == []
    [m] = report.announcements[0].media
    assert (m.path, m.mime, m.alt["mr"]) == ("content/water-supply/map.png", "image/png", "पर्वती भागाचा नकाशा")


def test_media_missing(tmp_path: Path) -> None:
    assert check(tmp_path, {P: media("content/water-supply/map.png")}) == [
        f"{P}:15:11: error: media[0].path 'content/water-supply/map.png': no such file in the repository"
    ]


def test_media_outside_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "secret.png").write_bytes(tiny_png())
    assert check(repo, {P: media("../secret.png")}) == [
        f"{P}:15:11: error: media[0].path '../secret.png' is outside the repository; keep images in it"
    ]


def test_media_absolute_path_outside(tmp_path: Path) -> None:
    assert check(tmp_path, {P: media("/etc/hostname")}) == [
        f"{P}:15:11: error: media[0].path '/etc/hostname' is outside the repository; keep images in it"
    ]


def test_media_not_an_image(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {P: media("content/map.png"), "content/map.png": "not a picture\n"}
    assert check(tmp_path, files) == [
        f"{P}:15:11: error: media[0].path 'content/map.png' is not a PNG, JPEG, GIF or WebP image"
    ]


def test_media_named_as_another_kind(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {P: media("content/map.jpg"), "content/map.jpg": tiny_png()}
    assert check(tmp_path, files) == [
        f"{P}:15:11: error: media[0].path 'content/map.jpg' holds a image/png image but is named .jpg"
    ]


def test_media_too_large(tmp_path: Path) -> None:
    largest = media_limits(("twitter", "facebook", "website"))[1]
    assert largest == (5 * 1024 * 1024, "X")
    big = tiny_png() + b"\x00" * largest[0]
    files: dict[str, str | bytes] = {P: media("content/big.png"), "content/big.png": big}
    assert check(tmp_path, files) == [
        f"{P}:15:11: error: media[0].path 'content/big.png' is 5.01 MB; the most allowed is 5.00 MB. To make it "
        "smaller, resize it to at most 2000 pixels on its longer side or save it as JPEG with quality about 80"
    ]


def test_media_without_alt_text(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {P: media("content/map.png", alt=""), "content/map.png": tiny_png()}
    assert check(tmp_path, files) == [f"{P}:15:5: error: missing required key 'alt' in media[0]"]


def test_media_alt_text_missing_a_language(tmp_path: Path) -> None:
    alt = '    alt:\n      mr: "पर्वती भागाचा नकाशा"\n'
    files: dict[str, str | bytes] = {P: media("content/map.png", alt=alt), "content/map.png": tiny_png()}
    assert check(tmp_path, files) == [f"{P}:17:7: error: media[0].alt needs alt text in every language; missing: en"]


def test_media_path_with_nul_escape(tmp_path: Path) -> None:
    assert check(tmp_path, {P: media('"content/a\\0.png"')}) == [
        f"{P}:15:11: error: media[0].path 'content/a\\x00.png' is not a usable file name",
        f"{P}:15:21: error: media[0].path holds the character U+0000 (NUL) (character 10 of the value); "
        "control characters and bidirectional overrides are not allowed",
    ]


# -- never an exception --------------------------------------------------------------------------------

_YAMLISH = st.text(
    alphabet=st.sampled_from(list("abcdeknopstxy019 :-,[]{}#&*!|>'\"?%@`\n\t\\\r\x00\x07\ufeffपाणी…₹2026")),
    max_size=200,
)
_KEYED = st.builds(
    lambda key, value: f"{key}: {value}\n",
    st.sampled_from(
        [
            "coordinator",
            "approved_by",
            "kind",
            "text",
            "title",
            "link",
            "hashtags",
            "media",
            "publish_at",
            "expires_at",
            "platforms",
            "overrides",
            "freeze_exempt",
            "department",
        ]
    ),
    _YAMLISH,
)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    root = make_repo(tmp_path_factory.mktemp("repo"), {"content/water-supply/map.png": tiny_png()})
    return load_config(root, environ={})


def _parse(config: Config, data: bytes) -> None:
    announcement, diags = parse_announcement(config, config.root / P, P, data)
    assert announcement is not None or any(d.severity == "error" for d in diags)
    for d in diags:
        assert d.path == P
        assert "\n" not in d.message
        assert d.line >= 0 and d.column >= 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_KEYED, max_size=8).map("".join), st.booleans())
def test_random_announcements_give_diagnostics_not_exceptions(config: Config, body: str, prefix: bool) -> None:
    text = (G if prefix else "") + body
    _parse(config, text.encode("utf-8", errors="surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_diagnostics_not_exceptions(config: Config, data: bytes) -> None:
    _parse(config, data)


def test_file_directly_in_the_content_folder(tmp_path: Path) -> None:
    path = "content/2026-12-01-shutdown.yaml"
    assert check(tmp_path, {path: G}) == [
        f"{path}: error: announcement files belong directly in content/<department>/, not in the content folder itself"
    ]


def test_times_as_people_type_them(tmp_path: Path) -> None:
    """A one-digit hour, two spaces or a tab, a 'Z': all read as the moment they mean."""
    cases = {
        "2026-12-01 9:05": "2026-12-01T09:05:00+05:30",
        "2026-12-01  18:00": "2026-12-01T18:00:00+05:30",
        "2026-12-01T12:30:00Z": "2026-12-01T12:30:00+00:00",
        "2026-12-01 18:00+05:30": "2026-12-01T18:00:00+05:30",
    }
    config = load_config(make_repo(tmp_path), environ={})
    for text, expected in cases.items():
        moment = parse_time(text, config)
        assert moment is not None and moment.isoformat() == expected, text
    assert parse_time("2026-12-01 9", config) is None
    assert parse_time("2026-12-01 25:00", config) is None


def test_a_hash_after_a_space_cuts_plain_text_and_is_refused(tmp_path: Path) -> None:
    """'#' after a space starts a YAML comment: unquoted prose would be posted cut short without a word."""
    body = (
        G.replace('"No water supply in Parvati on Thursday."', "Water cut in Kothrud #PMCWater. Store water.")
        .replace('  mr: "पाणीपुरवठा बंद"', "  mr: पाणीपुरवठा बंद #PMCWater")
        .replace("kind: notice", "kind: notice   # an ordinary comment after another key stays allowed")
        .replace("link: https://www.pmc.gov.in/en/water-supply", "link: https://www.pmc.gov.in/en/water-supply  # ok")
    )
    assert check(tmp_path, {P: body}) == [
        f"{P}:5:22: error: title.mr stops before '#PMCWater': after a space, '#' starts a YAML comment, so the "
        "rest of the line would not be posted; put the text in quotes or use >-, and hashtags go in hashtags:",
        f"{P}:9:28: error: text.en stops before '#PMCWater. Store water.': after a space, '#' starts a YAML "
        "comment, so the rest of the line would not be posted; put the text in quotes or use >-, and hashtags "
        "go in hashtags:",
    ]


def test_a_hash_kept_by_quotes_or_a_block_or_without_a_space_is_text(tmp_path: Path) -> None:
    quoted = G.replace('"No water supply in Parvati on Thursday."', '"Water cut in Kothrud #PMCWater. Store water."')
    block = G.replace('  en: "No water supply in Parvati on Thursday."', "  en: >-\n    Water cut #PMCWater.")
    glued = G.replace('  en: "No water supply in Parvati on Thursday."', "  en: Ward#12 has no water")
    for body in (quoted, block, glued):
        assert check(tmp_path, {P: body}) == []


def test_a_comment_cutting_alt_text_or_an_override_or_a_second_line(tmp_path: Path) -> None:
    body = G + (
        "overrides:\n"
        "  twitter:\n"
        "    text:\n"
        "      en: Short text #tag\n"
        "media:\n"
        "  - path: content/water-supply/map.png\n"
        "    alt:\n"
        "      mr: नकाशा\n"
        "      en: Map of the\n"
        "        areas #cut\n"
    )
    from helpers import tiny_png

    files: dict[str, str | bytes] = {P: body, "content/water-supply/map.png": tiny_png()}
    assert [m.split(": after a space")[0] for m in check(tmp_path, files)] == [
        f"{P}:17:22: error: overrides.twitter.text.en stops before '#tag'",
        f"{P}:23:15: error: media[0].alt.en stops before '#cut'",
    ]
