"""Text calculators (the ``words`` streaming example)."""
