"""Demo data: realistic users, markdown articles with tags, comments, favorites, follows.

Deterministic (a fixed random seed), so re-running adds nothing that is already there:
users are matched by username, articles by title and author.
"""

import importlib.util
import io
import random
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO, cast

import click
from flask.cli import with_appcontext
from sqlmodel import Session, col, select
from werkzeug.security import generate_password_hash

from web import moderation
from web.articles import create_article
from web.db import get_session
from web.models import Article, Comment, Favorite, Follow, Report, User, folded, id_of, utcnow
from web.moderation import ADMIN

if TYPE_CHECKING:
    from faker import Faker

DEMO_PASSWORD = "conduit-demo"
DEMO_USER = "demo"  # the account to try first: demo@example.com
TOPICS = [
    "accessibility", "architecture", "css", "databases", "design", "devops", "flask",
    "hiring", "htmx", "javascript", "leadership", "linux", "open-source", "performance",
    "postgresql", "productivity", "python", "security", "sqlite", "testing", "typography",
    "web", "writing", "career",
]  # fmt: skip


TITLES = [
    "{n} things I learned about {topic}",
    "Why {topic} matters more than you think",
    "A practical guide to {topic}",
    "{topic} in production: lessons from a year",
    "Getting started with {topic}",
    "What nobody tells you about {topic}",
    "The case for boring {topic}",
    "How we halved our {topic} bugs",
    "Notes on {topic} and {other}",
    "{topic}: a field guide",
    "{n} mistakes to avoid with {topic}",
    "From {other} to {topic}: a migration story",
    "Is {topic} worth it in {n} minutes a day?",
    "Teaching {topic} to a team of {n}",
]


DESCRIPTIONS = [
    "A practical look at {topic} for busy teams.",
    "What {n} years of {topic} taught me about {other}.",
    "Notes from moving a real project to {topic}.",
    "The short version: {topic} is simpler than it looks.",
    "How {topic} and {other} fit together, with examples.",
    "Small habits that make {topic} less painful.",
    "Everything I wish I had known before starting with {topic}.",
    "A checklist for {topic}, tested on {n} projects.",
]


@dataclass
class SeedResult:
    users: int = 0
    articles: int = 0
    comments: int = 0
    favorites: int = 0
    follows: int = 0


def seed_demo(*, session: Session, users: int, articles: int, progress: bool = False) -> SeedResult:
    """Create up to `users` users and `articles` articles that are not there yet; commits."""
    from faker import Faker  # the demo extra's: production images leave it out

    fake = Faker("en_US")
    fake.seed_instance(2026)
    rng = random.Random(2026)
    result = SeedResult()

    people = _ensure_users(session, fake, users, result)
    ids = [p.id for p in people if p.id is not None]
    _ensure_follows(session, rng, ids, result)

    existing = {
        (title, author_id)
        for title, author_id in session.exec(select(Article.title, Article.author_id)).all()
    }
    now = utcnow()
    steps = range(articles)
    with click.progressbar(
        steps, label="Writing articles", file=cast(TextIO, sys.stderr) if progress else _Null()
    ) as bar:
        for i in bar:
            # Draw everything for article i even when it exists, so article i+1 is stable.
            author_id = rng.choice(ids)
            tags = rng.sample(TOPICS, rng.randint(1, 4))
            title = rng.choice(TITLES).format(
                n=rng.randint(3, 12), topic=tags[0], other=rng.choice(TOPICS)
            )
            title = title[0].upper() + title[1:]
            description = rng.choice(DESCRIPTIONS).format(
                topic=tags[0], other=rng.choice(TOPICS), n=rng.randint(2, 9)
            )
            body = _markdown_body(fake, rng)
            created = now - timedelta(days=articles - i, minutes=rng.randint(0, 600))
            commenters = rng.sample(ids, rng.randint(0, min(4, len(ids))))
            fans = rng.sample(ids, rng.randint(0, len(ids) // 2))
            comment_bodies = [fake.paragraph(nb_sentences=rng.randint(1, 3)) for _ in commenters]
            if (title, author_id) in existing:
                continue
            article = create_article(
                session=session,
                author_id=author_id,
                title=title,
                description=description,
                body=body,
                tags=tags,
                created_at=created,
            )
            article_id = id_of(article)
            for offset, (commenter, text) in enumerate(
                zip(commenters, comment_bodies, strict=True)
            ):
                when = created + timedelta(hours=offset + 1)
                session.add(
                    Comment(
                        body=text,
                        article_id=article_id,
                        author_id=commenter,
                        created_at=when,
                        updated_at=when,
                    )
                )
            session.add_all(Favorite(user_id=fan, article_id=article_id) for fan in fans)
            result.articles += 1
            result.comments += len(commenters)
            result.favorites += len(fans)
            if result.articles % 50 == 0:
                session.commit()
    session.commit()
    _ensure_moderation(session, people)
    return result


# A few reports for the demo account, its admin, to find in the moderation queue.
DEMO_REPORTS = (("spam", None), ("off-topic", None), ("other", "Copied from another site."))


def _ensure_moderation(session: Session, people: list[User]) -> None:
    """The demo account administers the site, and the queue has something in it."""
    demo = next((p for p in people if p.username == DEMO_USER), None)
    if demo is None or len(people) < 4 or session.exec(select(Report.id)).first() is not None:
        return
    demo.role = ADMIN
    session.add(demo)
    session.commit()
    reporters = [p for p in people if p is not demo]
    targets = session.exec(
        select(Article)
        .where(col(Article.author_id) != demo.id)
        .order_by(col(Article.created_at).desc())
        .limit(2)
    ).all()
    for article in targets:
        others = [r for r in reporters if r.id != article.author_id]
        for reporter, (reason, note) in zip(others, DEMO_REPORTS, strict=False):
            moderation.report(session=session, reporter=reporter, kind="article",
                              item_id=id_of(article), reason=reason, note=note)  # fmt: skip


def _ensure_users(session: Session, fake: "Faker", count: int, result: SeedResult) -> list[User]:
    names: list[str] = [DEMO_USER][:count]
    while len(names) < count:
        name = fake.unique.user_name()[:40]
        if name.lower() != DEMO_USER:
            names.append(name)
    found = session.exec(
        select(User).where(folded(User.username).in_([n.lower() for n in names]))
    ).all()
    by_name = {u.username.lower(): u for u in found}
    password_hash = generate_password_hash(DEMO_PASSWORD)  # one hash: the same demo password
    people = []
    for name in names:
        bio = fake.sentence(nb_words=12)  # drawn for every name, so later draws stay stable
        user = by_name.get(name.lower())
        if user is None:
            user = User(
                username=name,
                email=f"{name.lower()}@example.com",
                password_hash=password_hash,
                bio=bio,
                email_confirmed=True,  # demo accounts: nothing to confirm
            )
            session.add(user)
            result.users += 1
        people.append(user)
    session.flush()
    return people


def _ensure_follows(
    session: Session, rng: random.Random, ids: list[int], result: SeedResult
) -> None:
    have = set(session.exec(select(Follow.follower_id, Follow.followed_id)).all())
    for follower in ids:
        others = [i for i in ids if i != follower]
        for followed in rng.sample(others, min(len(others), rng.randint(2, 5))):
            if (follower, followed) not in have:
                session.add(Follow(follower_id=follower, followed_id=followed))
                have.add((follower, followed))
                result.follows += 1
    session.flush()


def _markdown_body(fake: "Faker", rng: random.Random) -> str:
    parts = [fake.paragraph(nb_sentences=rng.randint(3, 6))]
    for _ in range(rng.randint(1, 3)):
        parts.append(f"## {fake.sentence(nb_words=rng.randint(3, 6)).rstrip('.')}")
        parts.append(fake.paragraph(nb_sentences=rng.randint(3, 7)))
        if rng.random() < 0.5:
            parts.append("\n".join(f"- {fake.sentence(nb_words=6)}" for _ in range(3)))
        if rng.random() < 0.3:
            parts.append(f"```python\nprint({fake.word()!r})\n```")
        if rng.random() < 0.4:
            parts.append(f"> {fake.sentence(nb_words=14)}")
    parts.append(f"Thanks for reading, and **{fake.catch_phrase().lower()}**.")
    return "\n\n".join(parts)


class _Null(io.StringIO):
    """A file that swallows the progress bar when it is not wanted."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


def database_is_empty(session: Session) -> bool:
    return session.exec(select(col(Article.id)).limit(1)).first() is None


@click.command("seed")
@click.option("--users", default=12, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--articles", default=60, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--if-empty", is_flag=True, help="Do nothing when there are articles already.")
@with_appcontext
def seed_command(users: int, articles: int, if_empty: bool) -> None:
    """Fill the database with demo users and articles (safe to re-run)."""
    session = get_session()
    if if_empty and not database_is_empty(session):
        click.echo("The database has articles already: no demo data added.")
        return
    if importlib.util.find_spec("faker") is None:
        raise click.ClickException(
            "Demo data needs Faker, which this installation leaves out: "
            "pip install 'conduit[demo]' (make setup does)."
        )
    result = seed_demo(session=session, users=users, articles=articles, progress=True)
    click.echo(
        f"Added {result.users} users, {result.articles} articles, {result.comments} comments, "
        f"{result.favorites} favorites and {result.follows} follows. "
        f"Sign in as {DEMO_USER}@example.com (or any demo user) with the password "
        f"{DEMO_PASSWORD!r}."
    )
