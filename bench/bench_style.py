"""Listening proxies per style: the same composed section without and with its production.

For each style (and seed), composes an 8-bar chorus, renders it twice with the same SoundFont:
"before" with a neutral production (the shared room only), "after" with the style's (sub-)style
production (effect chains, room, master bus, vinyl), masters both to −14 LUFS and prints, from
``tests/style_features.py``: spectral centroid, flatness, low-end (< 150 Hz) and top (> 6 kHz)
energy shares, crest factor, stereo width (side/mid), onsets per second, side-chain pumping depth
(level modulation locked to the beat) and crackle clicks per second.

    python bench/bench_style.py [--style lofi --style house] [--seeds 2] [--soundfont fast]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.audio.master import master
from models.base import BackendConfig
from models.embedded.backend import load, render_settings
from models.embedded.production.tables import NEUTRAL
from models.embedded.render import RenderSettings
from models.plan import Key
from models.styles import STYLE_IDS, style_info
from tests.style_features import features
from tests.test_embedded_support import section_plan

COLUMNS = (
    ("centroid_hz", "centroid", "{:8.0f}"),
    ("flatness", "flat", "{:6.3f}"),
    ("low_share", "low%", "{:6.1%}"),
    ("high_share", "top%", "{:6.2%}"),
    ("crest_db", "crest", "{:6.1f}"),
    ("width_db", "width", "{:6.1f}"),
    ("onsets_per_s", "onsets", "{:6.1f}"),
    ("pump_db", "pump", "{:6.1f}"),
    ("clicks_per_s", "clicks", "{:6.1f}"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--style", action="append", choices=STYLE_IDS)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--soundfont", default=None, help="a path or a name (best, fast, ...)")
    args = parser.parse_args()
    sr = 48_000
    soundfont = Path(args.soundfont) if args.soundfont else None
    backend = load(BackendConfig(sample_rate=sr, soundfont=soundfont))
    print(f"SoundFont {backend.soundfont.name}; 8-bar chorus; before: room only, after: produced")
    header = " ".join(f"{title:>8s}" for _k, title, _f in COLUMNS)
    print(f"{'style':10s} {'sub-style':13s} {'':6s} {header}")
    for style in args.style or STYLE_IDS:
        info = style_info(style)
        for seed in range(args.seeds):
            plan, section = section_plan(
                style, Key(9, info.default_mode), info.default_bpm, bars=8, seed=seed
            )
            score = backend.compose(plan, section)
            backend.renderer.calibrate(score)
            produced = render_settings(plan, section)
            beat_s = score.tempo.spq_at(0.0)
            for label, settings in (
                ("before", RenderSettings(production=NEUTRAL, seed=produced.seed)),
                ("after", produced),
            ):
                audio, body = backend.renderer.render(score, settings)
                mastered = master(audio, sr).audio[:body]
                values = features(mastered, sr, beat_s)
                cells = " ".join(f"{fmt.format(values[k]):>8s}" for k, _t, fmt in COLUMNS)
                substyle = str(getattr(plan, "substyle", "") or "-")
                print(f"{style:10s} {substyle:13s} {label:6s} {cells}")


if __name__ == "__main__":
    main()
