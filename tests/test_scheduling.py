"""Honest scheduling: a scheduled post goes out at the first publish run after its time (GitHub's cron is best
effort), and the preview says so."""

from __future__ import annotations

from pathlib import Path

from test_preview import WASTE, root, run

__all__ = ["root"]  # the fixture of test_preview


def test_the_preview_says_a_scheduled_post_goes_out_at_the_first_run_after_its_time(root: Path) -> None:
    markdown = run(root, "preview", "--format", "markdown", "--now", "2026-11-19 18:00", WASTE)
    assert markdown.exit_code == 0, markdown.output
    assert f"| `{WASTE}` | twitter | scheduled | the first run after Fri 20 Nov 2026, 08:00 IST | 2 |" in (
        markdown.stdout
    )
    text = run(root, "preview", "--now", "2026-11-19 18:00", "--platform", "twitter", WASTE)
    assert "goes out: the first run after Fri 20 Nov 2026, 08:00 IST\n" in text.stdout
