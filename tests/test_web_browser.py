"""The web pages in a real browser: Debian's chromium driven by Selenium (chromium-driver).

The server runs in its own thread and event loop (as in the bot's process) with real clips made
by the embedded backend.  Screenshots (desktop and phone) are saved under
``test-artifacts/web/`` for people to look at.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.db import ClipRecord, ClipRelation
from models.plan import SectionRole
from tests.web_support import GALLERY, HIDDEN, WebWorld, web_world

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.optional import in_ci  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "web"
DESKTOP = (1280, 900)
PHONE = (390, 844)
WAIT_S = 30

# Skipped on a developer's machine without the browser; in CI a missing browser fails the tests.
pytestmark = pytest.mark.skipif(
    not in_ci() and not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs Debian's chromium and chromium-driver",
)

T = TypeVar("T")

#: A hostile display name: markup, a right-to-left override and more than Discord allows.
HOSTILE_NAME = "<script>alert(1)</script>\u202eevil" + "W" * 150


@dataclass
class Served:
    """A web world running in a thread of its own (Selenium blocks; the server must not)."""

    world: WebWorld
    clips: dict[str, ClipRecord]
    session_id: str
    loop: asyncio.AbstractEventLoop

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=180)


async def _populate(world: WebWorld) -> tuple[dict[str, ClipRecord], str]:
    makers = {"a": (11, HOSTILE_NAME), "b": (12, "Bea"), "c": (13, None)}
    clips = {
        name: await world.render(seed=seed, user_id=makers[name][0], display_name=makers[name][1])
        for name, seed in (("a", 3), ("b", 4), ("c", 5))
    }
    clips["reroll"] = await world.render(
        seed=6,
        parent=clips["a"],
        relation=ClipRelation.REROLL,
        user_id=11,
        display_name=HOSTILE_NAME,  # each request records the name anew
    )
    clips["hidden"] = await world.render(seed=7, guild_id=HIDDEN)
    voter = iter(range(500, 600))
    for name, votes in (("a", 2), ("b", -1), ("c", 3), ("reroll", 1)):
        for _ in range(abs(votes)):
            await world.storage.votes.toggle(clips[name].id, next(voter), 1 if votes > 0 else -1)
    role = clips["a"].section_role or SectionRole.VERSE
    session = await world.storage.sessions.create(
        guild_id=GALLERY,
        parent_channel_id=1,
        owner_id=11,
        name="Friday night jam",
        plan=clips["a"].plan,
        roles=(SectionRole.INTRO, role, SectionRole.OUTRO),
    )
    for name in ("a", "b", "c"):
        await world.storage.sessions.add_clip(session.id, clips[name].id)
    return clips, session.web_key


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="web-world", daemon=True)
    thread.start()
    context: AbstractAsyncContextManager[WebWorld] = web_world(tmp_path_factory.mktemp("web"))

    def run(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=180)

    world = run(context.__aenter__())
    try:
        clips, session_id = run(_populate(world))
        yield Served(world, clips, session_id, loop)
    finally:
        run(context.__aexit__(None, None, None))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--mute-audio",
        "--autoplay-policy=no-user-gesture-required",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_script_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


def screenshots(driver: Any, name: str) -> None:
    """Desktop and phone screenshots of the current page (the whole page height)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        driver.set_window_size(width, height)
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, max(height, min(int(full) + 140, 4000)))
        assert driver.save_screenshot(str(ARTIFACTS / f"{name}-{label}.png"))
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways on a {label} ({overflow} px)"
    driver.set_window_size(*DESKTOP)


def csp_violations(driver: Any) -> list[str]:
    return [
        e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]
    ]


SEEK = """
const [seconds, done] = arguments;
const audio = document.getElementById("player");
audio.addEventListener("seeked", () => done(audio.currentTime), {once: true});
audio.currentTime = seconds;
"""
PLAY = """
const done = arguments[0];
const audio = document.getElementById("player");
const from = audio.currentTime;
audio.play().then(
  () => setTimeout(() => { audio.pause(); done([from, audio.currentTime]); }, 600),
  (error) => done(String(error)));
"""


def test_clip_page_plays_seeks_and_shows_the_clip(browser: Any, served: Served) -> None:
    clip = served.clips["a"]
    browser.get(f"{served.world.url}/c/{clip.web_key}")
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script("return document.getElementById('player').readyState >= 1")
    )
    duration = browser.execute_script("return document.getElementById('player').duration")
    assert abs(duration - clip.duration_s) < 0.05, (duration, clip.duration_s)
    # Range requests make the whole clip seekable.
    seekable = browser.execute_script(
        "const s = document.getElementById('player').seekable; return [s.length, s.end(0)]"
    )
    assert seekable[0] == 1 and abs(seekable[1] - clip.duration_s) < 0.05
    assert abs(browser.execute_async_script(SEEK, 3.0) - 3.0) < 0.05
    played = browser.execute_async_script(PLAY)
    assert isinstance(played, list) and played[1] > played[0] + 0.1, played
    # Clicking the middle of the waveform seeks to the middle (player.js).
    wave = browser.find_element(By.ID, "wave")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", wave)
    ActionChains(browser).move_to_element(wave).click().perform()
    middle = WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script(
            "const a = document.getElementById('player');return a.seeking ? null : a.currentTime"
        )
    )
    assert abs(middle - clip.duration_s / 2) < 0.05 * clip.duration_s, middle
    width = browser.execute_script("return document.getElementById('played').style.width")
    assert abs(float(width.rstrip("%")) - 50.0) < 5.0, width
    for element, text in (("key", clip.key), ("seed", str(clip.seed)), ("meter", clip.meter)):
        assert browser.find_element(By.ID, element).text == text
    children = browser.find_elements(By.CSS_SELECTOR, "#children li")
    assert [li.get_attribute("data-clip") for li in children] == [served.clips["reroll"].id]
    assert browser.find_element(By.ID, "up").text == "2"
    assert csp_violations(browser) == []
    screenshots(browser, "clip")


def test_midi_download_is_the_clips_midi(browser: Any, served: Served, downloads: Path) -> None:
    clip = served.clips["b"]
    assert clip.midi_path is not None
    browser.get(f"{served.world.url}/c/{clip.web_key}")
    browser.find_element(By.ID, "download-midi").click()
    target = downloads / f"composer-{clip.id}.mid"
    deadline = time.monotonic() + WAIT_S
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.read_bytes() == Path(clip.midi_path).read_bytes()
    assert target.read_bytes().startswith(b"MThd")


def test_leaderboard_lists_clips_in_vote_order(browser: Any, served: Served) -> None:
    c = served.clips
    browser.get(f"{served.world.url}/g/{GALLERY}/top?period=week")
    rows = browser.find_elements(By.CSS_SELECTOR, "#leaderboard li")
    order = [li.get_attribute("data-clip") for li in rows]
    assert order == [c["c"].id, c["a"].id, c["reroll"].id, c["b"].id]
    scores = [int(li.get_attribute("data-score")) for li in rows]
    assert scores == sorted(scores, reverse=True) == [3, 2, 1, -1]
    assert c["hidden"].id not in order
    assert "Lo-fi Lounge" in browser.find_element(By.TAG_NAME, "h1").text
    screenshots(browser, "top")
    browser.get(f"{served.world.url}/s/{served.session_id}")
    assert "Friday night jam" in browser.find_element(By.TAG_NAME, "h1").text
    takes = browser.find_elements(By.CSS_SELECTOR, "section li[data-clip]")
    assert [li.get_attribute("data-clip") for li in takes] == [c["c"].id, c["a"].id, c["b"].id]
    makers = [
        [e.text for e in li.find_elements(By.CLASS_NAME, "creator")]
        for li in browser.find_elements(By.CSS_SELECTOR, "section li[data-clip]")
    ]
    stored = HOSTILE_NAME[:100]  # names are kept to 100 characters
    assert makers == [[], [stored], ["Bea"]]  # c has no display name: no creator shown
    assert csp_violations(browser) == []
    screenshots(browser, "session")


def test_a_hostile_display_name_is_text_and_stays_in_its_box(browser: Any, served: Served) -> None:
    clip = served.clips["a"]
    try:
        for width, height in (DESKTOP, PHONE):
            browser.set_window_size(width, height)
            browser.get(f"{served.world.url}/c/{clip.web_key}")
            creator = browser.find_element(By.ID, "creator")
            # The markup is shown as text: no script element was made from it, nothing ran.
            assert creator.get_attribute("textContent") == HOSTILE_NAME[:100]
            assert creator.find_elements(By.XPATH, "./*") == []
            assert browser.execute_script("return document.scripts.length") == 1  # player.js
            # Its direction is isolated (the override cannot flip the text after it) and the
            # long name wraps inside the card instead of widening the page.
            assert creator.tag_name == "bdi"
            assert creator.value_of_css_property("unicode-bidi") == "isolate"
            page_width = browser.execute_script("return document.documentElement.scrollWidth")
            viewport = browser.execute_script("return document.documentElement.clientWidth")
            assert page_width <= viewport, (page_width, viewport)
            card = browser.find_element(By.CSS_SELECTOR, "article.card")
            right = creator.rect["x"] + creator.rect["width"]
            assert right <= card.rect["x"] + card.rect["width"] + 1
        assert csp_violations(browser) == []
        screenshots(browser, "clip-hostile-name")  # and it never scrolls sideways
    finally:
        browser.set_window_size(*DESKTOP)


def test_a_gallery_that_is_off_answers_404(browser: Any, served: Served) -> None:
    hidden = served.clips["hidden"]
    for path in (f"/c/{hidden.web_key}", f"/g/{HIDDEN}/top?period=week"):
        browser.get(f"{served.world.url}{path}")
        assert browser.title.startswith("404")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
        assert not browser.find_elements(By.TAG_NAME, "audio")
    screenshots(browser, "not-found")
    status, _, _ = served.call(served.world.get(f"/c/{hidden.web_key}"))
    assert status == 404
