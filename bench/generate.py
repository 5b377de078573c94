"""Generate a large, realistic content repository for benchmarks: N announcements over D departments.

    python bench/generate.py OUT_DIR --files 50000 --departments 40

The repository has its own config.yaml (D departments, two coordinators each), bilingual Marathi/English
announcements of varied length, and a few images that about a third of the announcements attach.
Every generated file is valid, so a benchmark measures the clean path that CI runs on every push.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import struct
import tempfile
import time
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

# (slug, Marathi name, English name)
DEPARTMENTS = [
    ("water-supply", "पाणीपुरवठा विभाग", "Water Supply Department"),
    ("solid-waste", "घनकचरा व्यवस्थापन विभाग", "Solid Waste Management Department"),
    ("roads", "पथ विभाग", "Road Department"),
    ("health", "आरोग्य विभाग", "Health Department"),
    ("property-tax", "मिळकतकर विभाग", "Property Tax Department"),
    ("building-permission", "बांधकाम परवानगी विभाग", "Building Permission Department"),
    ("garden", "उद्यान विभाग", "Garden Department"),
    ("fire-brigade", "अग्निशमन दल", "Fire Brigade"),
    ("disaster-management", "आपत्ती व्यवस्थापन कक्ष", "Disaster Management Cell"),
    ("education", "शिक्षण विभाग", "Education Department"),
    ("traffic-planning", "वाहतूक नियोजन विभाग", "Traffic Planning Department"),
    ("electrical", "विद्युत विभाग", "Electrical Department"),
    ("anti-encroachment", "अतिक्रमण निर्मूलन विभाग", "Anti-Encroachment Department"),
    ("drainage", "मलनिःसारण विभाग", "Drainage Department"),
    ("town-planning", "नगररचना विभाग", "Town Planning Department"),
    ("sports", "क्रीडा विभाग", "Sports Department"),
    ("culture", "सांस्कृतिक कार्य विभाग", "Cultural Affairs Department"),
    ("social-development", "समाज विकास विभाग", "Social Development Department"),
    ("veterinary", "पशुवैद्यकीय विभाग", "Veterinary Department"),
    ("licence", "परवाना विभाग", "Licence Department"),
]
ZONES = [("east", "पूर्व", "East"), ("west", "पश्चिम", "West"), ("north", "उत्तर", "North"), ("south", "दक्षिण", "South")]

FIRST = [
    "anil",
    "priya",
    "mahesh",
    "sunita",
    "vikas",
    "neha",
    "sachin",
    "manisha",
    "sanjay",
    "kavita",
    "ajay",
    "shweta",
    "prakash",
    "asha",
    "sunil",
    "rohini",
    "ganesh",
    "deepa",
    "nitin",
    "meena",
]
LAST = [
    "jadhav",
    "shinde",
    "pawar",
    "gaikwad",
    "more",
    "kale",
    "patil",
    "joshi",
    "bhosale",
    "mane",
    "chavan",
    "naik",
    "salunkhe",
    "kadam",
    "thorat",
    "sonune",
    "lokhande",
    "waghmare",
    "kulkarni",
    "deshpande",
]

TITLES = [
    ("पाणीपुरवठा बंद", "Water supply shut"),
    ("वाहतूक बदल", "Traffic diversion"),
    ("मोफत आरोग्य शिबिर", "Free health camp"),
    ("मिळकतकर सवलत", "Property tax rebate"),
    ("पावसाचा इशारा", "Heavy rain alert"),
    ("वृक्षारोपण मोहीम", "Tree plantation drive"),
    ("शिष्यवृत्ती अर्ज", "Scholarship applications"),
    ("कचरा संकलन वेळापत्रक", "Waste collection schedule"),
]
SENTENCES = [
    (
        "देखभाल-दुरुस्तीच्या कामामुळे उद्या सकाळी १० ते दुपारी ४ या वेळेत पाणीपुरवठा बंद राहील.",
        "Because of maintenance work, water supply will be shut from 10 am to 4 pm tomorrow.",
    ),
    ("नागरिकांनी आवश्यक पाणीसाठा करून ठेवावा.", "Citizens are requested to store enough water."),
    (
        "मिळकतकर ऑनलाइन भरण्याची सुविधा महानगरपालिकेच्या संकेतस्थळावर उपलब्ध आहे.",
        "Property tax can be paid online on the corporation's website.",
    ),
    (
        "रस्ता दुरुस्तीसाठी हा मार्ग रात्री ११ ते पहाटे ५ या वेळेत वाहतुकीसाठी बंद राहील.",
        "The road will be closed to traffic from 11 pm to 5 am for repairs.",
    ),
    ("वाहनचालकांनी पर्यायी मार्गाचा वापर करावा.", "Motorists should use the alternative route."),
    (
        "सर्व नागरी आरोग्य केंद्रांत मोफत लसीकरण शिबिर आयोजित करण्यात आले आहे.",
        "A free vaccination camp has been organised at every civic health centre.",
    ),
    (
        "ओला आणि सुका कचरा वेगवेगळा करून कचरा संकलन वाहनाकडे द्यावा.",
        "Please hand over wet and dry waste separately to the collection vehicle.",
    ),
    ("अधिक माहितीसाठी महानगरपालिकेच्या हेल्पलाइनवर संपर्क साधावा.", "For more information, call the corporation's helpline."),
    (
        "मुसळधार पावसाचा इशारा असल्याने नदीकाठच्या नागरिकांनी सतर्क राहावे.",
        "With heavy rain forecast, residents along the river should stay alert.",
    ),
    (
        "उद्यानात होणाऱ्या वृक्षारोपण कार्यक्रमात सहभागी होण्याचे आवाहन करण्यात येत आहे.",
        "Citizens are invited to join the tree plantation drive in the garden.",
    ),
    ("शिष्यवृत्तीसाठी अर्ज करण्याची अंतिम तारीख ३१ डिसेंबर आहे.", "The last date to apply for the scholarship is 31 December."),
    ("महानगरपालिकेस सहकार्य केल्याबद्दल नागरिकांचे आभार.", "Thank you for your cooperation with the corporation."),
]
KINDS = ["notice", "notice", "notice", "alert", "scheme", "project", "event"]


def department_list(count: int) -> list[tuple[str, str, str]]:
    """``count`` departments: the base list, then the same departments per zone (east, west, ...)."""
    out = []
    for i in range(count):
        slug, mr, en = DEPARTMENTS[i % len(DEPARTMENTS)]
        round_ = i // len(DEPARTMENTS)
        if round_:
            zslug, zmr, zen = ZONES[(round_ - 1) % len(ZONES)]
            extra = f"-{round_}" if round_ > len(ZONES) else ""
            slug, mr, en = f"{slug}-{zslug}{extra}", f"{mr} ({zmr})", f"{en} ({zen})"
        out.append((slug, mr, en))
    return out


def people(index: int) -> tuple[dict[str, str], dict[str, str]]:
    """The two coordinators of department ``index``: unique ids, realistic names."""
    pair = []
    for k in (0, 1):
        n = 2 * index + k
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7 + index) % len(LAST)]
        pid = f"{first}.{last}.{n}"
        pair.append({"id": pid, "name": f"{first.title()} {last.title()}", "email": f"{pid}@punecorporation.org"})
    return pair[0], pair[1]


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)  # 2x2 pixels, 8-bit RGB
    pixels = zlib.compress((b"\x00" + b"\x80" * 6) * 2)  # two rows, each with its filter byte
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def config_yaml(departments: list[tuple[str, str, str]]) -> str:
    lines = [
        "organisation:",
        "  name: {mr: पुणे महानगरपालिका, en: Pune Municipal Corporation}",
        "  short_name: {mr: पुमपा, en: PMC}",
        "  website: https://www.pmc.gov.in",
        "  timezone: Asia/Kolkata",
        "  languages: [mr, en]",
        "cell:",
        "  name: {mr: समाजमाध्यम कक्ष, en: Social Media Cell}",
        "  members:",
        "    - {id: smita.kulkarni, name: Smita Kulkarni, email: smita.kulkarni@punecorporation.org}",
        "    - {id: rahul.deshpande, name: Rahul Deshpande, email: rahul.deshpande@punecorporation.org}",
        "departments:",
    ]
    for i, (slug, mr, en) in enumerate(departments):
        a, b = people(i)
        lines += [
            f"  {slug}:",
            f"    name: {{mr: {mr}, en: {en}}}",
            "    coordinators:",
            *(f"      - {{id: {p['id']}, name: {p['name']}, email: {p['email']}}}" for p in (a, b)),
        ]
    lines += [
        "platforms:",
        "  twitter:",
        "    enabled: true",
        "    layout: combined",
        "    credentials: {consumer_key: PMCPOST_TWITTER_CONSUMER_KEY}",
        "  facebook:",
        "    enabled: true",
        '    page_id: "117289331623925"',
        "  website:",
        "    enabled: true",
        "    base_url: https://www.pmc.gov.in/announcements",
        "policy:",
        "  approval_required: true",
        "  default_platforms: [twitter, facebook, website]",
    ]
    return "\n".join(lines) + "\n"


def announcement(rng: random.Random, index: int, dept_index: int, slug: str, day: date) -> str:
    a, b = people(dept_index)
    coordinator, approver = (a, b) if rng.random() < 0.5 else (b, a)
    title = rng.choice(TITLES)
    count = rng.choice([1, 1, 2, 2, 3, 4])
    picked = rng.sample(SENTENCES, count)
    mr = " ".join(s[0] for s in picked)
    en = " ".join(s[1] for s in picked)
    hour, minute = rng.randrange(7, 21), rng.choice(["00", "15", "30", "45"])
    out = [
        "# yaml-language-server: $schema=../../announcement.schema.json",
        f"coordinator: {coordinator['id']}",
        f"approved_by: {approver['id']}",
        f"kind: {rng.choice(KINDS)}",
    ]
    if rng.random() < 0.8:
        out += ["title:", f'  mr: "{title[0]}"', f'  en: "{title[1]}"']
    if count >= 3:  # long texts as folded blocks, as people write them
        out += ["text:", "  mr: >-", f"    {mr}", "  en: >-", f"    {en}"]
    else:
        out += ["text:", f'  mr: "{mr}"', f'  en: "{en}"']
    if rng.random() < 0.6:
        out.append(f"link: https://www.pmc.gov.in/en/{slug}")
    if rng.random() < 0.5:
        out.append("hashtags: [PuneCity, PMC]")
    if rng.random() < 0.33:
        out += [
            "media:",
            f"  - path: content/{slug}/images/photo-{index % 3}.png",
            "    alt:",
            f'      mr: "{title[0]} - माहितीचे छायाचित्र"',
            f'      en: "{title[1]} - information photo"',
        ]
    out.append(f'publish_at: "{day.isoformat()} {hour:02d}:{minute}"')
    if rng.random() < 0.4:
        out.append(f'expires_at: "{(day + timedelta(days=rng.randrange(1, 10))).isoformat()} 21:00"')
    return "\n".join(out) + "\n"


def generate(root: Path, files: int = 50_000, departments: int = 40, seed: int = 2026) -> Path:
    """Write config.yaml and ``files`` announcements over ``departments`` departments under ``root``."""
    rng = random.Random(seed)
    depts = department_list(departments)
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.yaml").write_text(config_yaml(depts), encoding="utf-8")
    png = tiny_png()
    for slug, _, _ in depts:
        images = root / "content" / slug / "images"
        images.mkdir(parents=True, exist_ok=True)
        for k in range(3):
            (images / f"photo-{k}.png").write_bytes(png)
    start = date(2026, 1, 1)
    for i in range(files):
        d = i % len(depts)
        slug = depts[d][0]
        day = start + timedelta(days=(i // len(depts)) % 730)
        name = f"{day.isoformat()}-announcement-{i:06d}.yaml"
        (root / "content" / slug / name).write_text(announcement(rng, i, d, slug, day), encoding="utf-8")
    return root


def add_repository_options(parser: argparse.ArgumentParser, *, files: int = 50_000) -> None:
    """The options every benchmark over generated announcements shares."""
    parser.add_argument("--files", type=int, default=files)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--repo", type=Path, help="an existing repository (default: generate one)")


@contextlib.contextmanager
def repository(args: argparse.Namespace) -> Iterator[Path]:
    """``args.repo``, or a freshly generated repository that is removed afterwards."""
    if args.repo is not None:
        yield args.repo
        return
    with tempfile.TemporaryDirectory(prefix="pmcpost-bench-") as tmp:
        start = time.perf_counter()
        generate(Path(tmp), args.files, args.departments)
        # Written out now: the kernel would otherwise write tens of thousands of new files back to disk in the
        # middle of the measurements, taking a core from whichever side runs then.
        if hasattr(os, "sync"):
            os.sync()
        print(
            f"generated {args.files:,} files over {args.departments} departments in {time.perf_counter() - start:.1f} s"
        )
        yield Path(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to create the repository in")
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    generate(args.out, args.files, args.departments, args.seed)
    print(f"{args.files} announcements over {args.departments} departments in {args.out}")


if __name__ == "__main__":
    main()
