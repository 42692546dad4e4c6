"""Decoding an HTTP body's Content-Encoding with a cap on the *decoded* size, as it is read.

Why not httpx's own decoding: httpx decodes each network chunk whole, so with
``Content-Encoding: gzip, gzip`` a 1.8 KiB chunk becomes ~1 MB after the outer layer and that
megabyte becomes gigabytes after the inner one, all in one call, before any size check can run
(the process reached 4 GB in testing). Here every layer is a `zlib.decompressobj` asked for at
most a small number of bytes at a time (`max_length`), and layers are pulled from the last one
backwards, so memory stays at a few chunks per layer plus the decoded body up to its cap,
whatever the compression ratio or the number of layers.
"""

from __future__ import annotations

import zlib

# Decoded bytes asked from a layer at a time: small enough that no step allocates much.
_STEP = 64 * 1024
# More layers than this is no real server: refused.
MAX_LAYERS = 3


class DecodeError(Exception):
    """The body cannot be decoded (unknown encoding, corrupt data); the message says why."""


class _Layer:
    """One content coding (gzip or deflate), decoded a bounded amount at a time."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.tail = b""  # input given but not consumed yet
        self._raw_deflate = False
        self._started = False  # some output came from the current member
        self._members = 0
        self._done = False  # trailing garbage after a complete stream: ignored, like gzip(1)
        self._new()

    def _new(self) -> None:
        if self.coding == "gzip":
            wbits = 16 + zlib.MAX_WBITS
        elif self._raw_deflate:
            wbits = -zlib.MAX_WBITS
        else:
            wbits = zlib.MAX_WBITS
        self.obj = zlib.decompressobj(wbits)
        self._members += 1

    def decode(self, limit: int) -> bytes:
        """At most `limit` decoded bytes from what `tail` holds (and zlib keeps)."""
        data, self.tail = self.tail, b""
        if self._done:
            return b""
        try:
            out = self.obj.decompress(data, limit)
        except zlib.error:
            if self.coding == "deflate" and self._members == 1 and not self._started:
                # "deflate" should be zlib-wrapped, but some servers send raw deflate.
                self._raw_deflate = True
                self._members = 0
                self._new()
                out = self.obj.decompress(data, limit)
            elif self._members > 1 and not self._started:
                self._done = True  # not another gzip member: trailing garbage
                return b""
            else:
                raise
        self._started = self._started or bool(out)
        self.tail = self.obj.unconsumed_tail
        if self.obj.eof and self.obj.unused_data and not self.tail:
            # Another gzip member follows (concatenated gzip is valid).
            rest = self.obj.unused_data
            self._new()
            self._started = False
            self.tail = rest
        return out


def parse_codings(header: str | None) -> list[str]:
    """The codings of a Content-Encoding header in the order they were applied."""
    codings: list[str] = []
    for item in (header or "").split(","):
        coding = item.strip().lower()
        if coding in ("", "identity"):
            continue
        if coding in ("gzip", "x-gzip"):
            codings.append("gzip")
        elif coding == "deflate":
            codings.append("deflate")
        else:
            raise DecodeError(f"unsupported Content-Encoding {coding!r}")
    if len(codings) > MAX_LAYERS:
        raise DecodeError(f"refused: {len(codings)} layers of Content-Encoding")
    return codings


class CappedDecoder:
    """Feed raw body chunks, get decoded bytes; never more than `max_bytes` decoded in all.

    `full` turns true once the cap is reached (the caller stops reading); `decoded` counts
    the decoded bytes returned so far.
    """

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        # Applied first = listed first, so the last listed is undone first.
        self.layers = [_Layer(c) for c in reversed(parse_codings(content_encoding))]
        self.max_bytes = max_bytes
        self.decoded = 0
        self.full = False
        self._raw = b""

    def _pull(self, index: int, limit: int) -> bytes:
        """Up to `limit` output bytes of layer `index` (-1: the raw input itself)."""
        if index < 0:
            data, self._raw = self._raw[:limit], self._raw[limit:]
            return data
        layer = self.layers[index]
        parts: list[bytes] = []
        got = 0
        while got < limit:
            starved = False
            if not layer.tail:
                layer.tail = self._pull(index - 1, _STEP)
                starved = not layer.tail
            try:
                piece = layer.decode(limit - got)
            except zlib.error as exc:
                raise DecodeError(f"corrupt {layer.coding} data: {exc}") from None
            if piece:
                parts.append(piece)
                got += len(piece)
            elif starved:
                break  # all given so far is decoded; more arrives with the next chunk
        return b"".join(parts)

    def feed(self, raw: bytes) -> bytes:
        """Decode `raw` (the next chunk off the wire) as far as the cap allows."""
        if self.full:
            return b""
        if not self.layers:
            out = raw[: self.max_bytes - self.decoded]
        else:
            self._raw += raw
            parts: list[bytes] = []
            got = 0
            while self.decoded + got < self.max_bytes:
                room = self.max_bytes - self.decoded - got
                piece = self._pull(len(self.layers) - 1, min(room, _STEP))
                if not piece:
                    break
                parts.append(piece)
                got += len(piece)
            out = b"".join(parts)
        self.decoded += len(out)
        if self.decoded >= self.max_bytes:
            self.full = True
        return out
