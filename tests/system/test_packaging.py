"""`pip install .` gives a working app: the wheel holds the templates, components,
static files (front-end packages included), compiled translations and migrations, and
the app installed from it, run from elsewhere, migrates, seeds and serves its pages."""

import os
import site
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    [built] = out.glob("conduit-*.whl")
    return built


def test_the_wheel_holds_everything_the_app_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "web/templates/base.html",
        "web/components/favorite_button.html",
        "web/static/css/conduit.css",
        "web/static/vendor/htmx.min.js",
        "web/translations/fr/LC_MESSAGES/messages.mo",
        "web/migrations/env.py",
        "web/http/rendering.py",
        "web/caching/generation.py",
        "web/infra/live.py",
        "web/api/operations.py",
        "web/pages/home.py",
    ):
        assert needed in names, f"{needed} is missing from the wheel"
    assert not any(name.startswith(("tests/", "e2e/", "node_modules/")) for name in names)


def test_the_installed_app_runs_away_from_the_repository(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The dependencies come from this environment; the app itself only from the wheel.
    [packages] = Path(venv / "lib").glob("python*/site-packages")
    (packages / "dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(packages), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    env = {
        "PATH": os.environ["PATH"],
        "CONDUIT_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'conduit.db'}",
        "SITE_URL": "http://localhost",
    }
    work = tmp_path / "elsewhere"
    work.mkdir()
    for command in (["db", "upgrade"], ["seed", "--users", "3", "--articles", "4"]):
        subprocess.run([python, "-m", "flask", "--app", "web", *command], cwd=work, env=env,
                       check=True, capture_output=True, timeout=120)  # fmt: skip
    walk = f"PACKAGES = {str(packages)!r}\n" + textwrap.dedent(
        """
        import web
        assert web.__file__.startswith(PACKAGES), web.__file__
        client = web.create_app().test_client()
        home = client.get("/", headers={"Accept-Language": "fr"})
        assert home.status_code == 200 and "Accueil" in home.text, home.status_code
        for url in ("/static/css/conduit.css", "/static/vendor/htmx.min.js", "/_components/"):
            assert client.get(url).status_code == 200, url
        print("walked")
        """
    )
    done = subprocess.run([python, "-c", walk], cwd=work, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "walked", done.stderr[-2000:]
