"""How a test person uses the site: with a mouse (JS on or off) or with the keyboard only."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

MODES = ("js", "nojs", "keyboard")


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page: Page, locator: Locator, limit: int = 120) -> None:
    """Press Tab until `locator` has focus (never clicks)."""
    for _ in range(limit):
        if is_focused(locator):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


class Actor:
    """Acts on the page in one mode; the keyboard mode never clicks."""

    def __init__(self, page: Page, mode: str) -> None:
        self.page = page
        self.mode = mode

    @property
    def keyboard(self) -> bool:
        return self.mode == "keyboard"

    def press(self, locator: Locator, key: str = "Enter") -> None:
        """Follow a link or press a button (keyboard: Tab to it, then Enter or Space)."""
        expect(locator).to_be_visible()
        if self.keyboard:
            tab_to(self.page, locator)
            self.page.keyboard.press(key)
        else:
            locator.click()

    def fill(self, locator: Locator, text: str) -> None:
        if self.keyboard:
            tab_to(self.page, locator)
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(text)
        else:
            locator.fill(text)

    def check(self, locator: Locator) -> None:
        if self.keyboard:
            tab_to(self.page, locator)
            self.page.keyboard.press("Space")
        else:
            locator.check()

    def choose(self, select: Locator, label: str) -> None:
        if self.keyboard:
            tab_to(self.page, select)
            self.page.keyboard.type(label)  # typing an option's first letters selects it
        else:
            select.select_option(label=label)
        expect(select.locator("option:checked")).to_have_text(label)


def assert_no_axe_violations(page: Page) -> None:
    results = Axe().run(page)
    violations = [
        (v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]
    ]
    assert results.violations_count == 0, violations


def wait_for_htmx(actor: Actor) -> None:
    if actor.mode != "nojs":
        actor.page.wait_for_function("() => window.htmx !== undefined")


def wait_until_settled(page: Page) -> None:
    """No htmx request, swap or settle under way: focus has landed where the answer puts
    it, so what is typed next goes where the test means it to."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def expect_status(page: Page, text: str) -> None:
    expect(page.locator("#status")).to_contain_text(text)


def check_axe(actor: Actor, themes: tuple[str, ...] = ("light", "dark")) -> None:
    """axe in each theme (only with JS on: axe never finishes without it)."""
    if actor.mode == "nojs":
        return
    for theme in themes:
        actor.page.emulate_media(color_scheme=theme)
        assert_no_axe_violations(actor.page)
    actor.page.emulate_media(color_scheme="light")


def sign_in(actor: Actor, email: str, password: str) -> None:
    page = actor.page
    page.goto("/login")
    wait_for_htmx(actor)
    actor.fill(page.get_by_label("Email"), email)
    actor.fill(page.get_by_label("Password"), password)
    actor.press(page.get_by_role("button", name="Sign in"))
    expect_status(page, "Welcome back")
