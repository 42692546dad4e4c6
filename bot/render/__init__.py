"""Renderers: the core's `Message`s in each channel's own format, as pure functions.

One module per channel (`telegram.py` now; a Zalo renderer later: plain text, numbered choices,
2,000 characters), plus `html.py`, the HTML reading and writing they share. Renderers import
nothing of a chat library: the channel adapters (`bot/telegram/`) turn their output into API
calls.
"""
