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
