"""Rendering: render data (drawing primitives) and the calculators that make and draw it."""
