"""Caching: the site's generation, and the answers, fragments and replays kept under it."""
