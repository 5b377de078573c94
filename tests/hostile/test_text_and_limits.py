"""Hostile input: texts built to be slow to measure, templates built to exhaust memory or time, numbers too
large for config.yaml, and control characters. Each case ends in a clean error or clean output, posts
nothing, writes nothing outside the repository and leaks nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo

from pmcpost.config import load_config
from pmcpost.content import discover, load_announcements
from pmcpost.errors import TemplateError
from pmcpost.render import Renderer
from pmcpost.template_limits import RenderLimits

ENGLISH = 'en: "No water supply in Parvati on Thursday."'


def files_in(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}


def run_pmcpost(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMCPOST_")}
    env["NO_COLOR"] = "1"
    # The timeout only stops a hang (these inputs used to take hours); speed is measured in bench/.
    return subprocess.run(
        [sys.executable, "-m", "pmcpost", *args],
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
