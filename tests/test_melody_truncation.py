"""A melody upload cut short is refused, not heard as a shorter tune: the container says where
its audio ends (Ogg pages and their end-of-stream flag, MP3 frame lengths, WebM element sizes)."""

from __future__ import annotations

import numpy as np
import pytest

from models.melody import CorruptFile, load_melody
from models.melody.decode import decode_audio, sniff
from tests.melody_signals import SR, encode, hum
from tests.test_melody_input import SHORT

FORMATS = ["ogg-opus", "mp3", "webm"]


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    audio, _truth = hum(SHORT, wave="voice", seed=3)
    return {fmt: encode(audio.astype(np.float32), SR, fmt) for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_whole_file_decodes_to_the_whole_tune(files: dict[str, bytes], fmt: str) -> None:
    data = files[fmt]
    assert decode_audio(data, sniff(data)).size / 16_000 == pytest.approx(3.86, abs=0.05)


@pytest.mark.parametrize("fraction", [0.4, 0.8, 0.97])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_cut_short_is_refused(files: dict[str, bytes], fmt: str, fraction: float) -> None:
    data = files[fmt]
    with pytest.raises(CorruptFile, match="damaged or cut short") as caught:
        load_melody(data[: int(len(data) * fraction)])
    assert "ends before its audio does" in str(caught.value)


def test_an_ogg_cut_between_pages_is_refused(files: dict[str, bytes]) -> None:
    """Every page is whole, but the stream never ends: its last page has no end-of-stream flag."""
    data = files["ogg-opus"]
    cut = data[: data.rfind(b"OggS")]
    with pytest.raises(CorruptFile, match="cut short"):
        load_melody(cut)
