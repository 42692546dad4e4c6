"""Admin tools, channel-neutral: broadcasts (announcements), /stats, /sources and error alerts.

Plain data in (`Who`, strings, ids), `Message`/`Notice` out; no chat-platform objects here. Every
entry point checks that the asker is an admin, also behind the adapter's own gate.
"""
