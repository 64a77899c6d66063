"""Core calculators: flow control, routing, loops and small utilities."""
