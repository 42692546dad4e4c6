"""The sandbox's channels, forum topics and memberships (SPEC section 9), over real HTTP with the
real python-telegram-bot: a channel post has no user, a topic's messages carry their
message_thread_id both ways, and the bot added to or removed from a chat is a my_chat_member
update after which sending there answers as Telegram does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import telegram
from telegram import ChatMemberAdministrator, ChatMemberBanned, ChatMemberLeft, Update
from telegram.error import BadRequest, Forbidden

from bot.sandbox import Sandbox

TOKEN = "123456:ABC-def_ghi"
CHANNEL = -1001000000001
FORUM = -1001000000002
ADMIN = 42


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox()
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=sandbox.base_url) as client:
        yield client


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        yield client


async def _updates(bot: telegram.Bot) -> list[Update]:
    return list(await bot.get_updates(timeout=0))


async def test_a_channel_post_has_no_user(bot: telegram.Bot,
                                          control: httpx.AsyncClient) -> None:
    response = await control.post("/sandbox/messages", json={
        "chat_type": "channel", "chat_id": CHANNEL, "text": "/subscribe an sinh",
        "chat_title": "Kênh MTTQ"})
    assert response.status_code == 200
    (update,) = await _updates(bot)
    post = update.channel_post
    assert post is not None
    assert update.message is None
    assert update.effective_user is None
    assert (post.chat.type, post.chat.title) == ("channel", "Kênh MTTQ")
    assert post.sender_chat is not None
    assert post.sender_chat.id == CHANNEL
    assert post.entities[0].type == "bot_command"
    bad = await control.post("/sandbox/messages", json={
        "chat_type": "channel", "chat_id": 5, "text": "x"})
    assert bad.status_code == 400
    assert "negative" in bad.json()["error"]
    no_chat = await control.post("/sandbox/messages", json={"chat_type": "channel", "text": "x"})
    assert no_chat.status_code == 400


async def test_forum_topics_in_and_out(bot: telegram.Bot, control: httpx.AsyncClient) -> None:
    response = await control.post("/sandbox/messages", json={
        "user_id": ADMIN, "chat_id": FORUM, "chat_type": "supergroup", "text": "/start",
        "thread_id": 5})
    assert response.status_code == 200
    (update,) = await _updates(bot)
    message = update.message
    assert message is not None
    assert (message.message_thread_id, message.is_topic_message) == (5, True)
    assert message.chat.is_forum

    sent = await bot.send_message(FORUM, "vào chủ đề", message_thread_id=5)
    assert (sent.message_thread_id, sent.is_topic_message) == (5, True)
    await bot.send_message(FORUM, "chung")
    rows = (await control.get("/sandbox/sent", params={"chat_id": FORUM})).json()["sent"]
    assert [(r["text"], r["message_thread_id"]) for r in rows] == [
        ("vào chủ đề", 5), ("chung", None)]
    only = (await control.get("/sandbox/sent",
                              params={"chat_id": FORUM, "thread_id": 5})).json()["sent"]
    assert [r["text"] for r in only] == ["vào chủ đề"]
    # Topics exist in supergroups only.
    with pytest.raises(BadRequest, match="thread not found"):
        await bot.send_message(ADMIN, "x", message_thread_id=5)
    bad = await control.post("/sandbox/messages", json={"user_id": ADMIN, "text": "x",
                                                        "thread_id": 5})
    assert bad.status_code == 400


async def _member(control: httpx.AsyncClient, chat_id: int, **body: Any) -> dict[str, Any]:
    response = await control.post(f"/sandbox/chats/{chat_id}", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json()["chat"])


async def test_the_bot_added_to_and_removed_from_a_channel(
        bot: telegram.Bot, control: httpx.AsyncClient) -> None:
    chat = await _member(control, CHANNEL, member="administrator", chat_type="channel",
                         title="Kênh", admins=[ADMIN])
    assert (chat["type"], chat["member"]) == ("channel", "administrator")
    (added,) = await _updates(bot)
    change = added.my_chat_member
    assert change is not None
    assert change.from_user.id == ADMIN
    assert change.old_chat_member.status == "left"
    new = change.new_chat_member
    assert isinstance(new, ChatMemberAdministrator)
    assert new.can_post_messages
    assert new.user.is_bot
    await bot.send_message(CHANNEL, "tin")
    me = await bot.get_chat_member(CHANNEL, bot.id)
    assert me.status == "administrator"

    await _member(control, CHANNEL, member="kicked", user_id=ADMIN)
    updates = await _updates(bot)
    removed = updates[-1].my_chat_member
    assert removed is not None
    assert isinstance(removed.old_chat_member, ChatMemberAdministrator)
    assert isinstance(removed.new_chat_member, ChatMemberBanned)
    with pytest.raises(Forbidden, match="bot was kicked from the channel chat"):
        await bot.send_message(CHANNEL, "tin")

    await _member(control, CHANNEL, member="administrator")
    await bot.send_message(CHANNEL, "lại có mặt")
    await _member(control, CHANNEL, member="left")
    left = (await _updates(bot))[-1].my_chat_member
    assert left is not None
    assert isinstance(left.new_chat_member, ChatMemberLeft)
    with pytest.raises(Forbidden, match="not a member of the channel chat"):
        await bot.send_message(CHANNEL, "tin")


@pytest.mark.parametrize(("chat_id", "body", "error"), [
    (CHANNEL, {"member": "member", "chat_type": "channel"}, "administrator"),
    (ADMIN, {"member": "administrator"}, "no administrators"),
    (CHANNEL, {"member": "owner", "chat_type": "channel"}, "must be one of"),
    (CHANNEL, {"member": "left", "chat_type": "private"}, "positive"),
    (CHANNEL, {"member": "left", "blocked": True}, "unknown membership settings"),
])
async def test_membership_control_errors(control: httpx.AsyncClient, chat_id: int,
                                         body: dict[str, Any], error: str) -> None:
    response = await control.post(f"/sandbox/chats/{chat_id}", json=body)
    assert response.status_code == 400
    assert error in response.json()["error"]
    stats = (await control.get("/sandbox/stats")).json()
    assert stats["chats_stored"] == 0  # a refused call changes nothing


async def test_a_user_blocking_the_bot_is_a_membership_too(
        bot: telegram.Bot, control: httpx.AsyncClient) -> None:
    await _member(control, ADMIN, member="kicked")
    (update,) = await _updates(bot)
    assert update.my_chat_member is not None
    assert update.my_chat_member.chat.type == "private"
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(ADMIN, "x")
    await _member(control, ADMIN, member="member")
    await bot.send_message(ADMIN, "x")
