"""The chat core: what each command does, in plain data, for any chat channel (Telegram, Zalo).

Handlers parse an update into a `Who` and arguments, call the core, and send the `Reply`.
"""
