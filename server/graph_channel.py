"""The pipes between the server and a graph process, and the messages on them.

Two pipes, one each way, of 1 MiB where the system allows (a holistic frame goes in one
write). A message is a pickled tuple whose large buffers (numpy frames, the memoryviews of
request tensors) travel out of band (pickle protocol 5): written and read without a copy
under the GIL.
"""

from __future__ import annotations

import contextlib
import copyreg
import fcntl
import io
import os
import pickle
import struct
import threading
from typing import Any

from pipeserve.errors import Code, PipeserveError

_HEAD = struct.Struct("<QI")  # pickle length, number of out-of-band buffers
_SIZE = struct.Struct("<Q")


PIPE_BYTES = 1 << 20
"""Pipe capacity asked for (Linux's ``pipe-max-size`` default: any user may set it)."""


def pipe() -> tuple[int, int]:
    """A pipe (read end, write end), made as large as ``PIPE_BYTES`` where possible."""
    read_end, write_end = os.pipe()
    with contextlib.suppress(OSError, AttributeError):  # a lower limit, or not Linux
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    return read_end, write_end


class Channel:
    """Messages over two pipes: many writer threads, one reader."""

    def __init__(self, read_end: int, write_end: int) -> None:
        self._in = io.FileIO(read_end, "rb")
        self._out = io.FileIO(write_end, "wb")
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the writing side (the other side reads end-of-file once it has all)."""
        self._out.close()

    def send(self, message: tuple[Any, ...]) -> None:
        """Encode and write one message (TypeError if it cannot be pickled)."""
        self.write(encode(message))

    def write(self, parts: list[bytes | memoryview]) -> None:
        """Write an encoded message; its buffers go straight from their memory."""
        with self._lock:
            if len(parts) == 2:
                self._write_all(b"".join(parts))
                return
            for part in parts:
                self._write_all(part)

    def _write_all(self, data: bytes | memoryview) -> None:
        view = memoryview(data).cast("B")
        while view:
            view = view[self._out.write(view) or 0 :]

    def receive(self) -> tuple[Any, ...]:
        """The next message; EOFError once the other side is gone."""
        size, count = _HEAD.unpack(self._read(_HEAD.size))
        head = self._read(size)
        buffers = [self._read(_SIZE.unpack(self._read(_SIZE.size))[0]) for _ in range(count)]
        message: tuple[Any, ...] = pickle.loads(head, buffers=buffers)
        return message

    def _read(self, size: int) -> bytearray:
        data = bytearray(size)
        view = memoryview(data)
        got = 0
        while got < size:
            n = self._in.readinto(view[got:])
            if not n:
                raise EOFError("the other side closed its pipe")
            got += n
        return data


def _reduce_memoryview(view: memoryview) -> tuple[Any, ...]:
    return memoryview, (pickle.PickleBuffer(view),)


_DISPATCH = {**copyreg.dispatch_table, memoryview: _reduce_memoryview}


def encode(message: tuple[Any, ...]) -> list[bytes | memoryview]:
    """A message as the parts ``Channel.write`` sends: large buffers (numpy arrays, the
    memoryviews of request tensors) stay out of the pickle, uncopied."""
    buffers: list[pickle.PickleBuffer] = []
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5, buffer_callback=buffers.append)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(message)
    head = out.getbuffer()
    views = [b.raw() for b in buffers]
    parts: list[bytes | memoryview] = [_HEAD.pack(head.nbytes, len(views)), head]
    for view in views:
        parts += [_SIZE.pack(view.nbytes), view]
    return parts


def error_fields(exc: BaseException) -> tuple[str, str]:
    """An error as (code, message) for the other side."""
    if isinstance(exc, PipeserveError):
        return exc.code.value, exc.message
    return Code.INTERNAL.value, f"{type(exc).__name__}: {exc}"
