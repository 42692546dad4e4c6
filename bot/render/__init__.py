"""Renderers: the core's `Message`s in each channel's own format, as pure functions.

One module per channel (`telegram.py`: HTML and inline keyboards; `zalo.py`: plain text,
numbered choices, 2,000 characters), plus `html.py`, the HTML reading and writing they share.
Renderers import nothing of a chat library: the channel adapters (`bot/telegram/`, `bot/zalo/`)
turn their output into API calls.
"""
