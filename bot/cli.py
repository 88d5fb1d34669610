"""The ``composer`` command line.

composer compose "outro 85bpm in A minor" -o outro.ogg     one section
composer song "chill lofi 85bpm in A minor" -o song.ogg     a whole song
composer song "synthwave" --melody tune.mid -o song.ogg     a whole song on your tune
composer parse "a sad jazz intro in Eb" --json              what the bot understood
composer run                                                start the Discord bot
composer db upgrade                                         apply database migrations
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot.errors import ComposerError, RequestError
from bot.runtime.jobs import ClipFiles, JobKind, JobProgress, OutputSpec, RenderJob
from bot.service.spec import RequestKind, RequestSpec, SlashOptions
from bot.settings import CLI_SOUNDFONT, Settings
from bot.storage.outputs import check_outputs, staged_files
from models.base import BackendConfig, BackendError
from models.plan import PlanError, SongPlan

if TYPE_CHECKING:
    from models.melody import Melody

__all__ = ["main"]

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

#: A markup tag (``[red]``, ``[/bold]``) with the backslashes before it, as rich reads them.
_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def escape(text: str) -> str:
    """``text`` shown as typed inside markup: every ``[`` that would open a tag is escaped with
    a backslash (and backslashes before it doubled), the convention of rich's markup."""
    text = _TAG.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", text)
    return text + "\\" if text.endswith("\\") and not text.endswith("\\\\") else text


def _plain(markup: str) -> str:
    """What ``markup`` reads as without styles: tags dropped, escaped brackets kept."""

    def unescape(m: re.Match[str]) -> str:
        pairs, escaped = divmod(len(m.group(1)), 2)
        return "\\" * pairs + (m.group(2) if escaped else "")

    return _TAG.sub(unescape, markup)


class Console:
    """Messages on stderr: through rich (colours, a progress bar) on a terminal; plain lines
    otherwise, without importing rich (a tenth of the start-up of ``composer song``)."""

    def __init__(self) -> None:
        self.rich: Any = None  # rich's console, on a terminal only
        if sys.stderr.isatty():
            from rich.console import Console as RichConsole

            self.rich = RichConsole(stderr=True, soft_wrap=True)  # one message, one line

    def print(self, markup: str) -> None:
        if self.rich is not None:
            self.rich.print(markup)
        else:
            print(_plain(markup), file=sys.stderr, flush=True)


def entry() -> NoReturn:
    """The ``composer`` command.  After ``compose`` or ``song`` have committed their files the
    process leaves without the interpreter's teardown (freeing the SoundFont, every audio
    buffer and module: ~45 ms, a twentieth of a song's whole run); anything else exits
    normally."""
    code, rendered = _main(None, leaving=True)
    if not rendered:
        sys.exit(code)
    logging.shutdown()  # flush the log handlers, as a normal exit would
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``composer`` command; its exit status."""
    return _main(argv, leaving=False)[0]


def _main(argv: Sequence[str] | None, *, leaving: bool) -> tuple[int, bool]:
    """(exit status, whether a render command finished).  What a command holds (a loaded
    SoundFont: 16 ms to free FluidR3's samples) is released here, unless the process is
    ``leaving`` right after a render anyway."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    args.release = []
    code = _dispatch(args)
    rendered = code == EXIT_OK and args.handler is _cmd_compose
    if not (leaving and rendered):
        for release in args.release:
            release()
    return code, rendered


def _dispatch(args: argparse.Namespace) -> int:
    if args.handler is not _cmd_run:  # `composer run` sets up discord.py's (coloured) logging
        logging.basicConfig(
            level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
    console = Console()
    try:
        settings = Settings.load(Path(args.settings) if args.settings else None)
        result: int = args.handler(args, settings, console)
        return result
    except ComposerError as exc:
        console.print(f"[red]{escape(exc.user_message)}[/red]")
        return EXIT_USAGE if isinstance(exc, RequestError) else EXIT_ERROR
    except (BackendError, PlanError) as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        return EXIT_ERROR
    except OSError as exc:  # a disk full or a file that vanished while writing
        console.print(f"[red]{escape(str(exc))}[/red]")
        return EXIT_ERROR
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        return 130


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="composer", description="Compose music from words.")
    parser.add_argument("--settings", help="settings TOML file (default: $COMPOSER_SETTINGS)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, kind, what in (
        ("compose", RequestKind.SECTION, "one section (intro, verse, chorus, climax, outro...)"),
        ("song", RequestKind.SONG, "a whole song: intro → ... → outro"),
    ):
        p = sub.add_parser(name, help=f"compose {what}")
        p.add_argument("words", nargs="+", help='what you want, e.g. "chill lofi outro 85bpm"')
        p.add_argument("-o", "--output", required=True, help="audio file to write")
        p.add_argument("--seed", type=int, help="seed (same words + seed → same audio)")
        p.add_argument("--duration", type=float, help="length in seconds")
        p.add_argument("--backend", help="backend (default: embedded)")
        p.add_argument("--format", help="ogg (Opus, the default), opus, vorbis, mp3, flac or wav")
        p.add_argument("--midi", help="also write the MIDI file here")
        p.add_argument(
            "--melody",
            metavar="FILE",
            help="build it on your tune: a MIDI file or a recording (WAV, FLAC, Ogg, MP3, M4A)",
        )
        p.add_argument(
            "--soundfont",
            help="a .sf2/.sf3 General MIDI SoundFont, or best, fast (default), fluidr3, timgm6mb…",
        )
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.add_argument(
            "--json-summary",
            metavar="FILE",
            help="also write what was made as JSON (plan, seams, duration, loudness)",
        )
        p.set_defaults(handler=_cmd_compose, kind=kind)

    p = sub.add_parser("parse", help="show how a request is understood")
    p.add_argument("words", nargs="*", help="the request")
    p.add_argument("--json", action="store_true", help="print the request spec as JSON")
    p.set_defaults(handler=_cmd_parse)

    p = sub.add_parser("run", help="run the Discord bot (DISCORD_TOKEN from the environment)")
    p.set_defaults(handler=_cmd_run)

    p = sub.add_parser("db", help="database maintenance")
    p.add_argument("action", choices=["upgrade"], help="upgrade: apply migrations")
    p.set_defaults(handler=_cmd_db)
    return parser


def _parse(words: str, kind: RequestKind, options: SlashOptions | None = None) -> RequestSpec:
    from bot.parsing import parse_request

    return parse_request(words, options, default_kind=kind)


def _cmd_parse(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    spec = _parse(" ".join(args.words), RequestKind.SECTION)
    if args.json:
        print(json.dumps(spec.to_json_dict(), ensure_ascii=False))
    else:
        for key, value in spec.to_json_dict().items():
            console.print(f"[bold]{key:>11}[/bold]  {value}")
    return EXIT_OK


def _cmd_compose(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from bot.service.planning import plan_from_spec
    from models.factory import load_backend

    kind: RequestKind = args.kind
    outputs = check_outputs(args.output, args.format, midi=args.midi, summary=args.json_summary)
    options = SlashOptions(duration_s=args.duration, seed=args.seed, backend=args.backend)
    spec = _parse(" ".join(args.words), kind, options)
    if kind is RequestKind.SONG and spec.kind is not RequestKind.SONG:
        spec = _with_kind(spec, RequestKind.SONG)
    melody = _read_melody(Path(args.melody)) if args.melody else None
    plan, indices = plan_from_spec(
        spec, default_style=None, max_duration_s=settings.max_duration_s, melody=melody
    )
    if melody is not None:
        console.print(f"🎤 {escape(str(plan.extra('melody')))}")
    output, fmt = outputs.audio, outputs.format
    backend_name = spec.backend or settings.default_backend
    soundfont = Path(args.soundfont) if args.soundfont else settings.soundfont_or(CLI_SOUNDFONT)
    config = BackendConfig(
        sample_rate=settings.sample_rate, soundfont=soundfont, midi=outputs.midi is not None
    )
    backend = load_backend(backend_name, config)
    args.release.append(backend.close)
    job = RenderJob(
        job_id=uuid.uuid4().hex,
        clip_id=uuid.uuid4().hex[:12],
        kind=JobKind.SONG if len(indices) > 1 else JobKind.SECTION,
        backend=backend_name,
        plan=plan,
        sections=indices,
        output=OutputSpec(format=fmt, waveform=False, stem=False),  # only what was asked for
    )
    with tempfile.TemporaryDirectory(prefix="composer-") as tmp, staged_files() as files:
        clip = _render_with_progress(job, backend, Path(tmp), console, quiet=args.quiet)
        shutil.copyfile(clip.audio_path, files.stage(output))
        if outputs.midi is not None:
            if clip.midi_path is None:
                console.print(f"[yellow]backend {escape(backend_name)} makes no MIDI[/yellow]")
            else:
                shutil.copyfile(clip.midi_path, files.stage(outputs.midi))
        if outputs.summary is not None:
            used = getattr(backend, "soundfont", None)  # the embedded backend's, resolved
            _write_summary(files.stage(outputs.summary), clip, output, used)
        files.commit()  # all the files, or none
    console.print(_summary(plan, indices, clip, output))
    for note in clip.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    return EXIT_OK


def _read_melody(path: Path) -> Melody:
    from models.melody import MelodyError, load_melody

    try:
        return load_melody(path.read_bytes())
    except OSError as exc:
        raise RequestError(f"I can't read the melody file {path}: {exc.strerror}") from exc
    except MelodyError as exc:
        raise RequestError(f"I can't use that melody: {exc}.") from exc


def _write_summary(path: Path, clip: ClipFiles, output: Path, soundfont: object) -> None:
    """A machine-readable account of the clip, from the metadata the pipeline stored with it."""
    meta = json.loads((Path(clip.directory) / "meta.json").read_text())
    rate = int(meta["sample_rate"])
    seams = [int(f) for f in meta["seams"]]
    body_frames = (seams[-1] if seams else 0) + int(meta["stem_body_frames"])
    summary = {
        "output": str(output),
        "format": meta["format"],
        "duration_s": meta["duration_s"],
        "body_s": body_frames / rate,
        "seams_s": [f / rate for f in seams],
        "sample_rate": rate,
        "loudness_lufs": meta["loudness_lufs"],
        "true_peak_dbtp": meta["true_peak_dbtp"],
        "backend": meta["backend"],
        "soundfont": str(soundfont) if isinstance(soundfont, Path) else None,
        "sections": meta["sections"],
        "plan": meta["plan"],
        "notes": meta["notes"],
    }
    path.write_text(json.dumps(summary, indent=1, ensure_ascii=False))


def _with_kind(spec: RequestSpec, kind: RequestKind) -> RequestSpec:
    from dataclasses import replace

    return replace(spec, kind=kind)


def _render_with_progress(
    job: RenderJob, backend: object, clips_dir: Path, console: Console, *, quiet: bool
) -> ClipFiles:
    from bot.runtime.pipeline import render_job
    from models.base import MusicBackend

    assert isinstance(backend, MusicBackend)
    # a one-shot process: independent sections may be split with a forked copy of it
    if quiet or console.rich is None:
        return render_job(job, backend, clips_dir, fork_sections=True)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("[bold blue]{task.description:<40}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    # no refresh thread (it would keep the sections from a forked renderer): redrawn per update
    with Progress(*columns, console=console.rich, transient=True, auto_refresh=False) as bar:
        task = bar.add_task("composing", total=1.0)

        def on_progress(update: JobProgress) -> None:
            bar.update(task, completed=update.fraction, description=update.message or "")
            bar.refresh()

        return render_job(job, backend, clips_dir, progress=on_progress, fork_sections=True)


def _summary(plan: SongPlan, indices: tuple[int, ...], clip: ClipFiles, output: Path) -> str:
    roles = " → ".join(plan.sections[i].role.value for i in indices)
    return (
        f"[green]✓[/green] wrote [bold]{escape(str(output))}[/bold] ({clip.duration_s:.1f} s, "
        f"{clip.size_bytes / 1024:.0f} KiB): {plan.style}, {plan.key.name}, {plan.bpm:g} bpm, "
        f"{plan.meter}, {roles}, seed {plan.seed}, {clip.loudness_lufs:.1f} LUFS"
    )


def _cmd_run(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from cogs.app import run_bot

    if settings.web_port:
        local = f"http://{settings.web_host}:{settings.web_port}"
        console.print(
            f"web pages, /healthz and /metrics at [bold]{local}[/bold] "
            f"(links use {settings.web_url}; a server's pages need `/settings set gallery on`)"
        )
    else:
        console.print("web pages are off (web_port = 0)")
    code: int = run_bot(settings)
    return code


def _cmd_db(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    import asyncio  # only here: importing it costs ~0.03 s on every command

    from bot.db import upgrade

    asyncio.run(upgrade(settings.resolved_database_url))
    console.print(f"database at {settings.resolved_database_url} is up to date")
    return EXIT_OK


if __name__ == "__main__":
    entry()
