"""Archive parsing with very long lines: is it linear? (issue 17, finding 8)

A 1,000,000-character line in an archive .txt took 18 s to parse (131 s at 2,000,000): the
breadcrumb's cut tried every suffix. For each size N this prints the time to read a .txt page
whose breadcrumb line, or whose one body line, has N characters, next to the baseline of the
same number of characters spread over ordinary 200-character lines, in the same run. Linear
parsing keeps the ratio to the baseline flat as N doubles (quadratic parsing doubles it).

Usage: python bench/archive_lines.py [--sizes 250000,500000,1000000,2000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ingest.archive import read_archive_file  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WORDS = "Hội nghị đại đoàn kết toàn dân tộc "  # 36 characters


def _words(chars: int) -> str:
    return (WORDS * (chars // len(WORDS) + 1))[:chars]


def pages(size: int) -> dict[str, str]:
    head = "Trang chủ Tin tức Hội nghị...\nHội nghị tổng kết\n\n"
    short_lines = "\n".join(_words(200) for _ in range(size // 200))
    return {
        "baseline: short lines": head + short_lines + "\n",
        "one long breadcrumb line": "Trang chủ " + _words(size) + "Hội nghị...\n"
                                    "Hội nghị tổng kết\n\nNội dung.\n",
        "one long body line": head + _words(size) + "\n",
    }


def best_of(repeat: int, func: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250000,500000,1000000,2000000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'characters':>12}  {'page':<28}{'seconds':>9}{'vs baseline':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for size in sizes:
            baseline = 0.0
            for label, text in pages(size).items():
                path = root / f"page-{size}.txt"
                path.write_text(text, encoding="utf-8")
                seconds = best_of(args.repeat, lambda p=path: read_archive_file(
                    p, source="bench", root=root, tz=TZ))
                baseline = baseline or seconds
                print(f"{size:>12,}  {label:<28}{seconds:>9.3f}{seconds / baseline:>12.1f}x")


if __name__ == "__main__":
    main()
