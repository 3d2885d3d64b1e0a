"""Pages run clean under the strict Content-Security-Policy: no violations, no errors."""

import pytest
from playwright.sync_api import Page

RECORD_VIOLATIONS = (
    "window.violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.violations.push(e.violatedDirective + ' ' + (e.sourceFile || '')));"
)


@pytest.mark.parametrize(
    "url", ["/", "/?page=2", "/login", "/register", "/search?q=the", "/api/docs", "/nowhere"]
)
def test_no_csp_violations_or_console_errors(page: Page, url: str):
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if url != "/api/docs":
        page.wait_for_function("() => window.htmx !== undefined")
        # An htmx swap too: the pagination or a boosted link.
        page.locator("main a[href^='/']").first.click()
        page.wait_for_load_state("networkidle")
    assert page.evaluate("window.violations") == []
    # A 404 page logs its own 404 status as a console error; nothing else may.
    assert [m for m in messages if "404" not in m] == []
