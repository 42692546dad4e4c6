"""The Telegram adapter: everything that knows Telegram, and the only package that imports
python-telegram-bot.

- `app.py`: the PTB Application (handlers registered once, the error handler, the command
  menu), opening the channel-neutral core and plugging this bot account into it;
- `routes.py`: the neutral routes of handlers/ registered as PTB handlers;
- `incoming.py`: a Telegram update as the core's `Who`, `Request` or `Press`;
- `sender.py`: the account's `Sender` (rendered messages as Bot API calls, Telegram's answers as
  channel-neutral outcomes, photo uploads) and its `Pacer`;
- `context.py`: the typed callback context.
The rendering itself (HTML, inline keyboards, Telegram's limits) is pure and lives in
`bot/render/telegram.py`.
"""
