"""axe on every component's documented examples, each on its own gallery page."""

from playwright.sync_api import Page

from e2e.actors import assert_no_axe_violations
from web.pages.gallery import components

EXAMPLES = [(c.name, n) for c in components() for n in range(1, len(c.examples) + 1)]


def test_every_component_example_passes_axe_in_both_themes(page: Page):
    problems: list[str] = []

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        # Examples show pictures at example.com, which this machine cannot reach.
        if message.type == "error" and "ERR_NAME_NOT_RESOLVED" not in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    for name, number in EXAMPLES:
        page.goto(f"/_components/{name}/{number}")
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            try:
                assert_no_axe_violations(page)
            except AssertionError as error:
                raise AssertionError(f"{name} example {number} ({scheme}): {error}") from None
    assert problems == []
