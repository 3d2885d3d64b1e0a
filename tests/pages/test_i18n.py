"""Languages: catalogs complete, the reader's language chosen and kept, every page
translated (no English left in a French page), right-to-left for Arabic, the API in
English."""

import re
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, ngettext
from sqlmodel import col, select

from tests.conftest import AuthActions, csrf_token
from tests.factories import make_articles, make_user
from web import moderation
from web.languages import LANGUAGES
from web.models import Article, User

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
TRANSLATED = [code for code in LANGUAGES if code != "en"]


# --- the catalogs ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Every message marked in the code today, extracted as `make translations` does."""
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [pybabel, "extract", "--mapping-file", "babel.cfg", "--keyword", "_l",
         "--keyword", "N_", "--output-file", out, "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with out.open("rb") as pot:
        return read_po(pot)


def _ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def test_the_template_holds_every_marked_message(extracted):
    with (TRANSLATIONS / "messages.pot").open("rb") as pot:
        template = read_po(pot)
    assert _ids(extracted) - _ids(template) == set(), "run make translations"
    assert _ids(template) - _ids(extracted) == set(), "run make translations"
    # Templates skip formatting a message given no values (web.http.i18n): none may need it.
    assert [m.id for m in template if "%%" in str(m.id)] == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_catalog_translates_every_message_and_nothing_else(extracted, code):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    assert str(catalog.locale) == code
    missing = _ids(extracted) - _ids(catalog)
    assert missing == set(), f"{code}: not in the catalog (run make translations)"
    assert _ids(catalog) - _ids(extracted) == set(), f"{code}: messages no longer used"
    assert not catalog.obsolete, f"{code}: obsolete entries"
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), f"{code}: untranslated: {message.id!r}"
        assert not message.fuzzy, f"{code}: fuzzy: {message.id!r}"
        if message.pluralizable:
            assert len(forms) == catalog.num_plurals, f"{code}: plural forms of {message.id!r}"
        # Placeholders (%(name)s) and markup kept as they are in English.
        assert message.check(catalog) == [], f"{code}: {message.id!r}"
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        for form in forms:
            assert sorted(re.findall(r"<[^>]+>", form)) == sorted(re.findall(r"<[^>]+>", source)), (
                f"{code}: markup of {message.id!r}"
            )


# --- choosing the language ---------------------------------------------------------------


def page_language(html: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([a-z]+)" dir="(ltr|rtl)">', html)
    assert found, html[:200]
    return found.group(1), found.group(2)


def choose(client: FlaskClient, code: str, next_url: str = "/") -> None:
    response = client.post(
        "/language",
        data={"language": code, "next": next_url, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == next_url


def test_the_browser_preference_chooses_when_the_reader_did_not(client):
    french = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert page_language(french.text) == ("fr", "ltr")
    assert "<title>Fil global — Conduit</title>" in french.text
    assert "Accept-Language" in french.headers["Vary"]
    assert french.headers["Content-Language"] == "fr"
    spanish = client.get("/", headers={"Accept-Language": "de;q=0.4, es"})
    assert page_language(spanish.text) == ("es", "ltr")
    assert page_language(client.get("/", headers={"Accept-Language": "ja"}).text) == ("en", "ltr")
    assert page_language(client.get("/").text) == ("en", "ltr")


def test_an_explicit_choice_wins_and_is_offered_in_each_language_s_own_name(client):
    page = client.get("/").text
    for code, language in LANGUAGES.items():
        assert f'<option value="{code}" lang="{code}" dir="{language.direction}"' in page, code
    assert '<option value="ar" lang="ar" dir="rtl">العربية</option>' in page
    assert '<label for="language-choice">Language</label>' in page
    choose(client, "ar", next_url="/?page=1")
    arabic = client.get("/", headers={"Accept-Language": "fr"})
    assert page_language(arabic.text) == ("ar", "rtl")
    assert '<label for="language-choice">اللغة</label>' in arabic.text
    assert '<option value="ar" lang="ar" dir="rtl" selected>' in arabic.text
    assert "Accept-Language" not in arabic.headers.get("Vary", "")  # the choice decides
    # The page marks carry it for boosted navigations (which keep <html>).
    assert 'data-lang="ar" data-dir="rtl"' in arabic.text
    choose(client, "xx")  # not a language: back to the browser's preference
    assert page_language(client.get("/", headers={"Accept-Language": "de"}).text)[0] == "de"


def test_a_change_of_language_is_said_in_it_and_gives_the_picker_focus_once(client):
    choose(client, "fr", next_url="/?page=1")
    after = client.get("/?page=1").text
    assert "Langue : Français." in after
    assert '<select id="language-choice" name="language" autofocus>' in after
    again = client.get("/?page=1").text
    assert "Langue : Français." not in again
    assert '<select id="language-choice" name="language">' in again


def test_a_member_s_choice_follows_them_to_every_device(app, client):
    auth = AuthActions(client)
    auth.register("ana")
    choose(client, "de")
    assert "Willkommen" not in client.get("/").text  # the welcome was read already
    assert page_language(client.get("/", headers={"Accept-Language": "es"}).text)[0] == "de"
    other = app.test_client()  # another browser, preferring French
    AuthActions(other).login("ana@example.com")
    home = other.get("/", headers={"Accept-Language": "fr"})
    assert page_language(home.text) == ("de", "ltr")
    assert "Willkommen zurück, ana!" in home.text  # the flash, in the account's language
    # Signing out keeps the language the browser was using.
    AuthActions(client).logout()
    assert page_language(client.get("/").text)[0] == "de"


def test_a_language_chosen_before_signing_in_becomes_the_account_s(app, client):
    AuthActions(client).register("ana")
    AuthActions(client).logout()
    choose(client, "es")
    AuthActions(client).login("ana@example.com")
    other = app.test_client()
    AuthActions(other).login("ana@example.com")
    assert page_language(other.get("/").text)[0] == "es"


def test_the_language_form_works_with_an_expired_session(client):
    """A stale form (another tab signed out, the token expired) gets the page-expired
    answer in the reader's language, not a crash."""
    response = client.post(
        "/language",
        data={"language": "fr", "csrf_token": "stale"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 400
    assert "Cette page a expiré" in response.text


def test_the_api_speaks_english_whatever_the_reader_prefers(app, client):
    missing = client.get("/api/articles/nope", headers={"Accept-Language": "fr"})
    assert missing.status_code == 404
    assert missing.json == {"errors": {"article": ["not found"]}}
    body = {"user": {"email": "nobody@example.com", "password": "x"}}
    refused = client.post("/api/users/login", json=body, headers={"Accept-Language": "ar"})
    assert refused.status_code in (401, 403, 422)
    assert all(ord(c) < 128 for c in refused.get_data(as_text=True))


def test_visitors_cached_pages_keep_languages_apart(client):
    english = client.get("/")
    french = client.get("/", headers={"Accept-Language": "fr"})
    again = client.get("/")  # served from the cache now
    assert "Global feed" in english.text
    assert "Fil global" in french.text
    assert "Global feed" in again.text
    assert "Fil global" not in again.text
    # A revalidation in another language is not a match: the tag differs.
    check = client.get(
        "/", headers={"Accept-Language": "fr", "If-None-Match": english.headers["ETag"]}
    )
    assert check.status_code == 200
    assert "Fil global" in check.text


# --- what the pages say ------------------------------------------------------------------


def test_arabic_plurals_have_their_six_forms(app):
    with app.test_request_context(), force_locale("ar"):
        said = {n: ngettext("%(num)d new article", "%(num)d new articles", n) for n in
                (0, 1, 2, 3, 11, 100)}  # fmt: skip
    assert said == {
        0: "0 مقالة جديدة",
        1: "1 مقالة جديدة",
        2: "2 مقالتان جديدتان",
        3: "3 مقالات جديدة",
        11: "11 مقالة جديدة",
        100: "100 مقالة جديدة",
    }


def test_plurals_and_dates_on_a_page(app, client, db):
    ana = make_user(db, "ana")
    [article_id] = make_articles(db, ana, 1, start=datetime(2026, 3, 5, 12, tzinfo=UTC))
    slug = db.get(Article, article_id).slug
    french = client.get(f"/article/{slug}", headers={"Accept-Language": "fr"}).text
    assert "5 mars 2026" in french
    assert "1 min de lecture" in french
    german = client.get("/search?q=article", headers={"Accept-Language": "de"}).text
    assert "1 Artikel gefunden" in german
    arabic = client.get(f"/article/{slug}", headers={"Accept-Language": "ar"}).text
    assert format_date(datetime(2026, 3, 5), "long", locale="ar") in arabic


def test_form_messages_and_labels_are_translated(client):
    response = client.post(
        "/register",
        data={"username": "", "email": "nope", "password": "x", "csrf_token": csrf_token(client)},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 422
    assert "Il y a un problème" in response.text
    assert "Saisissez un nom d’utilisateur." in response.text  # noqa: RUF001
    assert "Saisissez une adresse e-mail comme nom@example.com." in response.text
    assert "Utilisez de 8 à 128 caractères." in response.text
    label = '<label class="label" for="username">Nom d’utilisateur</label>'  # noqa: RUF001
    assert label in response.text
    # A number as the language writes it.
    too_long = client.post(
        "/login",
        data={"email": "a" * 250 + "@example.com", "password": "x",
              "csrf_token": csrf_token(client)},
        headers={"Accept-Language": "de"},
    )  # fmt: skip
    assert "Eine E-Mail-Adresse hat höchstens 254 Zeichen." in too_long.text


def test_fragments_speak_the_page_s_language(client, db):
    make_articles(db, make_user(db, "ana"), 12)
    part = client.get(
        "/?page=2", headers={"Accept-Language": "fr", "HX-Request": "true", "HX-Target": "feed"}
    )
    assert part.status_code == 200
    assert "<html" not in part.text
    assert "Fil global, page 2 sur 2" in part.text  # announced in the status region
    assert "<title>Fil global, page 2 — Conduit</title>" in part.text
    assert "← Précédente" in part.text


def test_error_pages_and_fragments_are_translated(client):
    page = client.get("/article/nope", headers={"Accept-Language": "es"})
    assert page.status_code == 404
    assert "Página no encontrada" in page.text
    assert "Ese artículo no existe." in page.text
    fragment = client.get(
        "/?page=99",
        headers={"Accept-Language": "ar", "HX-Request": "true", "HX-Target": "feed"},
    )
    assert fragment.status_code == 404
    assert "<html" not in fragment.text
    assert "لا توجد صفحة كهذه في هذه القائمة." in fragment.text


def test_emails_are_written_in_the_reader_s_language(mailing_app, inbox):
    handler, _port = inbox
    browser = mailing_app.test_client()
    AuthActions(browser).register("ana")
    handler.messages.clear()
    AuthActions(browser).logout()
    browser.post(
        "/password/forgot",
        data={"email": "ana@example.com", "csrf_token": csrf_token(browser, "/password/forgot")},
        headers={"Accept-Language": "es"},
    )
    [message] = handler.messages
    assert message["Subject"] == "Elige una nueva contraseña de Conduit"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Hola, ana:")
    assert '<html lang="es" dir="ltr">' in html


# --- no English left on a translated page -------------------------------------------------


class Texts(HTMLParser):
    """What a page says in words: its text and readable attributes, without the user's
    content (marked dir="auto"), code, and the language names (marked with their lang)."""

    READ = ("aria-label", "placeholder", "title", "alt", "hx-confirm",
            "data-unreachable", "data-timeout")  # fmt: skip
    SKIPPED = ("script", "style", "code", "pre", "textarea", "option")
    VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr")  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()
        self.skipping: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        skip = tag in self.SKIPPED or named.get("dir") == "auto" or "lang" in named
        if tag == "html":
            skip = False
        if not any(self.skipping) and not skip:
            self.found.update(v.strip() for k, v in attrs if k in self.READ and v)
        if tag not in self.VOID:
            self.skipping.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.skipping:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not any(self.skipping):
            self.found.add(text)


def words(html: str) -> set[str]:
    parser = Texts()
    parser.feed(html)
    found = {text.removesuffix(" — Conduit") for text in parser.found}  # titles
    return {text for text in found if re.search(r"[A-Za-z]{2}", text)}


def same_in(code: str) -> re.Pattern[str]:
    """Messages whose translation is the English itself (Menu, Tags, "Page %(number)s"
    in French...), as one pattern (a placeholder stands for anything)."""
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    same = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.id == m.string]
    return re.compile("|".join(re.sub(r"%\\\(\w+\\\)[sd]", ".+", re.escape(s)) for s in same))


@pytest.fixture
def site(app: Flask, client: FlaskClient, db) -> tuple[FlaskClient, list[str], set[str]]:
    """A member with articles, a draft, comments and favorites; the pages to read as a
    visitor and as that member; the words that are theirs (names, tags)."""
    AuthActions(client).register("writer")
    other = make_user(db, "reader")
    make_articles(db, other, 12, tags=["python", "flask"])
    client.post("/editor", data={"title": "Draft notes", "description": "Unfinished",
                                 "body": "Draft body", "tags": "", "draft": "1",
                                 "csrf_token": csrf_token(client, "/editor")})  # fmt: skip
    article = client.post("/editor", data={
        "title": "Written here", "description": "About", "body": "Body text\n\n```\ncode\n```",
        "tags": "htmx", "publish": "1", "csrf_token": csrf_token(client, "/editor"),
    })  # fmt: skip
    slug = article.headers["Location"].rsplit("/", 1)[-1]
    token = csrf_token(client, f"/article/{slug}")
    client.post(f"/article/{slug}/comments", data={"body": "A comment", "csrf_token": token})
    # The writer administers: a report waits in the queue, an article is hidden.
    writer = db.exec(select(User).where(User.username == "writer")).one()
    moderation.set_role(session=db, admin=None, username="writer", role="admin", reason="x")
    named = select(Article.id).where(col(Article.slug).in_(["article-1", "article-2"]))
    [first, second] = db.exec(named.order_by(col(Article.slug))).all()
    moderation.report(session=db, reporter=writer, kind="article", item_id=first, reason="other",
                      note="Copied")  # fmt: skip
    moderation.hide(session=db, moderator=writer, kind="article", item_id=second, reason="Ads")
    pages = [
        "/", "/?feed=following", "/?tag=python", "/?page=2", f"/article/{slug}",
        "/article/article-1", "/profile/writer", "/profile/writer?tab=drafts",
        "/profile/reader?tab=favorited", "/editor", f"/editor/{slug}", f"/article/{slug}/delete",
        "/settings", "/search", "/search?q=article", "/search?q=zzzz", "/reading-list",
        "/nope", "/article/nope", "/article/article-2", "/moderation", "/moderation/log",
        "/moderation/members/reader", "/article/article-1/report", "/profile/reader/report",
    ]  # fmt: skip
    own = {"writer", "reader", "python", "flask", "htmx", "#python", "conduit", "Conduit",
           "Markdown", "writer@example.com", "Written here", "Draft notes", "Copied", "Ads",
           "UTC", *(f"Article {n}" for n in range(1, 13))}  # fmt: skip
    return client, pages, own


VISITOR_PAGES = ["/", "/login", "/register", "/password/forgot", "/article/article-1",
                 "/reading-list", "/profile/reader", "/password/reset/not-a-link",
                 "/email/confirm/not-a-link", "/profile/nobody"]  # fmt: skip


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_english_is_left_on_a_translated_page(app, site, code):
    member, pages, own = site
    same = same_in(code)
    visitor = app.test_client()
    readers = [(member, page) for page in pages] + [(visitor, page) for page in VISITOR_PAGES]
    for reader, page in readers:
        english = words(reader.get(page, headers={"Accept-Language": "en"}).text)
        translated = reader.get(page, headers={"Accept-Language": code})
        assert page_language(translated.text)[0] == code
        left = {t for t in words(translated.text) & english if not (t in own or same.fullmatch(t))}
        assert left == set(), f"{page} in {code}"
    # Forms sent back with their errors.
    for errors in ("/login", "/register"):
        data = {"csrf_token": csrf_token(visitor, errors)}
        english = words(visitor.post(errors, data=data, headers={"Accept-Language": "en"}).text)
        data = {"csrf_token": csrf_token(visitor, errors)}
        sent = visitor.post(errors, data=data, headers={"Accept-Language": code})
        assert sent.status_code == 422
        left = {t for t in words(sent.text) & english if not (t in own or same.fullmatch(t))}
        assert left == set(), errors
