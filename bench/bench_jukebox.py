"""Jukebox sampling speed at real model size, with random weights (never run in CI).

Speed does not depend on trained weights, so this builds the real 5B- and 1B-shaped models from
``models.jukebox.configs`` with random weights directly on the device and measures, through the
backend's own sampling code (:mod:`models.jukebox.sampling`):

* the top-level prior (what ``quality="preview"`` costs) and each upsampler (what ``"full"`` adds),
  as seconds of audio per second of compute, with the attention cache on and off;
* float32 against float16 (CUDA only);
* peak GPU memory per measurement and for the weights;
* VQ-VAE decoding.

Usage::

    python bench/bench_jukebox.py --device cuda --out bench/results/jukebox-<device>.json
    python bench/bench_jukebox.py --tiny --device cpu          # the tiny model: proves the script

The JSON holds every figure and the device; a table is printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import json
import logging
import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from models.jukebox import sampling
from models.jukebox.configs import SPECS, build_config, transformers_module
from models.jukebox.labels import Conditioning
from models.jukebox.loading import geometry_of

log = logging.getLogger("bench_jukebox")


@dataclasses.dataclass(frozen=True)
class Sizes:
    context: int  # top-level context tokens primed before sampling
    top_tokens: int  # new top-level tokens, cached
    up_tokens: int  # new tokens per upsampler, cached
    uncached_tokens: int  # new tokens without the cache (each costs a full-context pass)
    decode_tokens: int  # bottom-level tokens decoded by the VQ-VAE


REAL = Sizes(context=1024, top_tokens=256, up_tokens=512, uncached_tokens=4, decode_tokens=65536)
TINY = Sizes(context=8, top_tokens=24, up_tokens=32, uncached_tokens=8, decode_tokens=1024)


@dataclasses.dataclass
class Row:
    model: str
    stage: str  # "top", "upsampler 1", "upsampler 2", "decode"
    precision: str
    cache: bool | None
    tokens: int
    seconds: float
    audio_s: float
    peak_gib: float | None

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds

    @property
    def audio_per_compute(self) -> float:
        return self.audio_s / self.seconds


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return str(torch.cuda.get_device_name(device))
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@contextmanager
def measured(device: torch.device) -> Iterator[dict[str, float | None]]:
    """Times a block (synchronised) and records CUDA peak memory inside it."""
    out: dict[str, float | None] = {}
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    sync(device)
    start = time.perf_counter()
    yield out
    sync(device)
    out["seconds"] = time.perf_counter() - start
    out["peak_gib"] = (
        torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None
    )


def build_model(spec: dict[str, Any], device: torch.device) -> Any:
    """A randomly initialised model built directly on ``device`` (no host copy at real size)."""
    hf = transformers_module()
    config = build_config(spec)
    torch.manual_seed(0)
    with torch.device(device):
        model = hf.JukeboxModel(config)
    model.init_weights()  # the constructor leaves some weights uninitialised
    model.eval().requires_grad_(False)
    return model


def random_tokens(n: int, vocab: int, device: torch.device, seed: int) -> torch.Tensor:
    gen = torch.Generator(device="cpu").manual_seed(seed)
    return torch.randint(0, vocab, (1, n), generator=gen).to(device)


def run_stage(
    model: Any,
    level: int,
    *,
    context: int,
    new: int,
    use_cache: bool,
    device: torch.device,
    labels: list[torch.Tensor],
) -> tuple[float, float | None]:
    """Sample ``new`` tokens after ``context`` tokens in one window; (seconds, peak GiB)."""
    geo = geometry_of(model)
    vocab = int(model.priors[level].prior.embed_tokens.num_embeddings)
    vocab = min(vocab, int(model.config.vqvae_config.nb_discrete_codes))
    tokens = random_tokens(context, vocab, device, seed=level)
    upper = None
    if level:
        ratio = geo.cond_ratio(level)
        upper = random_tokens((context + new) // ratio + 1, vocab, device, seed=10 + level)
    total = int(max(geo.min_duration_s, 60.0) * geo.sample_rate)
    with sampling.seeded(level, device), measured(device) as m:
        sampling.sample_level(
            model,
            level,
            tokens,
            context + new,
            labels=labels[level],
            offset=0,
            total_samples=total,
            hop=geo.hop[level],
            upper=upper,
            use_cache=use_cache,
        )
    return float(m["seconds"] or 0.0), m["peak_gib"]


def bench_model(
    name: str,
    model: Any,
    *,
    sizes: Sizes,
    device: torch.device,
    precisions: list[str],
    upsamplers: bool,
    report: Callable[[Row], None],
) -> None:
    geo = geometry_of(model)
    cond = Conditioning(
        "unknown",
        ("pop",),
        tuple(0 for _ in model.priors),
        tuple((1,) for _ in model.priors),
    )
    for precision in precisions:
        dtype = torch.float16 if precision == "fp16" else torch.float32
        for prior in model.priors:
            prior.to(dtype)
        labels = sampling.build_labels(cond, model, device)
        levels = range(len(model.priors)) if upsamplers else range(1)
        for level in levels:
            stage = "top" if level == 0 else f"upsampler {level}"
            context = sizes.context if level == 0 else 0
            n_new = sizes.top_tokens if level == 0 else sizes.up_tokens
            n_new = min(n_new, geo.n_ctx[level] - context)
            run_stage(  # warm-up: kernels, allocator, cuBLAS handles
                model, level, context=min(context, 8), new=4, use_cache=True, device=device,
                labels=labels,
            )  # fmt: skip
            for cache, count in ((True, n_new), (False, sizes.uncached_tokens)):
                seconds, peak = run_stage(
                    model, level, context=context, new=count, use_cache=cache, device=device,
                    labels=labels,
                )  # fmt: skip
                audio_s = count * geo.raw_to_tokens[level] / geo.sample_rate
                report(Row(name, stage, precision, cache, count, seconds, audio_s, peak))
    # VQ-VAE decode of the finest level (float32, as the backend runs it).
    bottom = len(model.priors) - 1
    n = sizes.decode_tokens
    codes = random_tokens(n, int(model.config.vqvae_config.nb_discrete_codes), device, seed=99)
    sampling.decode_tokens(model, codes[:, :64], bottom)  # warm-up
    with measured(device) as m:
        sampling.decode_tokens(model, codes, bottom)
    audio_s = n * geo.raw_to_tokens[bottom] / geo.sample_rate
    report(Row(name, "decode", "fp32", None, n, float(m["seconds"] or 0.0), audio_s, m["peak_gib"]))


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'model':<6} {'stage':<12} {'prec':<5} {'cache':<5} {'tokens':>7} {'s':>8} "
        f"{'tok/s':>9} {'audio s/s':>10} {'peak GiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        cache = "-" if r.cache is None else ("on" if r.cache else "off")
        peak = "-" if r.peak_gib is None else f"{r.peak_gib:.2f}"
        print(
            f"{r.model:<6} {r.stage:<12} {r.precision:<5} {cache:<5} {r.tokens:>7} "
            f"{r.seconds:>8.3f} {r.tokens_per_s:>9.1f} {r.audio_per_compute:>10.4f} {peak:>9}"
        )


def summarise(rows: list[Row]) -> dict[str, Any]:
    """Audio seconds per compute second for preview (top) and full (top + both upsamplers)."""
    summary: dict[str, Any] = {}
    for model in dict.fromkeys(r.model for r in rows):
        for precision in dict.fromkeys(r.precision for r in rows if r.model == model):
            rate = {
                r.stage: r.audio_per_compute
                for r in rows
                if r.model == model and r.precision == precision and r.cache in (True, None)
            }
            entry: dict[str, float] = {}
            if "top" in rate:
                entry["preview_audio_s_per_s"] = rate["top"]
            ups = [rate[s] for s in rate if s.startswith("upsampler")]
            if ups:
                entry["upsampling_audio_s_per_s"] = 1.0 / sum(1.0 / u for u in ups)
            if "top" in rate and ups:
                entry["full_audio_s_per_s"] = 1.0 / (1.0 / rate["top"] + sum(1.0 / u for u in ups))
            if entry:
                summary[f"{model}/{precision}"] = entry
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--out", type=Path, default=None, help="JSON results file")
    p.add_argument("--tiny", action="store_true", help="the tiny test model (CPU-friendly)")
    p.add_argument("--models", default="5b,1b", help="real models to build: 5b, 1b")
    p.add_argument("--precisions", default=None, help="fp32,fp16 (default: fp16 only on CUDA)")
    p.add_argument("--top-tokens", type=int, default=None)
    p.add_argument("--up-tokens", type=int, default=None)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("CUDA is not available here; use --device cpu --tiny", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    transformers_module().utils.logging.disable_progress_bar()
    sizes = TINY if args.tiny else REAL
    if args.top_tokens or args.up_tokens:
        sizes = dataclasses.replace(
            sizes,
            top_tokens=args.top_tokens or sizes.top_tokens,
            up_tokens=args.up_tokens or sizes.up_tokens,
        )
    if args.precisions:
        precisions = args.precisions.split(",")
    else:
        precisions = ["fp32", "fp16"] if device.type == "cuda" else ["fp32"]
    if "fp16" in precisions and device.type != "cuda":
        print("float16 sampling is measured on CUDA only", file=sys.stderr)
        return 2
    names = ["tiny"] if args.tiny else [m.strip() for m in args.models.split(",") if m.strip()]

    rows: list[Row] = []
    models_info: dict[str, Any] = {}

    def report(row: Row) -> None:
        rows.append(row)
        log.info(
            "%s %s %s cache=%s: %d tokens in %.3f s (%.4f audio s/s)",
            row.model, row.stage, row.precision, row.cache, row.tokens, row.seconds,
            row.audio_per_compute,
        )  # fmt: skip

    started = time.perf_counter()
    for index, name in enumerate(names):
        spec = SPECS[name]
        build_start = time.perf_counter()
        model = build_model(spec, device)
        weights_gib = sum(p.numel() * p.element_size() for p in model.parameters()) / 2**30
        models_info[name] = {
            "parameters": {
                "top": sum(p.numel() for p in model.priors[0].parameters()),
                "upsamplers": sum(p.numel() for pr in model.priors[1:] for p in pr.parameters()),
                "vqvae": sum(p.numel() for p in model.vqvae.parameters()),
            },
            "weights_fp32_gib": weights_gib,
            "build_s": time.perf_counter() - build_start,
            "geometry": dataclasses.asdict(geometry_of(model)),
        }
        # The upsamplers are the same in both real models: measure them once.
        bench_model(
            name, model, sizes=sizes, device=device, precisions=precisions,
            upsamplers=index == 0, report=report,
        )  # fmt: skip
        del model
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()

    print_table(rows)
    summary = summarise(rows)
    for key, entry in summary.items():
        print(key, json.dumps({k: round(v, 5) for k, v in entry.items()}))
    result = {
        "device": device_name(device),
        "device_arg": str(device),
        "torch": torch.__version__,
        "transformers": transformers_module().__version__,
        "python": platform.python_version(),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "tiny" if args.tiny else "real",
        "sizes": dataclasses.asdict(sizes),
        "models": models_info,
        "rows": [
            {
                **dataclasses.asdict(r),
                "tokens_per_s": r.tokens_per_s,
                "audio_s_per_compute_s": r.audio_per_compute,
            }
            for r in rows
        ],
        "summary": summary,
        "total_s": time.perf_counter() - started,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
