"""The architecture holds by itself: the domain knows nothing of requests, caches or
servers, and no modules import each other in a circle (a deferred import counts)."""

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
# The domain: rules and queries, callable from a script, a test or any request.
DOMAIN = {
    "articles", "bounds", "changes", "comments", "email_addresses", "languages", "markdown",
    "moderation", "models", "pagination", "passwords", "pictures", "problems", "reading_list",
    "reuse", "search", "search_index", "signins", "submissions", "users",
}  # fmt: skip
OUTER = ("web.http", "web.caching", "web.infra", "web.pages", "web.api", "web.factory")
REQUEST_STATE = {"request", "g", "session", "current_user"}


def modules() -> dict[str, Path]:
    found = {}
    for path in WEB.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(WEB.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """The web modules `path` imports, anywhere in it."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in known:
                    out.add(full)
                elif node.module in known:
                    out.add(node.module)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    # A package's __init__ re-exporting its factory is the entry point, not a dependency.
    return {name: imports(path, known) - {name} for name, path in found.items() if name != "web"}


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other_in_a_circle():
    assert cycles(graph()) == []


def test_the_cycle_finder_sees_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_the_domain_imports_no_outer_layer_and_no_request_state():
    edges = graph()
    for name in DOMAIN:
        module = f"web.{name}"
        assert module in edges, f"{module} is listed as domain but does not exist"
        outer = sorted(m for m in edges[module] if m.startswith(OUTER))
        assert outer == [], f"{module} imports {outer}"
        tree = ast.parse(modules()[module].read_text())
        from_flask = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module in {"flask", "flask_login"}
            for alias in node.names
        }
        assert not from_flask & REQUEST_STATE, f"{module} reads {from_flask & REQUEST_STATE}"


def test_every_top_level_module_is_placed():
    """A new module at the top is domain, or one of the few that wire the app."""
    wiring = {"config", "db", "factory"}
    top = {p.stem for p in WEB.glob("*.py")} - {"__init__"}
    assert top - DOMAIN - wiring == set()
