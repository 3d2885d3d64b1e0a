import re
from pathlib import Path

import pytest

from web import create_app
from web.config import (
    DEV_SECRET,
    ConfigError,
    Settings,
    normalise_database_url,
    settings_table,
)
from web.config import load as load_config
from web.db import dispose

STRONG = "x" * 40
SITE = "https://conduit.example"
PRODUCTION = {"CONDUIT_ENV": "production", "SECRET_KEY": STRONG, "SITE_URL": SITE}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def load(monkeypatch, tmp_path):
    """load(instance_path, environment): the config with exactly these variables set
    (run in an empty folder: no .env unless the test writes one)."""

    def with_environment(instance_path: str, environ: dict[str, str]) -> dict:
        for name in Settings.model_fields:
            monkeypatch.delenv(name.upper(), raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return load_config(instance_path)

    monkeypatch.chdir(tmp_path)
    return with_environment


def test_testing_config(app):
    assert app.testing
    assert app.config["CONDUIT_ENV"] == "testing"


def test_defaults_to_production_and_refuses_missing_secret(tmp_path, load):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load(str(tmp_path), {})


@pytest.mark.parametrize("secret", ["", DEV_SECRET, "changeme", "short-but-custom"])
def test_production_refuses_default_or_weak_secret(tmp_path, load, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load(str(tmp_path), {"CONDUIT_ENV": "production", "SECRET_KEY": secret})


def test_production_with_strong_secret(tmp_path, load):
    config = load(str(tmp_path), PRODUCTION)
    assert config["SECRET_KEY"] == STRONG
    assert config["SITE_URL"] == SITE
    assert config["SERVER_TIMING"] is False


def test_production_refuses_to_start_without_its_address(tmp_path, load):
    """Links in mails and feeds need the site's address: production will not guess it
    from requests."""
    with pytest.raises(ConfigError, match="SITE_URL must be set"):
        load(str(tmp_path), {"CONDUIT_ENV": "production", "SECRET_KEY": STRONG})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://Conduit.Example/", "https://conduit.example"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://conduit.example:8443", "https://conduit.example:8443"),
    ],
)
def test_site_url_is_an_address(tmp_path, load, given, expected):
    config = load(str(tmp_path), {**PRODUCTION, "SITE_URL": given})
    assert config["SITE_URL"] == expected


@pytest.mark.parametrize(
    "bad", ["conduit.example", "ftp://conduit.example", "https://conduit.example/blog",
            "https://conduit.example/?x=1", "https://user@conduit.example", "https://"],
)  # fmt: skip
def test_site_url_refuses_anything_but_an_address(tmp_path, load, bad):
    with pytest.raises(ConfigError, match="SITE_URL"):
        load(str(tmp_path), {**PRODUCTION, "SITE_URL": bad})


def test_development_has_an_address_of_its_own(tmp_path, load):
    config = load(str(tmp_path), {"CONDUIT_ENV": "development"})
    assert config["SITE_URL"] == "http://127.0.0.1:5000"


def test_development_gets_a_dev_secret_and_timing(tmp_path, load):
    config = load(str(tmp_path), {"CONDUIT_ENV": "development"})
    assert config["SECRET_KEY"] == DEV_SECRET
    assert config["SERVER_TIMING"] is True


def test_unknown_environment_is_an_error(tmp_path, load):
    with pytest.raises(ConfigError, match="CONDUIT_ENV"):
        load(str(tmp_path), {"CONDUIT_ENV": "staging"})


def test_default_database_is_sqlite_in_instance_folder(tmp_path, load):
    config = load(str(tmp_path), {"CONDUIT_ENV": "development"})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'conduit.db'}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_normalised(given, expected):
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize("value", ["0", "-3", "ten"])
def test_bad_page_size_is_a_clear_error(tmp_path, load, value):
    with pytest.raises(ConfigError, match="FEED_PAGE_SIZE"):
        load(str(tmp_path), {"CONDUIT_ENV": "development", "FEED_PAGE_SIZE": value})


def test_dotenv_fills_in_outside_production(tmp_path, load):
    Path(".env").write_text("FEED_PAGE_SIZE=7\nCONDUIT_ENV=development\n")
    assert load(str(tmp_path), {})["FEED_PAGE_SIZE"] == 7
    # The real environment wins over the file.
    assert load(str(tmp_path), {"FEED_PAGE_SIZE": "3"})["FEED_PAGE_SIZE"] == 3


def test_dotenv_ignored_in_production(tmp_path, load):
    Path(".env").write_text("FEED_PAGE_SIZE=7\n")
    config = load(str(tmp_path), PRODUCTION)
    assert config["FEED_PAGE_SIZE"] == 10


def test_create_app_fails_fast_in_production_without_secret(monkeypatch):
    monkeypatch.setenv("CONDUIT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


def test_test_config_overrides_environment(db_url):
    app = create_app({"DATABASE_URL": db_url, "FEED_PAGE_SIZE": 3})
    assert app.config["FEED_PAGE_SIZE"] == 3
    dispose(app)


def test_readme_configuration_table_is_the_settings_own():
    """The README's table is generated from the settings (web.config.settings_table)."""
    readme = (ROOT / "README.md").read_text()
    assert settings_table() in readme
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, re.M))
    assert documented == {name.upper() for name in Settings.model_fields}


def test_every_setting_is_documented():
    for name, field in Settings.model_fields.items():
        doc = field.json_schema_extra
        assert isinstance(doc, dict), name
        assert doc["shown_default"], name
        assert (field.description or "").endswith("."), name
