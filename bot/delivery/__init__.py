"""Push delivery: the article card, pacing within Telegram's rate limits, and the delivery queue.

Everything here speaks in plain data (no Telegram objects), so a second chat channel (Zalo) can
reuse it; only the sender adapter knows about python-telegram-bot.
"""
