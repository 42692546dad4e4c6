"""Ingestion: fetch -> parse -> process -> store, one small stage per module."""
