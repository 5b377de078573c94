"""config.yaml is checked as rigorously as announcements, with the same exact diagnostic lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_repo, real_config_text

from pmcpost.config import find_root, load_config, read_config
from pmcpost.errors import ConfigError, RepositoryNotFound
from pmcpost.platforms.registry import available_platforms

C = real_config_text()
ANIL = "      - {id: anil.jadhav, name: Anil Jadhav, email: anil.jadhav@punecorporation.org, github: anil-jadhav-pmc}\n"
PRIYA = (
    "      - {id: priya.shinde, name: Priya Shinde, email: priya.shinde@punecorporation.org, "
    "github: priya-shinde-pmc}\n"
)


def config_lines(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> list[str]:
    root = make_repo(tmp_path, config_text=text)
    _, diagnostics = read_config(root, environ or {})
    return [str(d) for d in diagnostics]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` (keeps tests readable as config.yaml evolves)."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the config")


def test_the_real_config_is_valid(tmp_path: Path) -> None:
    config = load_config(make_repo(tmp_path), environ={})
    assert config.organisation.timezone == "Asia/Kolkata"
    assert config.organisation.languages == ("mr", "en")
    assert len(config.departments) >= 10
    assert all(len(d.coordinators) == 2 for d in config.departments.values())
    assert config.platforms["twitter"].api_url == "https://api.twitter.com"
    assert config.platforms["twitter"].credentials["consumer_key"] == "PMCPOST_TWITTER_CONSUMER_KEY"
    assert config.policy.default_platforms == ("twitter", "facebook", "website")


def test_unknown_key_with_hint(tmp_path: Path) -> None:
    text = C.replace("  timezone: Asia/Kolkata", "  timezon: Asia/Kolkata")
    n = line_of(text, "timezon:")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{n}:3: error: unknown key 'timezon' in organisation (did you mean 'timezone'?)",
        f"config.yaml:{line_of(text, '  name:')}:3: error: missing required key 'timezone' in organisation",
    ]


def test_unknown_top_level_key(tmp_path: Path) -> None:
    text = C + "platfroms: {}\n"
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{len(text.splitlines())}:1: error: unknown key 'platfroms' in config.yaml "
        "(did you mean 'platforms'?)"
    ]


@pytest.mark.parametrize(
    ("change", "count"),
    [
        (lambda t: t.replace(PRIYA, ""), 1),
        (lambda t: t.replace(PRIYA, PRIYA + "      - {id: x.y, name: X Y, email: x.y@punecorporation.org}\n"), 3),
    ],
)
def test_department_needs_exactly_two_coordinators(tmp_path: Path, change: object, count: int) -> None:
    text = change(C)  # type: ignore[operator]
    n = line_of(text, "anil.jadhav")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{n}:7: error: departments.water-supply must name exactly two coordinators, found {count}"
    ]


def test_bad_email(tmp_path: Path) -> None:
    text = C.replace("email: anil.jadhav@punecorporation.org", "email: anil.jadhav")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, 'anil.jadhav')}:53: error: "
        "departments.water-supply.coordinators[0].email 'anil.jadhav' is not an email address"
    ]


def test_duplicate_person_id(tmp_path: Path) -> None:
    text = C.replace("{id: neha.kale, name: Neha Kale", "{id: anil.jadhav, name: Neha Kale")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, 'Neha Kale')}:14: error: person id 'anil.jadhav' is already used for "
        f"someone else at line {line_of(text, 'Anil Jadhav')}; ids must be unique"
    ]


def test_same_person_in_two_departments_is_fine(tmp_path: Path) -> None:
    text = C.replace(
        "      - {id: neha.kale, name: Neha Kale, email: neha.kale@punecorporation.org, github: neha-kale-pmc}\n", ANIL
    )
    assert config_lines(tmp_path, text) == []


def test_unknown_platform(tmp_path: Path) -> None:
    text = C.replace("  website:\n    enabled: true", "  myspace:\n    enabled: true").replace(
        "default_platforms: [twitter, facebook, website]", "default_platforms: [twitter, facebook]"
    )
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, 'myspace:')}:3: error: unknown platform 'myspace' "
        f"(known: {', '.join(sorted(available_platforms()))})"
    ]


def test_default_platform_not_configured(tmp_path: Path) -> None:
    text = C.replace("default_platforms: [twitter, facebook, website]", "default_platforms: [twitter, myspace]")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, 'default_platforms')}:32: error: default platform 'myspace' is not "
        "configured under platforms"
    ]


def test_credential_that_looks_like_a_secret(tmp_path: Path) -> None:
    secret = "EAAGm0PX4ZCpsBAKZCx1dQf7"
    text = C.replace("page_token: PMCPOST_FACEBOOK_PAGE_TOKEN", f"page_token: {secret}")
    lines = config_lines(tmp_path, text)
    assert lines == [
        f"config.yaml:{line_of(text, 'page_token')}:19: error: platforms.facebook.credentials.page_token must "
        "name an environment variable (such as PMCPOST_FACEBOOK_PAGE_TOKEN), not hold a secret"
    ]
    assert secret not in "".join(lines)  # never echo what may be a real token


def test_unknown_credential_role(tmp_path: Path) -> None:
    text = C.replace("page_token: PMCPOST_FACEBOOK_PAGE_TOKEN", "app_secret: PMCPOST_FACEBOOK_APP_SECRET")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, 'app_secret')}:7: error: unknown credential 'app_secret' for facebook "
        "(known: page_token)"
    ]


def test_bad_timezone(tmp_path: Path) -> None:
    text = C.replace("timezone: Asia/Kolkata", "timezone: Asia/Pune")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, 'timezone')}:13: error: unknown timezone 'Asia/Pune' (for Pune use 'Asia/Kolkata')"
    ]


def test_timezone_path_tricks_are_refused(tmp_path: Path) -> None:
    text = C.replace("timezone: Asia/Kolkata", "timezone: ../../etc/passwd")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, 'timezone')}:13: error: unknown timezone '../../etc/passwd' "
        "(for Pune use 'Asia/Kolkata')"
    ]


def test_yaml11_trap_in_config(tmp_path: Path) -> None:
    text = C.replace("  freeze: false", "  freeze: no")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, 'freeze: no')}:11: error: policy.freeze: write true or false, not 'no'"
    ]


def test_duplicate_key_in_config(tmp_path: Path) -> None:
    text = C.replace("  dormancy_days: 14\n", "  dormancy_days: 14\n  dormancy_days: 7\n")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, 'dormancy_days: 7')}:3: error: duplicate key 'dormancy_days' "
        f"(first at line {line_of(text, 'dormancy_days: 14')}); YAML would silently keep only the last one"
    ]


def test_anchor_in_config(tmp_path: Path) -> None:
    text = C.replace("  members:\n", "  members: &team\n")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, '&team')}:12: error: anchor '&team' is not allowed; write the value out in full"
    ]


def test_empty_and_non_mapping_config(tmp_path: Path) -> None:
    assert config_lines(tmp_path, "") == ["config.yaml:1:1: error: the config file is empty"]
    assert config_lines(tmp_path, "- a\n") == [
        "config.yaml:1:1: error: config.yaml must be made of key: value lines, found a list"
    ]


def test_paths_must_stay_inside(tmp_path: Path) -> None:
    text = C.replace("  content: content", "  content: ../elsewhere")
    assert config_lines(tmp_path, text) == [
        f"config.yaml:{line_of(text, '../elsewhere')}:12: error: paths.content must be a folder inside the "
        "repository, found '../elsewhere'"
    ]


def test_api_url_overridden_by_environment(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    environ = {
        "PMCPOST_TWITTER_API_URL": "http://127.0.0.1:8080/",
        "PMCPOST_FACEBOOK_API_URL": "http://127.0.0.1:9090",
    }
    config = load_config(root, environ=environ)
    assert config.platforms["twitter"].api_url == "http://127.0.0.1:8080"
    assert config.platforms["facebook"].api_url == "http://127.0.0.1:9090"
    assert load_config(root, environ={}).platforms["facebook"].api_url == "https://graph.facebook.com"


def test_bad_api_url_in_environment(tmp_path: Path) -> None:
    lines = config_lines(tmp_path, C, {"PMCPOST_TWITTER_API_URL": "ftp://mock twitter"})
    assert lines == [
        f"config.yaml:{line_of(C, '  twitter:')}:3: error: PMCPOST_TWITTER_API_URL must be an http(s):// base "
        "address, found 'ftp://mock twitter'"
    ]


def test_load_config_raises_with_every_diagnostic(tmp_path: Path) -> None:
    text = C.replace("timezone: Asia/Kolkata", "timezone: Asia/Pune").replace("  freeze: false", "  freeze: no")
    root = make_repo(tmp_path, config_text=text)
    with pytest.raises(ConfigError) as info:
        load_config(root, environ={})
    assert len(info.value.diagnostics) == 2


def test_find_root_walks_up(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    deep = root / "content" / "water-supply" / "images"
    deep.mkdir(parents=True)
    assert find_root(deep) == root.resolve()


def test_find_root_without_config(tmp_path: Path) -> None:
    with pytest.raises(RepositoryNotFound):
        find_root(tmp_path)
