"""The editor's preview, three ways: live as one types (JS on, mouse or keyboard), the
Preview button without JS. Nothing is saved, focus stays where the writer is."""

from playwright.sync_api import expect

from e2e.actors import Actor, check_axe, sign_in, wait_for_htmx
from e2e.conftest import MEMBER_PASSWORD

TEXT = "## Plan\n\nShip **today**."


def test_the_writer_sees_the_article_as_readers_will(actor: Actor, make_member, mode: str):
    page = actor.page
    sign_in(actor, make_member(f"previewer_{mode}"), MEMBER_PASSWORD)
    page.goto("/editor")
    wait_for_htmx(actor)
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Your article shows here as readers will see it.")
    body = page.get_by_label("Article (Markdown)")
    actor.fill(page.get_by_label("Title"), "Previewed")
    actor.fill(body, TEXT)
    if mode == "nojs":
        actor.press(page.get_by_role("button", name="Preview"))
        expect(page.get_by_label("Title")).to_have_value("Previewed")  # nothing lost
    else:
        expect(page.locator("#status")).to_contain_text("Preview updated.")
        expect(body).to_be_focused()  # the preview never takes the writer's place
    expect(preview.get_by_role("heading", name="Plan")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("today")
    expect(body).to_have_value(TEXT)
    check_axe(actor, themes=("light",))
    page.goto("/")
    expect(page.get_by_role("heading", name="Previewed")).to_have_count(0)  # nothing saved


def test_the_preview_says_it_is_current_once_when_the_writer_stops(
    actor: Actor, make_member, mode: str
):
    """A pause between words refreshes the preview silently; "Preview updated." is said
    once, when the writer stops. Without JS the Preview button shows the page itself."""
    page = actor.page
    sign_in(actor, make_member(f"typist_{mode}"), MEMBER_PASSWORD)
    page.goto("/editor")
    wait_for_htmx(actor)
    body = page.get_by_label("Article (Markdown)")
    status = page.locator("#status")
    if mode == "nojs":
        actor.fill(body, "One two three")
        actor.press(page.get_by_role("button", name="Preview"))
        expect(page.locator("#preview .article-body")).to_have_text("One two three")
        expect(status).not_to_contain_text("Preview updated.")
        check_axe(actor, themes=("light",))
        return
    page.evaluate(
        """() => {
          window.previewSaid = 0;
          const status = document.getElementById("status");
          new MutationObserver(() => {
            if (status.textContent.includes("Preview updated.")) window.previewSaid += 1;
          }).observe(status, {childList: true, subtree: true, characterData: true});
        }"""
    )
    refreshes: list[str] = []
    page.on("request", lambda r: refreshes.append(r.url) if "/editor/preview" in r.url else None)
    actor.fill(body, "One")
    for word in (" two", " three", " four"):
        page.wait_for_timeout(800)  # a pause: the preview refreshes
        body.press_sequentially(word)
    expect(page.locator("#preview .article-body")).to_have_text("One two three four")
    expect(status).to_contain_text("Preview updated.")
    page.wait_for_timeout(2000)  # still: nothing more is said
    assert len(refreshes) >= 3
    assert page.evaluate("window.previewSaid") == 1
    expect(body).to_be_focused()
    check_axe(actor, themes=("light",))


def test_a_fixed_field_loses_its_message(actor: Actor, make_member, mode: str):
    """After a refused submission, a field put right loses its message, its invalid mark
    and its line in the summary: as it is typed with JS, at the next submission without;
    the fields still wrong keep theirs."""
    page = actor.page
    sign_in(actor, make_member(f"fixer_{mode}"), MEMBER_PASSWORD)
    page.goto("/editor")
    wait_for_htmx(actor)
    actor.press(page.get_by_role("button", name="Save draft"))
    title, body = page.get_by_label("Title"), page.get_by_label("Article (Markdown)")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Give your article a title.")
    expect(title).to_have_attribute("aria-invalid", "true")
    actor.fill(title, "Put right")
    actor.fill(body, "Now with a body.")
    if mode == "nojs":
        actor.press(page.get_by_role("button", name="Save draft"))
    expect(page.locator("#title-error")).to_be_empty()
    expect(page.locator("#body-error")).to_be_empty()
    expect(title).not_to_have_attribute("aria-invalid", "true")
    expect(body).not_to_have_attribute("aria-invalid", "true")
    expect(summary).not_to_contain_text("Give your article a title.")
    expect(summary).not_to_contain_text("Write the article's text.")
    description = page.get_by_label("What's this article about?")
    expect(description).to_have_attribute("aria-invalid", "true")  # still empty
    expect(page.locator("#description-error")).to_contain_text("Say in a sentence")
    check_axe(actor, themes=("light",))
    actor.fill(description, "Fixed at last.")
    if mode == "nojs":
        actor.press(page.get_by_role("button", name="Save draft"))
        expect(page.locator("#status")).to_contain_text("Your draft is saved.")
    else:
        expect(summary).to_have_count(0)  # nothing left to say
        expect(description).not_to_have_attribute("aria-invalid", "true")
        actor.press(page.get_by_role("button", name="Save draft"))
        expect(page.locator("#status")).to_contain_text("Your draft is saved.")
        page.go_back()  # the editor as it is now, not the refused form again
        expect(page.get_by_role("heading", name="New article")).to_be_visible()
        expect(summary).to_have_count(0)
