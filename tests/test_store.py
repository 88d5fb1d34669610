"""The clip store writes whole directories atomically and replaces leftovers of earlier attempts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.storage.clip_store import ClipStore


def test_write_is_all_or_nothing(tmp_path: Path) -> None:
    store = ClipStore(tmp_path)

    class Boom(Exception):
        pass

    class Exploding(dict[str, bytes]):
        def items(self):  # type: ignore[override]
            yield "a.bin", b"a"
            raise Boom

    with pytest.raises(Boom):
        store.write("clip1", Exploding())
    assert not store.exists("clip1")
    assert list(tmp_path.iterdir()) == []


def test_rewrite_replaces_previous_attempt(tmp_path: Path) -> None:
    store = ClipStore(tmp_path)
    store.write("clip1", {"audio.ogg": b"old", "stale.bin": b"x"})
    path = store.write("clip1", {"audio.ogg": b"new"})
    assert sorted(p.name for p in path.iterdir()) == ["audio.ogg"]
    assert (path / "audio.ogg").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["clip1"]


def test_bad_ids_and_names_are_rejected(tmp_path: Path) -> None:
    store = ClipStore(tmp_path)
    with pytest.raises(ValueError):
        store.path("../etc")
    with pytest.raises(ValueError):
        store.write("ok", {"../x": b""})


def test_sweep_removes_stale_temporaries(tmp_path: Path) -> None:
    store = ClipStore(tmp_path)
    stale = tmp_path / ".tmp-clip9-deadbeef"
    stale.mkdir()
    os.utime(stale, (0, 0))
    assert store.sweep(older_than_s=60) == 1
    assert not stale.exists()
