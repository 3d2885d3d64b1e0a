"""Atom feeds are found where people look for them: a visible link under each feed that
follows the reader's tag choice (swapped with the feed), and the page's head."""

import re

import feedparser
from playwright.sync_api import expect

from e2e.actors import Actor, check_axe, tab_to, wait_for_htmx


def test_a_reader_finds_the_feed_of_the_tag_they_chose(actor: Actor):
    page = actor.page
    page.goto("/")
    wait_for_htmx(actor)
    newest = page.get_by_role("link", name="Atom feed of the newest articles")
    expect(newest).to_have_attribute("href", "/feed.atom")
    tag = page.locator(".sidebar .tag a").first
    name = tag.inner_text()
    actor.press(tag)
    expect(page).to_have_url(re.compile(rf"/\?tag={re.escape(name)}$"))
    subscribe = page.get_by_role("link", name=f"Atom feed of #{name}")
    expect(subscribe).to_be_visible()
    if actor.keyboard:  # reachable with Tab alone
        tab_to(page, subscribe)
    href = subscribe.get_attribute("href")
    assert href == f"/tag/{name}/feed.atom"
    answer = page.request.get(href)
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.body())
    assert not feed.bozo
    assert feed.entries
    assert all(name in [t.term for t in entry.tags] for entry in feed.entries)
    check_axe(actor, themes=("light",))
