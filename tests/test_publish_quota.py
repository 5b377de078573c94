"""A platform's own daily allowance, read through the adapter protocol (ReportsQuota.remaining_today)."""

from __future__ import annotations

from world import World, assert_exactly_once


def test_when_the_platform_says_its_daily_allowance_is_spent_the_rest_waits_for_a_later_run(world: World) -> None:
    # ROADS is a 2-part thread and CAMP one post on X; after X's answer to the second post says 0 are left,
    # the publisher leaves X alone instead of collecting refusals.
    world.x.daily_limit = 2
    _, outcomes = world.publish()
    on_x = [(o.item.id, o.status) for o in outcomes if o.item.platform == "twitter"]
    assert on_x == [
        ("roads/2026-11-27-road-closure-karve-road", "posted"),
        ("health/2026-12-02-eye-camp", "held"),
    ]
    held = next(o for o in outcomes if o.status == "held")
    assert held.error == "twitter's 24-hour posting limit is used up"
    assert len(world.x.requests_to("/2/tweets", "POST")) == 2  # nothing sent once the allowance was spent
    assert all(o.ok for o in outcomes if o.item.platform != "twitter")
    world.x.daily_limit = 17  # a day later
    _, outcomes = world.publish()
    assert [(o.item.platform, o.status) for o in outcomes] == [("twitter", "posted")]
    assert_exactly_once(world)
