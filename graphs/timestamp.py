"""MediaPipe timestamps: plain ints (microseconds) with MediaPipe's special values.

Timestamps are kept as ``int`` on the hot path; this module names the special
values and prints them the way MediaPipe does (``Timestamp::Max()``).
"""

from __future__ import annotations

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

UNSET = INT64_MIN
UNSTARTED = INT64_MIN + 1
PRESTREAM = INT64_MIN + 2
MIN = INT64_MIN + 3
MAX = INT64_MAX - 3
POSTSTREAM = INT64_MAX - 2
ONE_OVER_POSTSTREAM = INT64_MAX - 1
DONE = INT64_MAX

SPECIAL_NAMES: dict[int, str] = {
    UNSET: "Timestamp::Unset()",
    UNSTARTED: "Timestamp::Unstarted()",
    PRESTREAM: "Timestamp::PreStream()",
    MIN: "Timestamp::Min()",
    MAX: "Timestamp::Max()",
    POSTSTREAM: "Timestamp::PostStream()",
    ONE_OVER_POSTSTREAM: "Timestamp::OneOverPostStream()",
    DONE: "Timestamp::Done()",
}


def timestamp_name(ts: int) -> str:
    """The MediaPipe debug string of a timestamp: a number, or the special value's name."""
    return SPECIAL_NAMES.get(ts, str(ts))


def is_range_value(ts: int) -> bool:
    """True for timestamps a client may put on a packet (``Min()`` .. ``Max()``)."""
    return MIN <= ts <= MAX


def is_allowed_in_stream(ts: int) -> bool:
    """True for timestamps a packet in a stream may carry (range values, PreStream, PostStream)."""
    return MIN <= ts <= MAX or ts in (PRESTREAM, POSTSTREAM)


def next_allowed_in_stream(ts: int) -> int:
    """The smallest timestamp a packet after one at ``ts`` may have (MediaPipe's rule)."""
    if ts == PRESTREAM or ts >= MAX:
        return ONE_OVER_POSTSTREAM
    return ts + 1


def previous_allowed_in_stream(ts: int) -> int:
    """The largest timestamp settled by the bound ``ts``: the bound minus one within the
    range, ``Max()`` past it (a done stream settles at ``Max()``), Unstarted before it."""
    if ts <= MIN or ts == POSTSTREAM:
        return UNSTARTED
    if ts > MAX:
        return MAX
    return ts - 1
