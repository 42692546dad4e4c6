"""Everything the bot sends, channel-neutral: the article card, the outbound path of each bot
account (one sender and one priority pacer for replies, edits, answers, pushes, broadcasts,
digests and alerts), and the persisted outbox's worker with what each delivery says.

Nothing here imports a chat library: each channel's adapter provides its `Sender`
(bot/telegram/sender.py for Telegram).
"""
