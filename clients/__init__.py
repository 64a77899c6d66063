"""Client library and CLI (over tritonclient)."""
