"""The website channel, described: cheap to import; the adapter is ``pmcpost.platforms.website.WebsitePlatform``."""

from __future__ import annotations

from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec

SPEC = PlatformSpec(
    name="website",
    display_name="the website",
    adapter="pmcpost.platforms.website:WebsitePlatform",
    order=90,  # last, so an announcement's page links to the posts just made elsewhere
    options={
        "output": Option(folder=True),
        "base_url": Option(),
        "title": Option(),
    },
    text_limit=1_000_000,
    measure="builtins:len",
    attaches_link=True,
    media=MediaRules(alt_text=True),
    can_look_up=True,  # its own records
    publishes_log_head="pmcpost.platforms.website:publish_log_head",  # ledger-heads.json, the Accountability page
    output_folder="pmcpost.platforms.website:output_folder",
    # pmcpost.site's FEEDS_DIR and MEDIA_DIR, and one for static files a site may add: each department gets a
    # folder beside them, which would overwrite them.
    reserved_departments=("feeds", "media", "assets"),
)
