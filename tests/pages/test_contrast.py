"""Every text/background pair of the stylesheet's colour tokens meets WCAG AA in both
themes: computed from the custom properties themselves (light-dark(light, dark)), so a
colour changed in one theme cannot slip under the line unnoticed."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "conduit.css").read_text()
TOKEN = re.compile(r"(--[\w-]+):\s*light-dark\((#[0-9a-fA-F]{6}),\s*(#[0-9a-fA-F]{6})\)")
TOKENS = {name: (light, dark) for name, light, dark in TOKEN.findall(CSS)}

TEXT, LARGE_OR_UI = 4.5, 3.0
# (foreground, background, the least contrast it needs)
PAIRS = [
    ("--text", "--bg", TEXT),
    ("--text", "--surface", TEXT),
    ("--muted", "--bg", TEXT),
    ("--muted", "--surface", TEXT),
    ("--accent", "--bg", TEXT),  # links
    ("--accent", "--surface", TEXT),
    ("--accent", "--tag-bg", TEXT),  # outline buttons on hover
    ("--accent-strong", "--bg", TEXT),
    ("--on-accent", "--accent", TEXT),  # primary buttons
    ("--on-accent", "--accent-strong", TEXT),
    ("--danger", "--bg", TEXT),
    ("--danger", "--danger-bg", TEXT),
    ("--banner-text", "--banner-bg", TEXT),
    ("--article-banner-text", "--article-banner-bg", TEXT),
    ("--article-banner-muted", "--article-banner-bg", TEXT),
    ("--article-banner-accent", "--article-banner-bg", TEXT),  # the author, outline buttons
    ("--on-accent-light", "--article-banner-accent", TEXT),  # pressed buttons there
    ("--text", "--mark-bg", TEXT),  # search matches
    ("--focus", "--bg", LARGE_OR_UI),  # focus rings
    ("--field-border", "--bg", LARGE_OR_UI),  # form fields' edges
    *((code, "--surface", TEXT) for code in (
        "--code-keyword", "--code-string", "--code-comment", "--code-number", "--code-name",
        "--code-type",
    )),
]  # fmt: skip


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("theme", "index"), [("light", 0), ("dark", 1)])
@pytest.mark.parametrize(("foreground", "background", "needed"), PAIRS)
def test_colour_pairs_meet_wcag_aa(foreground, background, needed, theme, index):
    assert foreground in TOKENS, f"{foreground} is not a light-dark() token"
    assert background in TOKENS, f"{background} is not a light-dark() token"
    ratio = contrast(TOKENS[foreground][index], TOKENS[background][index])
    assert ratio >= needed, f"{foreground} on {background} in {theme}: {ratio:.2f}:1"
