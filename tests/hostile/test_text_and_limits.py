"""Hostile input: texts built to be slow to measure, templates built to exhaust memory or time, numbers too
large for config.yaml, and control characters. Each case ends in a clean error or clean output, posts
nothing, writes nothing outside the repository and leaks nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo, real_config_text, tiny_png

from pmcpost.config import load_config
from pmcpost.content import discover, load_announcements
from pmcpost.errors import TemplateError
from pmcpost.render import Renderer
from pmcpost.template_limits import RenderLimits

ENGLISH = 'en: "No water supply in Parvati on Thursday."'


def files_in(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}


AT_TIME = Path(__file__).resolve().parent.parent / "at_time.py"


def run_pmcpost(root: Path, *args: str, at: str | None = None) -> subprocess.CompletedProcess[str]:
    """pmcpost as a process; with ``at``, its clock reads that time (a real publish posts as of its clock)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMCPOST_")}
    env["NO_COLOR"] = "1"
    # The timeout only stops a hang (these inputs used to take hours); speed is measured in bench/.
    return subprocess.run(
        [sys.executable, str(AT_TIME), at, *args] if at else [sys.executable, "-m", "pmcpost", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def with_english(text: str) -> str:
    return GOOD_ANNOUNCEMENT.replace(ENGLISH, f'en: "{text}"')


# -- X length counting is linear ------------------------------------------------------------------------


def test_a_dot_runs_validate_cleanly(tmp_path: Path) -> None:
    # "a." x 6,000 (12 KB) did not finish in 600 s: URL finding backtracked over every run of labels
    root = make_repo(tmp_path / "repo", {GOOD_PATH: with_english("a." * 6000)})
    before = files_in(tmp_path)
    result = run_pmcpost(root, "validate")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"{GOOD_PATH}: warning: twitter: the thread on X has 47 posts; consider a shorter text for X\n",
        "1 file and config.yaml: ok (1 warning)\n",
    )
    assert files_in(tmp_path) == before


def test_url_like_runs_are_measured_exactly() -> None:
    from pmcpost.xtext import find_urls, thread_parts, weighted_length

    assert weighted_length("a." * 32768) == 65536  # no TLD: plain text
    assert find_urls("ab.in." * 10000) == []  # one host of 60,000 characters: over X's 4,096, so no link
    assert find_urls("ab.in. " * 10000) == []  # a bare domain on a country code is no link
    assert weighted_length("ab.in/ " * 10000) == 24 * 10000
    assert weighted_length("pmc.gov.in/" + "a." * 1000 + " ok") == 23 + 1 + 3  # the last '.' is not in the link
    parts = thread_parts("#a" * 20000)
    assert len(parts) == 149 and all(weighted_length(p) <= 280 for p in parts)


# -- templates cannot exhaust memory or time ----------------------------------------------------------------

ID = "water-supply/2026-12-01-shutdown"
WHERE = f"(rendering {ID} for twitter)"
OVER = "(at most 1,000,000)"
LOOPS = "the template's loops ran more than 1,000,000 times"
OUTPUT = "the template's output is longer than 1,000,000 characters"


@pytest.mark.parametrize(
    ("template", "line", "problem"),
    [
        ("{{ text[lang] }}\n{{ 'a' * 10**9 }}\n", 2, f"'*' would make 1,000,000,000 characters or items {OVER}"),
        ("{{ [1, 2] * 10**8 }}\n", 1, f"'*' would make 200,000,000 characters or items {OVER}"),
        ("{{ 10 ** 100000 }}\n", 1, "'**' would make a number of more than 4,096 bits"),
        ("{{ '%1000000000s' % 'a' }}\n", 1, f"'%' would make 1,000,000,012 characters or items {OVER}"),
        ("{{ 'x'.center(10**9) }}\n", 1, f"str.center would make 1,000,000,000 characters or items {OVER}"),
        ("{{ 'x'|center(10**9) }}\n", 1, f"the center filter would make 1,000,000,000 characters or items {OVER}"),
        (
            "{{ ('x' * 1000)|replace('x', 'y' * 100000) }}\n",
            1,
            f"replace would make 100,000,000 characters or items {OVER}",
        ),
        (
            "{% set a = 'x' * 900000 %}\n{% set b = a ~ a %}{{ b }}\n",
            2,
            f"'~' would make a text of 1,800,000 {OVER}",
        ),
        ("{% for i in range(100000) %}\n{% for j in range(100000) %}x{% endfor %}{% endfor %}\n", 2, LOOPS),
        ("{{ text[lang] }}\n{% for i in range(20000) %}{{ 'x' * 100 }}{% endfor %}", 2, OUTPUT),
        (
            "{{ text[lang] }}\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
            2,
            "the template's loops ran more than 1,000,000 times",
        ),
        (
            "{% set big %}{% for i in range(1000) %}\n{{ 'x' * 1001 }}{% endfor %}{% endset %}{{ big|length }}\n",
            1,
            "the template's output is longer than 1,000,000 characters",
        ),
    ],
)
def test_templates_past_their_limits_are_template_errors(
    tmp_path: Path, template: str, line: int, problem: str
) -> None:
    root = make_repo(tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT, "templates/twitter.j2": template})
    before = files_in(tmp_path)
    result = run_pmcpost(root, "validate")
    assert (result.returncode, result.stdout) == (1, f"templates/twitter.j2:{line}: error: {problem} {WHERE}\n")
    assert "Traceback" not in result.stderr
    assert files_in(tmp_path) == before


def test_a_template_past_its_time_is_stopped_at_its_line(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        {
            GOOD_PATH: GOOD_ANNOUNCEMENT,
            "templates/twitter.j2": (
                "{{ text[lang] }}\n{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}\n"
                "{{ m(60) }}\n"
            ),
        },
    )
    config = load_config(root, environ={})
    (announcement,) = load_announcements(config, discover(config)).announcements
    renderer = Renderer(config, RenderLimits(seconds=0.05))
    with pytest.raises(TemplateError) as caught:
        renderer.render(announcement, "twitter")
    assert str(caught.value) == f"templates/twitter.j2:2: the template ran longer than 0.05 seconds {WHERE}"
    # the template is not run again in this process: the next announcement gets the error at once
    with pytest.raises(TemplateError) as again:
        renderer.render(announcement, "twitter")
    assert str(again.value) == "templates/twitter.j2:2: the template ran longer than 0.05 seconds"


def test_templates_within_the_limits_render_as_before(tmp_path: Path) -> None:
    template = (
        "{{ text[lang] }} {{ 'ab' * 3 }} {{ 2 ** 10 }} {{ '%5s' % 'a' }} {{ 'a'.center(5) ~ '|' }}"
        "{% for i in range(3) %}{{ i ~ '-' }}{% endfor %} {{ 'x-y'|replace('-', '--') }} {{ [1, 2]|join(',') }}\n"
    )
    root = make_repo(tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT, "templates/twitter.j2": template})
    config = load_config(root, environ={})
    (announcement,) = load_announcements(config, discover(config)).announcements
    message = Renderer(config).render(announcement, "twitter")
    assert [p.text for p in message.parts] == [
        "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील. ababab 1024     a   a  |0-1-2- x--y 1,2"
    ]


def test_a_template_failing_for_every_announcement_leaves_no_garbage_behind(tmp_path: Path) -> None:
    # validate checks with the cyclic collector off; a failing template's errors sit in reference cycles with
    # Jinja's frames, and must not pile up for the whole run (20,000 files took 160 MB instead of 66 MB).
    import gc

    from pmcpost.validate import validate

    files: dict[str, str | bytes] = {
        GOOD_PATH.replace("shutdown", f"shutdown-{i}"): GOOD_ANNOUNCEMENT for i in range(40)
    }
    files["templates/facebook.j2"] = "{{ text[lang] }} {{ nosuchvar }}\n"
    root = make_repo(tmp_path / "repo", files)
    config = load_config(root, environ={})
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        report = validate(config, jobs=1)
        left = gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    assert [str(d) for d in report.diagnostics] == [
        "templates/facebook.j2:1: error: 'nosuchvar' is undefined (rendering "
        "water-supply/2026-12-01-shutdown-0 for facebook and 39 more)"
    ]
    assert left < 40  # one error's cycles alone hold about 40 objects


# -- numbers in config.yaml ---------------------------------------------------------------------------------

NINES = "9" * 400


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "    timeout: 20\n",
            f"    timeout: {NINES}\n",
            "platforms.twitter.timeout must be at most 600, found a number of 400 digits",
        ),
        ("    timeout: 20\n", "    timeout: 601\n", "platforms.twitter.timeout must be at most 600, found 601"),
        (
            "    timeout: 20\n",
            f"    timeout: -{'9' * 5000}\n",
            "platforms.twitter.timeout must be at least 1, found a number of 5,000 digits",
        ),
        (
            "daily_quota: 17",
            "daily_quota: 1_000_000_000_000_000_000_000",
            "platforms.twitter.daily_quota must be at most 100,000, found 1,000,000,000,000,000,000,000",
        ),
        (
            "dormancy_days: 14",
            "dormancy_days: 99999999999",
            "policy.dormancy_days must be at most 3,650, found 99,999,999,999",
        ),
        ("dormancy_days: 14", "dormancy_days: 3651", "policy.dormancy_days must be at most 3,650, found 3,651"),
    ],
)
def test_numbers_too_large_for_their_use_are_config_errors(tmp_path: Path, old: str, new: str, problem: str) -> None:
    config = real_config_text()
    assert old in config
    text = config.replace(old, new, 1)
    root = make_repo(tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT}, config_text=text)
    value = new.split(":", 1)[1].strip()
    at = text.index(new) + new.index(value)
    line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    for command in (["validate"], ["publish", "--yes"]):
        result = run_pmcpost(root, *command, at="2026-12-01 19:00")
        assert f"config.yaml:{line}:{column}: error: {problem}\n" in result.stdout + result.stderr, command
        assert result.returncode == 1 and "internal error" not in result.stderr, command
    doctor = run_pmcpost(root, "doctor", "--offline")
    assert doctor.returncode == 1 and "config.yaml has 1 problem; run pmcpost validate" in doctor.stdout
    assert not (root / "public").exists() and not (root / "audit").exists()


def test_max_media_bytes_has_a_ceiling(tmp_path: Path) -> None:
    text = real_config_text().replace("  dormancy_days: 14\n", "  dormancy_days: 14\n  max_media_bytes: 1e400\n")
    root = make_repo(tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT}, config_text=text)
    result = run_pmcpost(root, "validate")
    assert result.returncode == 1 and "policy.max_media_bytes must be a whole number" in result.stdout
    text = text.replace("1e400", str(2**31))
    (root / "config.yaml").write_text(text, encoding="utf-8")
    result = run_pmcpost(root, "validate")
    assert "policy.max_media_bytes must be at most 1,073,741,824, found 2,147,483,648" in result.stdout


# -- control characters and bidirectional overrides ---------------------------------------------------------

RULE = "control characters and bidirectional overrides are not allowed"
FORBIDDEN = [
    *range(0x00, 0x09),
    0x0B,
    0x0C,
    *range(0x0E, 0x20),
    0x7F,
    0x85,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]
NAMES = {0x00: "NUL", 0x1B: "ESC", 0x7F: "DEL", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE"}


@pytest.mark.parametrize("code", FORBIDDEN, ids=lambda c: f"U+{c:04X}")
def test_every_forbidden_character_is_named_where_it_stands(tmp_path: Path, code: int) -> None:
    escape = f"\\u{code:04x}"
    root = make_repo(tmp_path / "repo", {GOOD_PATH: with_english(f"No water{escape} today")})
    result = run_pmcpost(root, "validate")
    name = f"U+{code:04X}"
    lines = result.stdout.splitlines()
    # text.en is on line 9: '  en: "No water' puts the escape at column 16
    assert lines[0].startswith(f"{GOOD_PATH}:9:16: error: text.en holds the character {name} (")
    assert lines[0].endswith(f") (character 9 of the value); {RULE}")
    if code in NAMES:
        assert f"{name} ({NAMES[code]})" in lines[0]
    assert result.returncode == 1


def test_control_characters_in_every_kind_of_value(tmp_path: Path) -> None:
    body = (
        GOOD_ANNOUNCEMENT.replace('  en: "No water supply"', '  en: "No water\\e[2J"')
        .replace("link: https://www.pmc.gov.in/en/water-supply", 'link: "https://www.pmc.gov.in/\\x1b]8;;x"')
        .replace("hashtags: [PMCWater]", 'hashtags: ["PMC\\x7fWater"]')
        .replace('  mr: "पाणीपुरवठा बंद"', '  mr: "पाणीपुरवठा \u202eबंद"')
        + 'media:\n  - path: content/map.png\n    alt: {mr: "नकाशा", en: "Map\\x01"}\n'
        + 'overrides:\n  twitter:\n    text: {en: "\\0"}\n    link: "https://pmc.gov.in/\\u2066"\n'
    )
    root = make_repo(tmp_path / "repo", {GOOD_PATH: body, "content/map.png": tiny_png()})
    before = files_in(tmp_path)
    result = run_pmcpost(root, "validate")
    problems = [line for line in result.stdout.splitlines() if "holds the character" in line]
    assert problems == [
        f"{GOOD_PATH}:5:19: error: title.mr holds the character U+202E (RIGHT-TO-LEFT OVERRIDE) "
        f"(character 12 of the value); {RULE}",
        f"{GOOD_PATH}:6:16: error: title.en holds the character U+001B (ESC) (character 9 of the value); {RULE}",
        f"{GOOD_PATH}:10:31: error: link holds the character U+001B (ESC) (character 24 of the value); {RULE}",
        f"{GOOD_PATH}:11:16: error: hashtags[0] holds the character U+007F (DEL) (character 4 of the value); {RULE}",
        f"{GOOD_PATH}:16:32: error: media[0].alt.en holds the character U+0001 (SOH) "
        f"(character 4 of the value); {RULE}",
        f"{GOOD_PATH}:19:17: error: overrides.twitter.text.en holds the character U+0000 (NUL) "
        f"(character 1 of the value); {RULE}",
        f"{GOOD_PATH}:20:31: error: overrides.twitter.link holds the character U+2066 (LEFT-TO-RIGHT ISOLATE) "
        f"(character 20 of the value); {RULE}",
    ]
    assert "\x1b" not in result.stdout + result.stderr and "\x00" not in result.stdout + result.stderr
    assert result.returncode == 1
    assert files_in(tmp_path) == before


def test_nothing_with_a_control_character_is_published(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {GOOD_PATH: with_english("No water\\e[2J supply")})
    result = run_pmcpost(root, "publish", "--yes", at="2026-12-01 19:00")
    assert result.returncode == 1
    assert f"{GOOD_PATH}:9:16: error: text.en holds the character U+001B (ESC)" in result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert not (root / "public").exists() and not (root / "audit").exists()


def test_line_breaks_and_tabs_in_texts_still_work(tmp_path: Path) -> None:
    body = GOOD_ANNOUNCEMENT.replace(
        ENGLISH, "en: |\n    No water supply in Parvati.\n    Tankers:\tward office.\n  # comment\n"
    ).replace('  mr: "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील."', '  mr: "पर्वती परिसरात\\nपाणीपुरवठा बंद."')
    root = make_repo(tmp_path / "repo", {GOOD_PATH: body})
    result = run_pmcpost(root, "validate")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "1 file and config.yaml: ok\n")
    config = load_config(root, environ={})
    (announcement,) = load_announcements(config, discover(config)).announcements
    assert announcement.text["en"] == "No water supply in Parvati.\nTankers:\tward office."


# -- config.yaml strings and coordinators -------------------------------------------------------------------


def test_a_line_break_in_a_config_name_is_refused(tmp_path: Path) -> None:
    text = real_config_text().replace("name: Anil Jadhav", 'name: "Anil Jadhav\\n* @attacker"')
    root = make_repo(tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT}, config_text=text)
    line = text[: text.index("Anil Jadhav\\n")].count("\n") + 1
    column = text.splitlines()[line - 1].index("Anil Jadhav\\n") + len("Anil Jadhav") + 1
    expected = (
        f"config.yaml:{line}:{column}: error: departments.water-supply.coordinators[0].name holds the character "
        "U+000A (LF) (character 12 of the value); config.yaml values are single lines without control characters"
    )
    for command in (["validate"], ["codeowners", "--check"], ["codeowners"]):
        result = run_pmcpost(root, *command)
        assert result.returncode == 1 and expected in result.stdout + result.stderr, command
    assert not (root / ".github").exists()


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            "mr: पाणीपुरवठा विभाग",
            'mr: "पाणीपुरवठा\\tविभाग"',
            "departments.water-supply.name.mr holds the character U+0009 (TAB)",
        ),
        (
            "id: anil.jadhav,",
            'id: "anil.jadhav\\r",',
            "departments.water-supply.coordinators[0].id holds the character U+000D (CR)",
        ),
        (
            "en: Pune Municipal Corporation",
            'en: "Pune \\u202eMunicipal"',
            "organisation.name.en holds the character U+202E",
        ),
        ("github: smita-kulkarni-pmc", 'github: "smita\\u2028x"', "cell.members[0].github holds the character U+2028"),
    ],
)
def test_control_characters_anywhere_in_config_are_refused(tmp_path: Path, old: str, new: str, where: str) -> None:
    text = real_config_text()
    assert old in text
    root = make_repo(tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT}, config_text=text.replace(old, new, 1))
    result = run_pmcpost(root, "validate")
    assert result.returncode == 1 and f"error: {where}" in result.stdout, result.stdout


@pytest.mark.parametrize(
    "second",
    [
        "{id: anil.jadhav, name: Anil Jadhav, email: anil.jadhav@punecorporation.org}",
        "{id: anil.j, name: Anil J, email: Anil.Jadhav@PuneCorporation.org}",
        "{id: anil.j, name: Anil J, email: anil.j@punecorporation.org, github: Anil-Jadhav-PMC}",
    ],
)
def test_one_person_cannot_be_both_coordinators(tmp_path: Path, second: str) -> None:
    old = (
        "      - {id: priya.shinde, name: Priya Shinde, email: priya.shinde@punecorporation.org, "
        "github: priya-shinde-pmc}\n"
    )
    text = real_config_text()
    assert old in text
    text = text.replace(old, f"      - {second}\n", 1)
    root = make_repo(
        tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT.replace("priya.shinde", "smita.kulkarni")}, config_text=text
    )
    line = text[: text.index(second)].count("\n") + 1
    result = run_pmcpost(root, "validate")
    assert result.returncode == 1
    assert (
        f"config.yaml:{line}:9: error: departments.water-supply names the same person twice; "
        "a department needs two coordinators"
    ) in result.stdout.splitlines()


def test_a_control_character_deep_in_nested_lists_is_reported(tmp_path: Path) -> None:
    depth = 990  # just inside the loader's nesting limit
    body = GOOD_ANNOUNCEMENT + "x: " + "[" * depth + '"\\e"' + "]" * depth + "\n"
    root = make_repo(tmp_path / "repo", {GOOD_PATH: body})
    result = run_pmcpost(root, "validate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    path = "x" + "[0]" * depth
    assert f"{GOOD_PATH}:14:{depth + 5}: error: {path} holds the character U+001B (ESC)" in result.stdout
