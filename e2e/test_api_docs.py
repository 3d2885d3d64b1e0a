"""The API reference renders in the browser from local assets (this machine is offline)."""

from playwright.sync_api import Page, expect

from web.api.operations import OPERATIONS


def test_api_docs_render_offline(page: Page):
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if "127.0.0.1" not in r.url else None)
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Conduit API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert page.locator(".opblock").count() == len(OPERATIONS)
    servers = page.locator(".servers select option")
    expect(servers.first).to_have_text("/api/v1 - Version 1, the canonical address")
    assert external == []
