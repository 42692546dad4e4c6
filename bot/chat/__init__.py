"""The chat core: what each command does, in plain data, for any chat channel (Telegram, Zalo).

Handlers (handlers/) turn a request into a `Who` and arguments, call the core, and hand the
core's `Message`s and `Notice`s to the outbound path.
"""
