"""The phrasing corpus (tests/data/requests.jsonl): one test per phrasing, every field asserted.

Each line is ``{"id", "text", "options"?, "default_kind"?, "limits"?}`` plus either
``"expect"`` (the fields that differ from "not said"; every other field must be null/default)
or ``"error"`` (a piece of the RequestError's user_message) and optionally ``"understood"``
(the exact ``understood`` dict of the error).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.errors import RequestError
from bot.parsing import ParseLimits, parse_request
from bot.service.spec import RequestKind, RequestSpec, SlashOptions
from models.plan import Key, Meter, SectionRole

CORPUS = Path(__file__).parent / "data" / "requests.jsonl"
FIELDS = (
    "kind",
    "section",
    "bpm",
    "key",
    "meter",
    "duration",
    "style",
    "mood",
    "instruments",
    "seed",
    "prompt",
    "backend",
    "tempo_hint",
    "substyle",
    "form",
)


def load_corpus() -> list[dict[str, Any]]:
    with CORPUS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


CASES = load_corpus()


def slash_options(raw: dict[str, Any] | None) -> SlashOptions | None:
    if raw is None:
        return None
    return SlashOptions(
        section=SectionRole(raw["section"]) if "section" in raw else None,
        bpm=raw.get("bpm"),
        key=Key.parse(raw["key"]) if "key" in raw else None,
        meter=Meter.parse(raw["meter"]) if "meter" in raw else None,
        style=raw.get("style"),
        duration_s=raw.get("duration_s"),
        seed=raw.get("seed"),
        backend=raw.get("backend"),
        substyle=raw.get("substyle"),
    )


def run_case(case: dict[str, Any]) -> RequestSpec:
    return parse_request(
        case["text"],
        slash_options(case.get("options")),
        limits=ParseLimits(**case.get("limits", {})),
        default_kind=RequestKind(case.get("default_kind", "section")),
    )


def observed(spec: RequestSpec) -> dict[str, Any]:
    return {**spec.to_json_dict(), "tempo_hint": spec.tempo_hint}


def expected(case: dict[str, Any]) -> dict[str, Any]:
    full: dict[str, Any] = dict.fromkeys(FIELDS)
    full["kind"] = case.get("default_kind", "section")
    full.update(case["expect"])
    return full


def test_corpus_is_large_and_well_formed() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 300
    assert len(set(ids)) == len(ids)
    for case in CASES:
        assert ("expect" in case) != ("error" in case), case["id"]
        if "expect" in case:
            assert set(case["expect"]) <= set(FIELDS), case["id"]
    errors = sum("error" in case for case in CASES)
    assert errors >= 40  # conflicts, out of range, unknown values, nonsense


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_phrasing(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(RequestError) as info:
            run_case(case)
        error = info.value
        assert case["error"].lower() in error.user_message.lower()
        assert error.examples, "every error comes with examples"
        assert len(error.user_message) < 700
        if "understood" in case:
            assert error.understood == case["understood"]
        return
    spec = run_case(case)
    assert observed(spec) == expected(case)
    assert spec.section is None or spec.kind is RequestKind.SECTION
