"""Full-text search over the archive: what a query means (query.py) and how results are ranked
(engine.py). Channel-neutral; the chat side is bot/chat/search.py, the SQL storage/search.py.
"""
