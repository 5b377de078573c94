"""Shared by the Mastodon and Bluesky tests: config.yaml with either (or both) enabled and posted to by default."""

from __future__ import annotations

import re


def enabling(*platforms: str) -> object:
    """A config_edit for emulated_world: ``platforms`` enabled and among the default platforms."""

    def edit(text: str) -> str:
        for name in platforms:
            text = re.sub(rf"(\n  {name}:\n(?:    #.*\n)*    enabled: )false", r"\1true", text, count=1)
        more = "".join(f", {name}" for name in platforms)
        return text.replace(
            "default_platforms: [twitter, facebook, website]", f"default_platforms: [twitter, facebook{more}, website]"
        )

    return edit
