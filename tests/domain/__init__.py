"""The domain on its own: rules and queries called directly, no requests."""
