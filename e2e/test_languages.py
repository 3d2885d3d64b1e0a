"""The site in French and in Arabic, three ways: JS on, JS off, keyboard only.

French: a browser that prefers French sees the site in French without choosing anything.
Arabic: a visitor picks العربية in the footer's language picker; the whole page mirrors.
Then, in that language: sign up (with a mistake first), write an article, comment on it,
sign out and sign in from another browser that prefers English: the language follows the
account. axe checks the pages in both themes (html lang, valid lang, reading order).
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.support import Translations
from playwright.sync_api import Page, expect

from e2e.actors import Actor, check_axe, expect_status, tab_to, wait_for_htmx

TRANSLATIONS = Path(__file__).resolve().parent.parent / "web" / "translations"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "correct horse battery"


def catalog(code: str) -> Callable[..., str]:
    """The app's own words in `code` (the catalogs the server uses)."""
    translations = Translations.load(TRANSLATIONS, [code])

    def said(message: str, **values: object) -> str:
        text = translations.gettext(message)
        return text % values if values else text

    return said


def expect_language(page: Page, code: str, direction: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.locator("html")).to_have_attribute("dir", direction)


def pick_language(actor: Actor, name: str) -> None:
    """The footer's picker: choose the language by its own name, then Change."""
    page = actor.page
    picker = page.locator("#language-choice")
    if actor.keyboard:
        tab_to(page, picker)
        page.keyboard.press("End")  # the last option; the picker lists Arabic last
    else:
        picker.select_option(label=name)
    expect(picker.locator("option:checked")).to_have_text(name)
    actor.press(page.locator(".language-form button"))


@pytest.mark.parametrize(
    ("code", "direction", "locale"),
    [("fr", "ltr", "fr-FR"), ("ar", "rtl", "en-US")],
    ids=["french-by-browser", "arabic-by-choice"],
)
def test_a_journey_in_another_language(
    new_actor: Callable[..., Actor], code: str, direction: str, locale: str
):
    actor = new_actor(locale=locale)
    page = actor.page
    _ = catalog(code)
    name = f"{code}_{actor.mode}"

    page.goto("/")
    wait_for_htmx(actor)
    if code == "ar":  # chosen: the browser prefers English
        expect_language(page, "en", "ltr")
        pick_language(actor, "العربية")
    expect_language(page, code, direction)
    expect(page.get_by_role("heading", name=_("Popular tags"))).to_be_visible()
    expect(page).to_have_title(f"{_('Global feed')} — Conduit")
    if direction == "rtl":  # mirrored: the navigation starts where the brand ends
        brand = page.locator(".site-header .brand").bounding_box()
        nav = page.locator("#site-nav").bounding_box()
        assert brand is not None
        assert nav is not None
        assert nav["x"] < brand["x"], (brand, nav)
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    check_axe(actor)

    # Sign up, first with a password that is too short: the messages in the language.
    actor.press(page.get_by_role("link", name=_("Sign up"), exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Sign up"))
    actor.fill(page.get_by_label(_("Username")), name)
    actor.fill(page.get_by_label(_("Email")), f"{name}@example.com")
    actor.fill(page.get_by_label(_("Password")), "short")
    actor.press(page.get_by_role("button", name=_("Sign up")))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(_("Use %(min)s to %(max)s characters.", min=8, max=128))
    expect(summary).to_be_focused()
    check_axe(actor)
    actor.fill(page.get_by_label(_("Password")), PASSWORD)
    actor.press(page.get_by_role("button", name=_("Sign up")))
    expect_status(page, _("Welcome to Conduit, %(name)s!", name=name))
    expect_language(page, code, direction)

    # Write an article: the editor, the published page, its date in the language.
    actor.press(page.get_by_role("link", name=_("New article"), exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(_("New article"))
    actor.fill(page.get_by_label(_("Title"), exact=True), f"Notes {name}")
    actor.fill(page.get_by_label(_("What's this article about?")), "About it")
    actor.fill(page.get_by_label(_("Article (Markdown)")), "Some text.\n\n```\nprint('hi')\n```")
    actor.press(page.get_by_role("button", name=_("Publish article")))
    expect_status(page, _("Your article is published."))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Notes {name}")
    today = format_date(datetime.now(UTC), "long", locale=code)
    expect(page.locator(".article-banner time").first).to_have_text(today)
    code_block = page.locator(".article-body pre")
    assert code_block.evaluate("el => getComputedStyle(el).direction") == "ltr"  # code stays
    check_axe(actor)
    if actor.mode == "js":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"article-{code}.png"), full_page=True)

    # Comment: the count follows, the status says so in the language.
    actor.fill(page.get_by_label(_("Write a comment")), "Well said.")
    actor.press(page.get_by_role("button", name=_("Post comment")))
    expect_status(page, _("Your comment is posted."))
    expect(page.locator("#comments-count")).to_have_text("(1)")
    expect(page.locator(".comment")).to_have_count(1)

    # Sign out; sign in from another browser that prefers English: the account's language.
    actor.press(page.get_by_role("button", name=_("Sign out")))
    expect_status(page, _("You have signed out."))
    expect_language(page, code, direction)
    elsewhere = new_actor(locale="en-US")
    other = elsewhere.page
    other.goto("/login")
    wait_for_htmx(elsewhere)
    expect_language(other, "en", "ltr")  # no account known yet: the browser's English
    elsewhere.fill(other.get_by_label("Email"), f"{name}@example.com")
    elsewhere.fill(other.get_by_label("Password"), PASSWORD)
    elsewhere.press(other.get_by_role("button", name="Sign in"))
    if code == "ar":  # the visitor's choice became the account's at sign-up
        expect_status(other, _("Welcome back, %(name)s!", name=name))
        expect_language(other, code, direction)
        check_axe(elsewhere)
        if elsewhere.mode == "js":
            other.screenshot(path=str(ARTIFACTS / "home-ar.png"), full_page=True)
    else:  # French came from the browser: the other browser's English applies
        expect_status(other, f"Welcome back, {name}!")
        expect_language(other, "en", "ltr")


def test_the_picker_goes_back_to_english_and_keeps_the_page(new_actor: Callable[..., Actor]):
    """From a French page (the browser's language) to English by choice, on the same
    address; with JS the form is a plain submission (the whole page changes)."""
    actor = new_actor(locale="fr-FR")
    page = actor.page
    page.goto("/?page=2")
    wait_for_htmx(actor)
    expect_language(page, "fr", "ltr")
    picker = page.locator("#language-choice")
    expect(picker.locator("option:checked")).to_have_text("Français")
    expect(page.get_by_label("Langue")).to_be_visible()
    if actor.keyboard:
        tab_to(page, picker)
        page.keyboard.press("Home")
    else:
        picker.select_option(label="English")
    actor.press(page.get_by_role("button", name="Changer"))
    expect_language(page, "en", "ltr")
    expect(page).to_have_url(re.compile(r"/\?page=2$"))
    expect(page.locator("#feed-heading")).to_contain_text("page 2 of")
    # The change is said, in the new language, and focus is back on the picker.
    expect_status(page, "Language: English.")
    expect(page.locator("#language-choice")).to_be_focused()
    check_axe(actor, themes=("light",))


def page_is_one_language(page: Page) -> str:
    """The page's <html lang> agrees with the language its body was rendered in."""
    marks = page.locator("#theme").get_attribute("data-lang")
    assert page.locator("html").get_attribute("lang") == marks
    return marks or ""


def test_a_language_chosen_in_another_tab_reaches_this_one(new_actor: Callable[..., Actor]):
    """Tab B switches to French; tab A's next (boosted) navigation arrives in French with
    <html lang> following. Back and Forward never show a page of two languages."""
    actor = new_actor(locale="en-US")
    page = actor.page
    page.goto("/")
    wait_for_htmx(actor)
    other = page.context.new_page()
    other.goto("/")
    other.locator("#language-choice").select_option(label="Français")
    other.locator(".language-form button").click()
    expect_language(other, "fr", "ltr")
    other.close()

    actor.press(page.get_by_role("link", name="Sign in", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect_language(page, "fr", "ltr")
    check_axe(actor)
    page.go_back()
    page.wait_for_load_state()
    assert page_is_one_language(page) in ("en", "fr")
    page.go_forward()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    assert page_is_one_language(page) == "fr"


def test_an_english_article_in_an_arabic_page_keeps_one_left_edge(
    new_actor: Callable[..., Actor],
):
    """The article's description, body and comment box share their edges whatever the
    page's direction: an English body in an Arabic page does not start further in."""
    actor = new_actor(locale="ar")
    page = actor.page
    page.goto("/?page=4")  # older than any test's own: demo articles, with sections
    wait_for_htmx(actor)
    expect_language(page, "ar", "rtl")
    page.goto(page.locator(".preview-title a").last.get_attribute("href") or "/")
    wait_for_htmx(actor)
    description = page.locator(".article-description").bounding_box()
    body = page.locator(".article-body").bounding_box()
    assert description
    assert body
    assert abs(description["x"] - body["x"]) <= 1
    assert abs(description["width"] - body["width"]) <= 1
    # Its headings are set tighter than its text.
    ratio = page.locator(".article-body h2").first.evaluate(
        "h => parseFloat(getComputedStyle(h).lineHeight) / parseFloat(getComputedStyle(h).fontSize)"
    )
    assert ratio <= 1.35
    check_axe(actor, themes=("light",))
