"""The one list of platforms (the entry points), their descriptions, and adapters loaded only to post."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from pmcpost.errors import UsageError
from pmcpost.platforms import registry
from pmcpost.platforms.spec import PlatformSpec


def test_the_entry_points_are_the_list_and_a_source_tree_reads_the_same_from_pyproject() -> None:
    installed = {ep.name: ep.value for ep in entry_points(group=registry.GROUP)}
    assert installed == registry._from_pyproject()
    # each platform's own line (more platforms add theirs)
    assert installed["twitter"] == "pmcpost.platforms.twitter_spec:SPEC"
    assert installed["facebook"] == "pmcpost.platforms.facebook_spec:SPEC"
    assert installed["website"] == "pmcpost.platforms.website_spec:SPEC"
    assert installed["telegram"] == "pmcpost.platforms.telegram_spec:SPEC"
    assert installed["instagram"] == "pmcpost.platforms.instagram_spec:SPEC"
    assert installed["threads"] == "pmcpost.platforms.threads_spec:SPEC"
    assert installed["mastodon"] == "pmcpost.platforms.mastodon_spec:SPEC"
    assert installed["bluesky"] == "pmcpost.platforms.bluesky_spec:SPEC"


def test_descriptions_come_in_posting_order_the_website_last() -> None:
    specs = registry.descriptions()
    names = [(s.name, s.display_name) for s in specs]
    assert names[:2] == [("twitter", "X"), ("facebook", "Facebook")]
    assert names[-1] == ("website", "the website")
    assert ("telegram", "Telegram") in names
    assert ("instagram", "Instagram") in names and ("threads", "Threads") in names
    assert ("mastodon", "Mastodon") in names and ("bluesky", "Bluesky") in names
    assert [s.name for s in specs if s.linked_from_website][:2] == ["twitter", "facebook"]


def test_reading_every_description_imports_no_adapter_or_network_client() -> None:
    code = (
        "import sys\n"
        "from pmcpost.platforms.registry import descriptions\n"
        "specs = descriptions()\n"
        "heavy = ('tweepy', 'facebook', 'requests', 'pmcpost.platforms.twitter', 'pmcpost.platforms.facebook', "
        "'pmcpost.platforms.website', 'pmcpost.platforms.telegram', 'pmcpost.site', "
        "'pmcpost.platforms.mastodon', 'pmcpost.platforms.bluesky', 'regex')\n"
        "print(len(specs), sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == f"{len(registry.available_platforms())} []\n"


def test_an_unknown_name_and_a_wrong_entry_point_are_usage_errors() -> None:
    with pytest.raises(UsageError) as unknown:
        registry.description("myspace")
    known = ", ".join(sorted(registry.available_platforms()))
    assert str(unknown.value) == f"no platform named 'myspace' is installed (known: {known})"
    with pytest.raises(UsageError) as wrong:
        registry._load("telegram", "pmcpost.platforms.twitter_spec:SPEC")
    assert str(wrong.value) == (
        "the entry point telegram = 'pmcpost.platforms.twitter_spec:SPEC' is not the PlatformSpec of a platform "
        "named 'telegram'"
    )


def test_a_registered_platform_is_known_only_for_the_block() -> None:
    spec = PlatformSpec(name="noticeboard", display_name="the notice board", adapter="nowhere:Nothing")
    with registry.registered(spec):
        assert registry.description("noticeboard") is spec
        assert "noticeboard" in registry.available_platforms()
    assert "noticeboard" not in registry.available_platforms()


def test_without_installed_entry_points_the_source_trees_pyproject_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = [s.name for s in registry.descriptions()]
    monkeypatch.setattr(registry, "entry_points", lambda group: [])  # as when run from a checkout, uninstalled
    registry._entry_points.cache_clear()
    try:
        assert [s.name for s in registry.descriptions()] == installed
        assert installed[0] == "twitter" and installed[-1] == "website"
    finally:
        monkeypatch.undo()
        registry._entry_points.cache_clear()
