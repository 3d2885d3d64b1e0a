from pathlib import Path

import pytest

from web import create_app
from web.config import DEV_SECRET, ConfigError, load, normalise_database_url

STRONG = "x" * 40


def test_testing_config(app):
    assert app.testing
    assert app.config["CONDUIT_ENV"] == "testing"


def test_defaults_to_production_and_refuses_missing_secret(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load(str(tmp_path), {})


@pytest.mark.parametrize("secret", ["", DEV_SECRET, "changeme", "short-but-custom"])
def test_production_refuses_default_or_weak_secret(tmp_path, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load(str(tmp_path), {"CONDUIT_ENV": "production", "SECRET_KEY": secret})


def test_production_with_strong_secret(tmp_path):
    config = load(str(tmp_path), {"CONDUIT_ENV": "production", "SECRET_KEY": STRONG})
    assert config["SECRET_KEY"] == STRONG
    assert config["SERVER_TIMING"] is False


def test_development_gets_a_dev_secret_and_timing(tmp_path):
    config = load(str(tmp_path), {"CONDUIT_ENV": "development"})
    assert config["SECRET_KEY"] == DEV_SECRET
    assert config["SERVER_TIMING"] is True


def test_unknown_environment_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="CONDUIT_ENV"):
        load(str(tmp_path), {"CONDUIT_ENV": "staging"})


def test_default_database_is_sqlite_in_instance_folder(tmp_path):
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
def test_bad_page_size_is_a_clear_error(tmp_path, value):
    with pytest.raises(ConfigError, match="FEED_PAGE_SIZE"):
        load(str(tmp_path), {"CONDUIT_ENV": "development", "FEED_PAGE_SIZE": value})


def test_dotenv_fills_in_outside_production(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path(".env").write_text("FEED_PAGE_SIZE=7\nCONDUIT_ENV=development\n")
    assert load(str(tmp_path), {})["FEED_PAGE_SIZE"] == 7
    # The real environment wins over the file.
    assert load(str(tmp_path), {"FEED_PAGE_SIZE": "3"})["FEED_PAGE_SIZE"] == 3


def test_dotenv_ignored_in_production(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path(".env").write_text("FEED_PAGE_SIZE=7\n")
    config = load(str(tmp_path), {"CONDUIT_ENV": "production", "SECRET_KEY": STRONG})
    assert config["FEED_PAGE_SIZE"] == 10


def test_create_app_fails_fast_in_production_without_secret(monkeypatch):
    monkeypatch.setenv("CONDUIT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


def test_test_config_overrides_environment(db_url):
    app = create_app({"DATABASE_URL": db_url, "FEED_PAGE_SIZE": 3})
    assert app.config["FEED_PAGE_SIZE"] == 3
    app.extensions["conduit.db"].dispose()
