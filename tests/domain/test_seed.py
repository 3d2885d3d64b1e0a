from pathlib import Path

from sqlmodel import func, select

from web.infra.seed import DEMO_PASSWORD, DEMO_USER, seed_demo
from web.models import Article, Comment, Favorite, Follow, Report, User
from web.users import authenticate

README = Path(__file__).resolve().parents[2] / "README.md"


def _counts(db):
    return {
        model.__name__: db.exec(select(func.count()).select_from(model)).one()
        for model in (User, Article, Comment, Favorite, Follow)
    }


def test_seed_creates_realistic_demo_data(db):
    result = seed_demo(session=db, users=5, articles=12)
    counts = _counts(db)
    assert counts["User"] == result.users == 5
    assert counts["Article"] == result.articles == 12
    assert counts["Comment"] == result.comments > 0
    assert counts["Favorite"] == result.favorites > 0
    assert counts["Follow"] == result.follows > 0
    article = db.exec(select(Article)).first()
    assert "## " in article.body  # markdown with sections
    assert article.slug


def test_reseeding_adds_nothing_twice(db):
    seed_demo(session=db, users=5, articles=12)
    before = _counts(db)
    again = seed_demo(session=db, users=5, articles=12)
    assert (again.users, again.articles, again.follows) == (0, 0, 0)
    assert _counts(db) == before


def test_reseeding_with_more_articles_tops_up(db):
    seed_demo(session=db, users=5, articles=4)
    more = seed_demo(session=db, users=5, articles=6)
    assert more.articles == 2
    assert _counts(db)["Article"] == 6


def test_seed_command_with_progress_and_if_empty(runner, db):
    result = runner.invoke(args=["seed", "--users", "3", "--articles", "5"])
    assert result.exit_code == 0, result.output
    assert "Added 3 users, 5 articles" in result.output
    assert "Writing articles" in result.output  # the progress bar
    result = runner.invoke(args=["seed", "--if-empty"])
    assert "no demo data added" in result.output
    assert _counts(db)["Article"] == 5


def test_seed_command_rejects_bad_numbers(runner):
    result = runner.invoke(args=["seed", "--users", "0"])
    assert result.exit_code != 0
    assert "Invalid value for '--users'" in result.output


def test_the_demo_account_the_readme_names_signs_in(db):
    seed_demo(session=db, users=3, articles=2)
    user = authenticate(session=db, email=f"{DEMO_USER}@example.com", password=DEMO_PASSWORD)
    assert user is not None
    assert user.username == DEMO_USER
    assert f"`{DEMO_USER}@example.com`" in README.read_text()


def test_without_faker_the_seed_says_how_to_get_it(runner, db, monkeypatch):
    """Images leave the demo extra out: seeding there explains itself, writes nothing."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "faker" else real(name, *a))  # fmt: skip
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 1
    assert "pip install 'conduit[demo]'" in result.output
    assert _counts(db)["User"] == 0


def test_the_demo_account_administers_a_queue_with_reports(db):
    seed_demo(session=db, users=5, articles=12)
    demo = db.exec(select(User).where(User.username == DEMO_USER)).one()
    assert demo.role == "admin"
    reports = db.exec(select(Report)).all()
    assert len({(r.kind, r.item_id) for r in reports}) == 2
    assert all(r.author_id != demo.id and r.reporter_id != r.author_id for r in reports)
    seed_demo(session=db, users=5, articles=12)
    assert len(db.exec(select(Report)).all()) == len(reports)  # not twice
