"""FixedSizeInputStreamHandler: the default policy, dropping the oldest packets past a size."""

from __future__ import annotations

from mediapipe.framework.stream_handler import fixed_size_input_stream_handler_pb2

from .base import Invocation, register_input_stream_handler
from .default import DefaultInputStreamHandler


@register_input_stream_handler
class FixedSizeInputStreamHandler(DefaultInputStreamHandler):
    """When any queue reaches ``trigger_queue_size``, trim every queue to ``target_queue_size``.

    Options (MediaPipe's ``FixedSizeInputStreamHandlerOptions``): trigger_queue_size (2),
    target_queue_size (1), fixed_min_size (false: trim to the latest common timestamps).
    """

    name = "FixedSizeInputStreamHandler"
    options_type = fixed_size_input_stream_handler_pb2.FixedSizeInputStreamHandlerOptions

    def next_invocation(self) -> Invocation | None:
        trigger = self.options.trigger_queue_size
        target = self.options.target_queue_size
        if any(len(q.packets) >= trigger for q in self.queues):
            for q in self.queues:
                while len(q.packets) > target:
                    q.packets.popleft()
        return super().next_invocation()
