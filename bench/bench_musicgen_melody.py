"""MusicGen-Melody speed and memory at real model size, with random weights (never run in CI).

Speed does not depend on trained weights, so this builds facebook/musicgen-melody's shape (a T5-base
text encoder, EnCodec at 32 kHz with 4 codebooks, audiocraft's 1.5B "medium" decoder: 48 layers
of width 1536, 24 heads, FFN 6144; a 235-frame chroma prefix) with random weights and runs the
backend's own path (:class:`~models.musicgen.melody.MusicgenMelodyBackend.generate`): the embedded
composer's guide render, its chroma, and generation with classifier-free guidance, for:

* a first section (no audio prompt) and a continued one (primed with the previous section's
  last ``--context-s`` seconds), as seconds of audio per second of compute;
* the guide render and chroma alone (CPU);
* float32, and float16 on CUDA;
* peak memory: the process's peak RSS on CPU, ``max_memory_allocated`` on CUDA.

Usage::

    python bench/bench_musicgen_melody.py                       # CPU, 1 s sections
    python bench/bench_musicgen_melody.py --device cuda --seconds 10 --out bench/results/mm.json
    python bench/bench_musicgen_melody.py --layers 4            # a shallower decoder: quick check
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.base import BackendConfig, SectionAudio
from models.musicgen.chroma import ChromaExtractor, ChromaSettings
from models.musicgen.guide import GuideRenderer
from models.musicgen.loading import place_model, transformers_module
from models.musicgen.melody import MusicgenMelodyBackend
from models.plan import Key, SongPlan
from models.planning import PlanRequest, plan_request
from tests.musicgen_tiny import build_tiny_tokenizer

#: facebook/musicgen-melody's configuration (what its config.json holds).
TEXT = dict(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12)
CODEC = dict(
    sampling_rate=32_000, audio_channels=1, upsampling_ratios=[8, 5, 4, 4], target_bandwidths=[2.2],
    codebook_size=2048, codebook_dim=128, hidden_size=128, num_filters=64, num_lstm_layers=2,
    normalize=False, use_causal_conv=False, use_conv_shortcut=False,
)  # fmt: skip
DECODER = dict(
    vocab_size=2048, hidden_size=1536, num_hidden_layers=48, num_attention_heads=24, ffn_dim=6144,
    num_codebooks=4, audio_channels=1, max_position_embeddings=2048, pad_token_id=2048,
    bos_token_id=2048, decoder_start_token_id=2048,
)  # fmt: skip


def build_model(layers: int, device: torch.device) -> Any:
    """The real-sized model with random weights (``layers`` decoder layers), on ``device``."""
    hf = transformers_module()
    config = hf.MusicgenMelodyConfig(
        text_encoder=hf.T5Config(**TEXT).to_dict(),
        audio_encoder=hf.EncodecConfig(**CODEC).to_dict(),
        decoder=hf.MusicgenMelodyDecoderConfig(
            **{**DECODER, "num_hidden_layers": layers}
        ).to_dict(),
        num_chroma=12,
        chroma_length=235,
    )
    torch.manual_seed(0)
    with torch.device(device):
        model = hf.MusicgenMelodyForConditionalGeneration(config)
    generation = model.generation_config
    generation.decoder_start_token_id = generation.pad_token_id = generation.bos_token_id = 2048
    generation.max_length = 1500
    return model


def section_plan(seconds: float) -> SongPlan:
    """A one-section synthwave plan exactly ``seconds`` long (whole bars of 4/4)."""
    plan, (index,) = plan_request(
        PlanRequest(style="synthwave", key=Key.parse("A minor"), duration_s=8, seed=3)
    )
    bars = max(1, math.ceil(seconds / 2))
    section = dataclasses.replace(plan.sections[index], index=0, bars=bars, start_bar=0)
    return dataclasses.replace(plan, bpm=240.0 * bars / seconds, sections=(section,))


def peak_gib(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


@dataclasses.dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float  # this process's CPU time, all threads (steadier than wall time on a busy CPU)


def timed(device: torch.device, fn: Any) -> tuple[Any, Timing]:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return out, Timing(time.perf_counter() - start, time.process_time() - cpu)


def run(args: argparse.Namespace, device: torch.device, half: bool) -> list[dict[str, Any]]:
    model, build_s = timed(device, lambda: build_model(args.layers, device))
    dtype = place_model(model, device, half_precision=half, label="MusicGen-Melody")
    weights_gib = sum(p.numel() * p.element_size() for p in model.parameters()) / 2**30
    params_m = sum(p.numel() for p in model.decoder.parameters()) / 1e6
    chroma = ChromaSettings()
    backend = MusicgenMelodyBackend(
        model,
        build_tiny_tokenizer(),
        ChromaExtractor(chroma),
        GuideRenderer.load(BackendConfig(), chroma.sampling_rate),
        device=device,
        dtype=dtype,
        context_s=args.context_s,
    )
    plan = section_plan(args.seconds)
    section = plan.sections[0]
    precision = "fp16" if dtype == torch.float16 else "fp32"
    built = f"built in {build_s.wall_s:.1f} s: decoder {params_m:.0f} M parameters"
    print(f"{built}, all weights {weights_gib:.2f} GiB")

    def row(stage: str, t: Timing, prec: str = precision) -> dict[str, Any]:
        peak = None if prec == "cpu" else peak_gib(device)
        return {"stage": stage, "precision": prec, "audio_s": args.seconds, "seconds": t.wall_s,
                "cpu_s": t.cpu_s, "peak_gib": peak, "layers": args.layers,
                "weights_gib": weights_gib}  # fmt: skip

    _, guide_s = timed(device, lambda: backend.chroma(backend.guide(plan, section, args.seconds)))
    rows = [row("guide+chroma", guide_s, "cpu")]
    first: SectionAudio
    first, first_s = timed(device, lambda: backend.generate(plan, section))
    rows.append(row("first section", first_s))
    _, cont_s = timed(device, lambda: backend.generate(plan, section, previous=first))
    rows.append(row(f"continued (+{args.context_s:g} s prompt)", cont_s))
    backend.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--seconds", type=float, default=1.0, help="audio per section (>= 0.8)")
    p.add_argument("--context-s", type=float, default=1.0, help="audio prompt when continuing")
    p.add_argument("--layers", type=int, default=DECODER["num_hidden_layers"])
    p.add_argument("--precisions", default=None, help="fp32,fp16 (default: both on CUDA)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--out", type=Path, default=None, help="JSON results file")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    default = "fp32,fp16" if device.type == "cuda" else "fp32"
    precisions = (args.precisions or default).split(",")
    if device.type == "cuda":
        name = str(torch.cuda.get_device_name(device))
    else:
        name = f"cpu ({platform.machine()}, {torch.get_num_threads()} threads)"
    print(f"MusicGen-Melody, random weights, {args.layers}/48 decoder layers on {name}")
    rows: list[dict[str, Any]] = []
    for precision in precisions:
        rows += run(args, device, half=precision == "fp16")
    print(f"{'stage':28} {'prec':5} {'audio s':>8} {'wall s':>8} {'cpu s':>8} "
          f"{'audio/wall':>11} {'peak GiB':>9}")  # fmt: skip
    for r in rows:
        peak = "" if r["peak_gib"] is None else f"{r['peak_gib']:.2f}"
        ratio = r["audio_s"] / r["seconds"]
        print(f"{r['stage']:28} {r['precision']:5} {r['audio_s']:8.2f} {r['seconds']:8.2f} "
              f"{r['cpu_s']:8.2f} {ratio:11.4f} {peak:>9}")  # fmt: skip
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average (1 min) at the end: {load:.2f} on {os.cpu_count()} CPUs")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"device": name, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
