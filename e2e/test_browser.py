from playwright.sync_api import Browser


def test_browser_version_is_known(browser: Browser):
    # Playwright drives Debian's Chromium, not its own build: make a version skew visible.
    major = int(browser.version.split(".")[0])
    print(f"Chromium {browser.version}")
    assert major >= 120
