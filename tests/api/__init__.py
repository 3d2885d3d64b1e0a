"""The JSON API against its contract and as real clients use it."""
