"""Pack a network document into bytes, with its parameter arrays as raw float64.

A document from ``Network.to_document()`` is JSON-compatible, but parsing tens
of thousands of floats from text is slow. Here every per-layer list under the
keys in ARRAY_KEYS (at the top level and inside ``initial``) is stored as
little-endian float64 bytes, and the rest of the document as JSON. Unpacking
returns the same document with numpy arrays in place of the nested lists, so
the round trip is bit-exact, negative zero and all.

Layout: MAGIC, a 4-byte little-endian header length, the JSON header, then the
array bytes one after the other.
"""

import struct
from typing import Any

import numpy as np
import orjson

MAGIC = b"BPVZ1"
ARRAY_KEYS = ("weights", "biases", "velocity_w", "velocity_b")
_LENGTH = struct.Struct("<I")
_FLOAT = np.dtype("<f8")


class _Writer:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.offset = 0

    def add(self, values: Any) -> dict[str, Any]:
        arr = np.ascontiguousarray(values, dtype=_FLOAT)
        # All-zero arrays (the velocities without momentum) are not stored.
        # Comparing the bits keeps -0.0, which compares equal to 0.0.
        if not arr.view(np.uint64).any():
            return {"shape": list(arr.shape), "zeros": True}
        data = arr.tobytes()
        ref = {"shape": list(arr.shape), "offset": self.offset}
        self.chunks.append(data)
        self.offset += len(data)
        return ref


def _pack_arrays(part: dict[str, Any], writer: _Writer) -> dict[str, Any]:
    out = dict(part)
    for key in ARRAY_KEYS:
        if isinstance(part.get(key), list | tuple):
            out[key] = {"$arrays": [writer.add(values) for values in part[key]]}
    return out


def pack_document(doc: dict[str, Any]) -> bytes:
    """Return doc as bytes; its arrays must be numbers of consistent shapes."""
    writer = _Writer()
    header = _pack_arrays(doc, writer)
    if isinstance(doc.get("initial"), dict):
        header["initial"] = _pack_arrays(doc["initial"], writer)
    head = orjson.dumps(header)
    return b"".join([MAGIC, _LENGTH.pack(len(head)), head, *writer.chunks])


def _read_array(ref: dict[str, Any], data: memoryview) -> np.ndarray:
    shape = tuple(ref["shape"])
    if ref.get("zeros"):
        return np.zeros(shape)
    count = int(np.prod(shape))
    start = ref["offset"]
    arr = np.frombuffer(data[start : start + 8 * count], dtype=_FLOAT)
    # frombuffer views the bytes without copying; the view is read-only, so a
    # caller that changed it in place would fail instead of corrupting it.
    return arr.reshape(shape)


def _unpack_arrays(part: dict[str, Any], data: memoryview) -> dict[str, Any]:
    out = dict(part)
    for key in ARRAY_KEYS:
        value = part.get(key)
        if isinstance(value, dict) and "$arrays" in value:
            out[key] = [_read_array(ref, data) for ref in value["$arrays"]]
    return out


def unpack_document(blob: bytes) -> dict[str, Any]:
    """Return the document packed by pack_document, with numpy arrays."""
    if not blob.startswith(MAGIC):
        raise ValueError("stored network data has an unknown format")
    (length,) = _LENGTH.unpack_from(blob, len(MAGIC))
    start = len(MAGIC) + _LENGTH.size
    header = orjson.loads(blob[start : start + length])
    data = memoryview(blob)[start + length :]
    doc = _unpack_arrays(header, data)
    if isinstance(doc.get("initial"), dict):
        doc["initial"] = _unpack_arrays(doc["initial"], data)
    return doc
