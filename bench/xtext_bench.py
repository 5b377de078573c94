"""X length counting, URL finding and thread splitting on adversarial texts: time per size and growth.

    python bench/xtext_bench.py [--max-kb 64] [--repeat 3]

Each text is one pattern repeated to 1, 4, 16 and 64 KB (up to --max-kb). For each it prints the best of
--repeat runs of ``weighted_length``, ``find_urls`` and ``thread_parts`` (what `validate` does to an X post),
and the growth from one size to the next: with linear time the time grows about as the size (4x per 4x).
thread_parts splits once more when a thread reaches 10 and 100 posts (the numbering gets wider), so its
growth includes that extra pass; and below 4 KB some texts are one long link that fits a single post.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from functools import partial

from pmcpost import xtext

PATTERNS = {
    "a. runs": "a.",
    "dots": ".",
    "URL-like run": "a-b_c~d",
    "hashtags": "#a",
    "long word": "a",
    "labels and TLDs": "ab.in.",
    "schemeless URLs": "a.com/",
    "URLs with scheme": "https://a.b.in/x?y=1 ",
    "Devanagari host": "पुणे.",
    "parentheses": "pmc.gov.in/(a(b)c)",
    "hyphen labels": "-a-b.",
    "words and dots": "a.b ",
}


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        xtext._short_piece_urls.cache_clear()  # each run starts cold, as a new text would
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-kb", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [kb * 1024 for kb in (1, 4, 16, 64) if kb <= args.max_kb]
    xtext.weighted_length("warm up pmc.gov.in 🙏🏽")  # load the TLD list and compile patterns first
    print(f"{'pattern':18} {'function':14}" + "".join(f"{s // 1024:>8} KB" for s in sizes) + "   growth per 4x")
    worst = 0.0
    for name, unit in PATTERNS.items():
        for label, function in (
            ("weighted_length", xtext.weighted_length),
            ("find_urls", xtext.find_urls),
            ("thread_parts", xtext.thread_parts),
        ):
            timings = []
            for size in sizes:
                text = (unit * (size // len(unit) + 1))[:size]
                timings.append(best_of(args.repeat, partial(function, text)))
            ratios = [b / a if a > 0 else 0.0 for a, b in itertools.pairwise(timings)]
            worst = max([worst, *ratios[1:]])  # 1 KB is too short to time reliably
            cells = "".join(f"{t * 1000:8.1f} ms" for t in timings)
            print(f"{name:18} {label:15}{cells}   " + " ".join(f"{r:4.1f}x" for r in ratios))
    print(f"largest growth from 4 KB on: {worst:.1f}x per 4x the size (linear: about 4x; quadratic: 16x)")


if __name__ == "__main__":
    main()
