"""How long rendering takes: 50,000 announcements for X and Facebook, against validation without rendering.

    python bench/render_bench.py --files 50000 [--repo DIR] [--profile]

Without --repo it generates a repository (bench/generate.py) in a temporary folder. In this process and in
this order it times pmcpost.validate.validate with render off (loading and checking only), then renders
every announcement for twitter and for facebook with one Renderer, and prints both times and their ratio.
--profile prints the functions rendering spends its time in.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # generate.py is a sibling script, not a module
from generate import add_repository_options, repository

from pmcpost.config import Config, load_config
from pmcpost.content import Announcement
from pmcpost.render import Renderer
from pmcpost.validate import validate

PLATFORMS = ("twitter", "facebook")


def render_all(config: Config, announcements: list[Announcement]) -> tuple[float, int]:
    """Seconds to render every announcement for each platform, and the number of posts made."""
    start = time.perf_counter()
    renderer = Renderer(config)
    posts = 0
    for a in announcements:
        for platform in PLATFORMS:
            posts += len(renderer.render(a, platform).parts)
    return time.perf_counter() - start, posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_repository_options(parser)
    parser.add_argument("--profile", action="store_true", help="print where rendering spends its time")
    args = parser.parse_args()

    with repository(args) as root:
        config = load_config(root)

        start = time.perf_counter()
        # One process on both sides, so the ratio is the price of rendering itself, not of the worker pool.
        report = validate(config, jobs=1, render=False)
        plain = time.perf_counter() - start
        announcements = report.announcements
        print(
            f"validate, render off, 1 process: {plain:7.2f} s  ({report.files:,} files, "
            f"{len(report.diagnostics)} diagnostics)"
        )

        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        rendering, posts = render_all(config, announcements)
        if profiler:
            profiler.disable()
        renders = len(announcements) * len(PLATFORMS)
        print(
            f"render {len(announcements):,} announcements for {' and '.join(PLATFORMS)}: {rendering:7.2f} s  "
            f"({renders:,} messages, {posts:,} posts, {1e6 * rendering / max(renders, 1):.0f} µs a message)"
        )
        print(f"ratio rendering / validate-only: {rendering / plain:.2f}")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
