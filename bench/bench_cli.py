"""`composer song` as a whole process against the physical floor, in one run.

Alternates, ``--runs`` times: the floor (``bench/floor_render.py``: load the same SoundFont,
render a fixed 45 s five-track arrangement with TinySoundFont, write WAV) and the real command
(``composer song "<request>" --duration 45 --seed 3 -o song.ogg``, production chain on), each a
fresh process.  Prints wall-clock medians, the ratio (goal ≤ 1.5×), peak RSS of each (goal
≤ 150 MB with TimGM6mb), the first run apart from later ones, and the split of one instrumented
run of the same command in a fresh process (sections on threads instead of a forked child, so
that every stage is counted here), in CPU seconds (robust on a busy machine): start-up
(interpreter and imports; bytecode cached after the first run, as in an installed package),
parse + plan, SoundFont load, compose, synth, effects (on helper threads, overlapping synth),
master, encode (Ogg Opus on two threads: their CPU adds up), side files.  ``--soundfonts`` adds the
load cost of every installed SoundFont (first and later process).

    python bench/bench_cli.py [--runs 5] [--request "chill lofi 85bpm in A minor"]
                              [--soundfont PATH] [--soundfonts]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.settings import CLI_SOUNDFONT  # noqa: E402

SPLIT_KEYS = (
    "startup",
    "parse_plan",
    "soundfont",
    "compose",
    "synth",
    "effects",
    "master",
    "encode",
    "side_files",
)


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds user + system) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


def song_cmd(args: argparse.Namespace, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "bot.cli", "song", args.request,
        "--duration", "45", "--seed", "3", "-o", str(out),
    ]  # fmt: skip


def split_child(args: argparse.Namespace) -> None:
    """Run the command in this (fresh) process with CPU timers around each stage (the CPU time
    of the thread that runs it: robust on a busy machine, and the effect threads add up);
    print JSON."""
    import bot.audio.opus as opus
    import bot.cli as cli
    import bot.runtime.pipeline as pipeline
    import bot.runtime.sections as sections
    import models.embedded.backend as backend
    import models.embedded.render as render
    import models.factory as factory
    from bot.service import planning
    from bot.storage import ClipStore

    # Sections on threads, not split with a forked child: every stage is counted in this process
    # (the timed runs above do fork).
    sections.can_fork = lambda: False
    spent = dict.fromkeys(SPLIT_KEYS, 0.0)
    spent["startup"] = time.process_time()  # the interpreter's start and every import

    walls: dict[str, float] = {}

    def wrap(owner: object, name: str, key: str, *, wall: bool = False) -> None:
        """Time every call of ``owner.name`` under ``key``: the CPU of the calling thread, or
        (``wall``) the wall clock into ``walls``."""
        original = getattr(owner, name)
        clock, into = (time.perf_counter, walls) if wall else (time.thread_time, spent)

        def timed_call(*a: object, **k: object) -> object:
            start = clock()
            try:
                return original(*a, **k)
            finally:
                into[key] = into.get(key, 0.0) + clock() - start

        setattr(owner, name, timed_call)

    wrap(planning, "plan_from_spec", "parse_plan")
    wrap(cli, "_parse", "parse_plan")
    wrap(factory, "load_backend", "soundfont")
    wrap(backend.EmbeddedBackend, "compose", "compose")
    wrap(render.Renderer, "_render_tracks", "synth")
    wrap(render.Renderer, "calibrate", "synth")
    for name in ("apply_effects", "apply_snare_verb", "room_response", "vinyl"):
        wrap(render, name, "effects")
    wrap(pipeline, "master", "master")
    wrap(opus, "_encode_span", "encode")  # each span on its own thread: their CPU adds up
    for name in ("waveform_png", "join_midi", "_stem_flac"):
        wrap(pipeline, name, "side_files")
    wrap(ClipStore, "write", "side_files")
    wrap(pipeline, "render_sections", "wall_sections", wall=True)
    wrap(pipeline, "stitch", "wall_stitch", wall=True)
    wrap(pipeline, "master", "wall_master", wall=True)
    wrap(pipeline, "encode_to_fit", "wall_encode", wall=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COMPOSER_DATA_DIR"] = tmp
        start = time.perf_counter()
        cpu = time.process_time()
        code = cli.main(song_cmd(args, Path(tmp) / "song.ogg")[3:])
        spent["command_wall"] = time.perf_counter() - start
        spent["command_cpu"] = time.process_time() - cpu
    spent.update(walls)
    if code != 0:
        raise SystemExit(code)
    print(json.dumps(spent))


def soundfont_costs(env: dict[str, str]) -> None:
    from models.embedded.soundfonts import installed

    code = (
        "import sys, time, resource, tinysoundfont\n"
        "t = time.perf_counter(); s = tinysoundfont.Synth(samplerate=48000)\n"
        "s.sfload(sys.argv[1]); dt = time.perf_counter() - t\n"
        "print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    print("\nSoundFont load (TinySoundFont, 48 kHz): first process / later process")
    for font in installed():
        rows = []
        for _ in range(2):
            done = subprocess.run(
                [sys.executable, "-c", code, str(font.path)],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            load_s, rss = (float(v) for v in done.stdout.split())
            rows.append((load_s, rss))
        print(
            f"  {font.id:16s} {font.path.stat().st_size / 1e6:6.0f} MB file  "
            f"load {rows[0][0]:5.2f} s / {rows[1][0]:5.2f} s   RSS {rows[1][1]:6.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--request", default="chill lofi 85bpm in A minor")
    parser.add_argument(
        "--soundfont",
        default=CLI_SOUNDFONT,
        help=f"a path or a name: best, fast, timgm6mb, ... (default: the CLI's, {CLI_SOUNDFONT})",
    )
    parser.add_argument("--soundfonts", action="store_true", help="load cost of every SoundFont")
    parser.add_argument("--split-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.split_child:
        split_child(args)
        return

    from models.embedded.soundfonts import resolve_soundfont

    soundfont = resolve_soundfont(args.soundfont)  # a path or a name (best, fast, fluidr3, ...)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    env["COMPOSER_SOUNDFONT"] = str(args.soundfont)  # the command and the floor load the same
    floor_cmd = [sys.executable, str(ROOT / "bench" / "floor_render.py"), str(soundfont)]
    songs: list[tuple[float, float, float]] = []
    floors: list[tuple[float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env["COMPOSER_DATA_DIR"] = tmp
        # as installed: bytecode compiled once (the first run), then reused
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = f"{tmp}/pycache"
        for run in range(args.runs + 1):
            floors.append(timed([*floor_cmd, f"{tmp}/floor.wav"], env, ROOT))
            songs.append(timed(song_cmd(args, Path(tmp) / f"song{run}.ogg"), env, ROOT))
        done = subprocess.run(
            [sys.executable, __file__, "--split-child", "--request", args.request],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
    split = json.loads(done.stdout.strip().splitlines()[-1])

    later_song = statistics.median(r[0] for r in songs[1:])
    later_floor = statistics.median(r[0] for r in floors[1:])
    cpu_song = statistics.median(r[2] for r in songs[1:])
    cpu_floor = statistics.median(r[2] for r in floors[1:])
    print(f"request: {args.request!r}, 45 s, seed 3 — SoundFont {args.soundfont}: {soundfont.name}")
    print(f"runs: {args.runs} (+1 first run reported apart), alternating, fresh processes")
    print(f"composer song  median {later_song:.2f} s   first run {songs[0][0]:.2f} s")
    print(f"floor          median {later_floor:.2f} s   first run {floors[0][0]:.2f} s")
    print(f"ratio          {later_song / later_floor:.2f}x  (goal ≤ 1.5x)")
    print(
        f"CPU (user+sys) composer song {cpu_song:.2f} s, floor {cpu_floor:.2f} s: "
        f"{cpu_song / cpu_floor:.2f}x (both cores count)"
    )
    print(
        f"peak RSS       composer song {max(r[1] for r in songs[1:]):.0f} MB "
        f"(first run, compiling bytecode: {songs[0][1]:.0f} MB), "
        f"floor {max(r[1] for r in floors[1:]):.0f} MB  (goal ≤ 150 MB with TimGM6mb)"
    )
    print("split of one instrumented run (CPU seconds of the thread doing each stage):")
    for key in (*SPLIT_KEYS, "command_cpu", "command_wall"):
        print(f"  {key:12s} {split[key]:6.3f}")
    print(
        "  wall seconds: "
        + " · ".join(
            f"{key[5:]} {split[key]:.3f}"
            for key in ("wall_sections", "wall_stitch", "wall_master", "wall_encode")
            if key in split
        )
    )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (2 cores: above 2 is contention)")
    if args.soundfonts:
        soundfont_costs(env)


if __name__ == "__main__":
    main()
