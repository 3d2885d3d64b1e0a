"""The HTML pages through the test client: every mode a browser can ask in."""
