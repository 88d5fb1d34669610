"""Request parser benchmark: field accuracy over the phrasing corpus and parse time.

    python bench/bench_parser.py [--rounds 20]

Accuracy: for every corpus case that expects a spec, each field (kind, section, bpm, key, meter,
duration, style, mood, instruments, seed, prompt, backend, tempo_hint) is compared with the
expected value; for every case that expects an error, the case counts as right when a
RequestError with the expected text is raised.  Timing: every corpus phrasing is parsed
``rounds`` times; the median, 95th percentile and maximum per request are printed, warm (typo
cache filled) and cold (typo cache cleared before every parse).  Target: median < 1 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.errors import RequestError  # noqa: E402
from bot.parsing.fuzzy import correct  # noqa: E402
from tests.test_parsing_corpus import FIELDS, load_corpus, observed  # noqa: E402
from tests.test_parsing_corpus import run_case as _parse  # noqa: E402


def accuracy(cases: list[dict[str, Any]]) -> None:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    exact = errors_right = errors_total = 0
    for case in cases:
        if "error" in case:
            errors_total += 1
            try:
                _parse(case)
            except RequestError as error:
                errors_right += case["error"].lower() in error.user_message.lower()
            continue
        want: dict[str, Any] = dict.fromkeys(FIELDS)
        want["kind"] = case.get("default_kind", "section")
        want.update(case["expect"])
        try:
            spec = _parse(case)
        except RequestError:
            got: dict[str, Any] = {}
        else:
            got = observed(spec)
        ok = True
        for name in FIELDS:
            total[name] += 1
            if got.get(name, "<error>") == want[name]:
                right[name] += 1
            else:
                ok = False
        exact += ok
    specs = len(cases) - errors_total
    print(f"corpus: {len(cases)} phrasings ({specs} specs, {errors_total} expected errors)")
    print("field accuracy:")
    for name in FIELDS:
        share = 100 * right[name] / total[name]
        print(f"  {name:<12} {right[name]:>4}/{total[name]:<4} {share:6.1f}%")
    print(f"  {'all fields':<12} {exact:>4}/{specs:<4} {100 * exact / max(specs, 1):6.1f}%")
    print(
        f"  {'errors':<12} {errors_right:>4}/{errors_total:<4} "
        f"{100 * errors_right / max(errors_total, 1):6.1f}%"
    )


def _time_one(case: dict[str, Any], *, cold: bool) -> float:
    if cold:
        correct.cache_clear()
    start = time.perf_counter_ns()
    with contextlib.suppress(RequestError):
        _parse(case)
    return (time.perf_counter_ns() - start) / 1e6


def timing(cases: list[dict[str, Any]], rounds: int) -> None:
    for label, cold in (("warm", False), ("cold", True)):
        samples = [_time_one(case, cold=cold) for _ in range(rounds) for case in cases]
        samples.sort()
        p95 = samples[int(0.95 * (len(samples) - 1))]
        print(
            f"parse time ({label}, {len(samples)} parses): median "
            f"{statistics.median(samples):.3f} ms, p95 {p95:.3f} ms, max {samples[-1]:.3f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    cases = load_corpus()
    accuracy(cases)
    timing(cases, args.rounds)


if __name__ == "__main__":
    main()
