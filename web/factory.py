"""The app, assembled: settings, request plumbing, caching, infrastructure, then the
pages and the API, in the order each needs the one before."""

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect
from jinja2 import StrictUndefined

from web import api, config, db
from web.caching import answers, fragments, generation, replay, writes
from web.http import (
    assets,
    auth,
    boundary,
    errors,
    i18n,
    limits,
    reader,
    rendering,
    requestlog,
    security,
    sessions,
    site,
)
from web.infra import (
    health,
    live,
    logs,
    mail,
    mail_queue,
    metrics,
    migrate,
    reports,
    seed,
    traces,
    user_commands,
)
from web.pages import articles as article_pages
from web.pages import auth as auth_pages
from web.pages import email_addresses as email_address_pages
from web.pages import gallery, home, profiles, settings, syndication
from web.pages import live as live_pages
from web.pages import moderation as moderation_pages
from web.pages import reading_list as reading_list_pages
from web.pages import search as search_pages

csrf = CSRFProtect()


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment; `test_config` overrides settings in tests."""
    app = site.Conduit("web", static_folder=str(rendering.STATIC), instance_relative_config=True)
    app.config.from_mapping(config.load(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
    if app.config["CONDUIT_ENV"] != "production":
        # A variable a template forgets (or a fragment cannot see) fails loudly.
        app.jinja_env.undefined = StrictUndefined

    logs.init_app(app)  # first: whatever is logged from here on is JSON in production
    db.init_app(app)
    traces.init_app(app)  # before any other hook: a request's work happens inside its span
    boundary.init_app(app)
    site.init_app(app)  # before anything answers: a stranger's Host gets 400
    replay.init_app(app)  # before security: inside its proxy fix
    security.init_app(app)
    requestlog.init_app(app)
    sessions.init_app(app)
    generation.init_app(app)
    writes.listen()
    answers.init_app(app)
    assets.init_app(app)
    rendering.init_app(app)
    i18n.init_app(app, member_language=auth.member_language)
    errors.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    reader.init_app(app)
    limits.init_app(app)
    mail.init_app(app)
    mail_queue.init_app(app)
    live.init_app(app)
    metrics.init_app(app)
    reports.init_app(app)
    moderation_pages.init_app(app)
    app.jinja_env.globals["current_theme"] = settings.current_theme
    app.jinja_env.globals["language_just_changed"] = settings.language_just_changed
    blueprints = (
        home.bp, auth_pages.bp, settings.bp, profiles.bp, article_pages.bp, search_pages.bp,
        health.bp, syndication.bp, reading_list_pages.bp, email_address_pages.bp, live_pages.bp,
    )  # fmt: skip
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    api.init_app(app, csrf)
    csrf.exempt(article_pages.preview)  # stores nothing; works on after the session ended
    fragments.init_app(app)
    gallery.init_app(app)
    app.cli.add_command(migrate.db_command)
    app.cli.add_command(seed.seed_command)
    app.cli.add_command(mail_queue.mail_command)
    app.cli.add_command(user_commands.users_command)
    return app
