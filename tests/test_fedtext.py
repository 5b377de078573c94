"""Counting as Mastodon and Bluesky count, and Bluesky's facets with UTF-8 byte offsets."""

from __future__ import annotations

from pmcpost.platforms.fedtext import bluesky_parts, facets, graphemes, mastodon_length, mastodon_parts, utf8_bytes

LINK = "https://www.pmc.gov.in/mr/notices/water-supply-shutdown-parvati-zone-2026"


def test_mastodon_counts_graphemes_every_url_23_and_a_mention_by_its_username() -> None:
    assert mastodon_length("पाणी") == 2  # पा, णी: graphemes, not code points (4)
    assert mastodon_length(f"पाणी {LINK}") == 2 + 1 + 23
    assert mastodon_length("@pmc@mastodon.social hi") == len("@pmc hi")
    assert mastodon_length("pmc.gov.in") == 10  # no scheme: not a link to Mastodon
    assert mastodon_length(f"x {LINK}", url_weight=30) == 32


def test_bluesky_facets_use_utf8_byte_offsets_after_marathi_text() -> None:
    text = f"पाणीपुरवठा बंद {LINK} #PMCWater @pmc.gov.in @nobody.example"
    found = facets(text, {"pmc.gov.in": "did:plc:pmcgovin0000000000000000"}.get)
    data = text.encode("utf-8")
    link, tag, mention = found
    start = text.index(LINK)
    assert start != len(text[:start].encode())  # code point offsets would be wrong here
    assert link["index"] == {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:start].encode()) + len(LINK)}
    assert link["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": LINK}]
    assert data[tag["index"]["byteStart"] : tag["index"]["byteEnd"]] == b"#PMCWater"
    assert tag["features"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": "PMCWater"}]
    assert data[mention["index"]["byteStart"] : mention["index"]["byteEnd"]] == b"@pmc.gov.in"
    assert mention["features"] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:pmcgovin0000000000000000"}
    ]
    # An unresolvable handle stays plain text; a Marathi hashtag is a tag too.
    assert [f["features"][0]["tag"] for f in facets("#पुणे_पाणी आज") if "tag" in f["features"][0]] == ["पुणे_पाणी"]


def test_thread_parts_fit_each_platforms_measure() -> None:
    text = " ".join(["पुणे महानगरपालिकेच्या पाणीपुरवठा विभागाची सूचना."] * 30) + " " + LINK
    for split, limit, measure in ((mastodon_parts, 500, mastodon_length), (bluesky_parts, 300, graphemes)):
        parts = split(text, limit)
        assert len(parts) > 1
        assert all(measure(p) <= limit and utf8_bytes(p) <= 3000 for p in parts)
        assert parts[-1].endswith(f"({len(parts)}/{len(parts)})")
        assert LINK in parts[-1]
