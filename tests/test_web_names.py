"""Display names and web tokens on the pages, over HTTP with real clips (the embedded backend
through the scheduler) and a real SQLite file.

Makers are shown by the display name recorded with their request (per server), escaped and
direction-isolated; ``/forget-me`` removes the name with everything else.  Links name clips
and sessions by 128-bit web tokens; clips and sessions from before tokens keep short-id links.
"""

from __future__ import annotations

import base64
from pathlib import Path

from sqlalchemy import text

from bot.db.members import clean_display_name
from models.plan import SectionRole
from tests.web_support import GALLERY, HIDDEN, web_world

HOSTILE = "<script>alert('x')</script>\u202egnp.exe" + "Z" * 200  # markup, RTL override, long


def creators(body: bytes) -> list[str]:
    """The creator names a page shows, in order (as HTML source)."""
    html = body.decode()
    marker = 'class="creator"'
    names = []
    for part in html.split(marker)[1:]:
        names.append(part.split(">", 1)[1].split("</bdi>", 1)[0])
    return names


def test_display_names_are_cleaned_but_not_rewritten() -> None:
    assert clean_display_name(None) is None
    assert clean_display_name("  \n\t ") is None
    assert clean_display_name("Nina\x00\n") == "Nina"
    assert clean_display_name("<b>x</b>") == "<b>x</b>"  # escaped by the pages, not here
    assert clean_display_name("\u202eabc") == "\u202eabc"  # isolated by the pages (<bdi>)
    assert len(clean_display_name("é" * 500) or "") == 100


async def test_pages_show_display_names_escaped_per_server_and_forget_me_removes_them(
    tmp_path: Path,
) -> None:
    async with web_world(tmp_path) as w:
        nina = await w.render(seed=3, user_id=51, display_name="Nina")
        hostile = await w.render(seed=4, user_id=52, display_name=HOSTILE)
        nameless = await w.render(seed=5, user_id=53, display_name=None)
        await w.gallery(HIDDEN, True)
        elsewhere = await w.render(seed=6, user_id=51, guild_id=HIDDEN, display_name="Nina Two")
        for clip in (nina, hostile, nameless):
            await w.storage.votes.toggle(clip.id, 900 + clip.seed, 1)

        assert creators((await w.get(f"/c/{nina.web_key}"))[2]) == ["Nina"]
        # A name is per server: Nina's nickname on the other server stays there.
        assert creators((await w.get(f"/c/{elsewhere.web_key}"))[2]) == ["Nina Two"]
        assert creators((await w.get(f"/c/{nameless.web_key}"))[2]) == []
        status, _, body = await w.get(f"/c/{hostile.web_key}")
        assert status == 200
        escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\u202egnp.exe" + "Z" * 65
        assert creators(body) == [escaped]  # escaped and kept to 100 characters
        assert b"<script>alert" not in body and body.count(b"<script") == 1  # player.js only
        assert b"<bdi" in body
        top = (await w.get(f"/g/{GALLERY}/top"))[2]
        assert sorted(creators(top)) == sorted(["Nina", escaped])
        assert b"Nina Two" not in top

        session = await w.storage.sessions.create(
            guild_id=GALLERY,
            parent_channel_id=1,
            owner_id=51,
            name="Names jam",
            plan=nina.plan,
            roles=(nina.section_role or SectionRole.VERSE,),
        )
        for clip in (nina, hostile, nameless):
            await w.storage.sessions.add_clip(session.id, clip.id)
        takes = (await w.get(f"/s/{session.web_key}"))[2]
        assert set(creators(takes)) == {"Nina", escaped}  # takes and podium

        # A later request under another name replaces the name everywhere.
        renamed = await w.render(seed=7, user_id=51, display_name="Nina Simone")
        assert creators((await w.get(f"/c/{nina.web_key}"))[2]) == ["Nina Simone"]
        assert creators((await w.get(f"/c/{renamed.web_key}"))[2]) == ["Nina Simone"]

        # /forget-me: the name goes with the clips; a reroll of theirs by someone else stays,
        # and its page names only its own maker.
        child = await w.render(seed=8, user_id=54, display_name="Omar", parent=hostile)
        assert (await w.storage.members.names(GALLERY, [52])) == {52: HOSTILE[:100]}
        await w.storage.users.forget(52)
        assert (await w.storage.members.names(GALLERY, [52])) == {}
        assert (await w.get(f"/c/{hostile.web_key}"))[0] == 404
        child_page = (await w.get(f"/c/{child.web_key}"))[2]
        assert creators(child_page) == ["Omar"] and b"gnp.exe" not in child_page
        for path in (f"/g/{GALLERY}/top", f"/s/{session.web_key}"):
            page = (await w.get(path))[2]
            assert b"gnp.exe" not in page and b"alert" not in page, path


async def test_links_use_unguessable_tokens_and_old_links_keep_working(tmp_path: Path) -> None:
    async with web_world(tmp_path) as w:
        clips = [await w.render(seed=s) for s in (3, 4)]
        tokens = [c.web_token for c in clips]
        for token in tokens:
            assert token is not None and len(token) == 22
            assert len(base64.urlsafe_b64decode(token + "==")) == 16  # 128 random bits
        assert len(set(tokens)) == 2
        clip = clips[0]
        assert (await w.get(f"/c/{clip.web_token}"))[0] == 200
        assert (await w.get(f"/c/{clip.web_token}/audio"))[0] == 200
        # The short id (shown in Discord for /show) opens no page, nor does a near miss.
        assert (await w.get(f"/c/{clip.id}"))[0] == 404
        assert (await w.get(f"/c/{clip.id}/audio"))[0] == 404
        near = ("A" if clip.web_key[0] != "A" else "B") + clip.web_key[1:]
        assert (await w.get(f"/c/{near}"))[0] == 404
        session = await w.storage.sessions.create(
            guild_id=GALLERY,
            parent_channel_id=1,
            owner_id=11,
            name="Token jam",
            plan=clip.plan,
            roles=(clip.section_role or SectionRole.VERSE,),
        )
        assert session.web_token is not None and session.web_token not in tokens
        assert (await w.get(f"/s/{session.web_token}"))[0] == 200
        assert (await w.get(f"/s/{session.id}"))[0] == 404

        # Rows from before migration 0003 have no token: their short-id links still work.
        async with w.db.write() as s:
            await s.execute(
                text("UPDATE clips SET web_token = NULL WHERE id = :id"), {"id": clip.id}
            )
            await s.execute(
                text("UPDATE sessions SET web_token = NULL WHERE id = :id"), {"id": session.id}
            )
        legacy = await w.storage.clips.require(clip.id)
        assert legacy.web_token is None and legacy.web_key == clip.id
        assert (await w.get(f"/c/{clip.id}"))[0] == 200
        assert (await w.get(f"/c/{clip.id.upper()}/midi"))[0] == 200  # typed ids are case-blind
        assert (await w.get(f"/c/{clip.web_token}"))[0] == 404
        assert (await w.get(f"/s/{session.id}"))[0] == 200
        # ... but a tokened clip's short id still opens nothing.
        assert (await w.get(f"/c/{clips[1].id}"))[0] == 404
