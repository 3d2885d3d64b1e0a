"""Find the requests a page's htmx elements make, as a browser with htmx would send them.

Reads a page's HTML, and for each element with `hx-get` / `hx-post` works out the
method, URL, target id (following `hx-target` up the tree, `this` and `#id`) and the
form fields htmx would include, so tests can replay every call a page offers.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"input", "img", "br", "hr", "meta", "link", "source", "area", "col", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: "Node | None"
    children: list["Node"] = field(default_factory=list)
    text: str = ""

    def attr(self, name: str) -> str | None:
        return self.attrs.get(name)

    def ancestors(self):  # type: ignore[no-untyped-def]
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self):  # type: ignore[no-untyped-def]
        yield self
        for child in self.children:
            yield from child.walk()


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent  # type: ignore[assignment]
        if node is not self.root:
            self.current = node.parent  # type: ignore[assignment]

    def handle_data(self, data: str) -> None:
        if self.current.tag == "textarea":
            self.current.text += data


def parse(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    return tree.root


@dataclass(frozen=True)
class Call:
    """One request an htmx element makes."""

    method: str
    url: str
    target: str | None
    data: tuple[tuple[str, str], ...]
    where: str  # the element, for messages

    def headers(self, page: str) -> dict[str, str]:
        out = {"HX-Request": "true", "HX-Current-URL": f"http://localhost{page}"}
        if self.target:
            out["HX-Target"] = self.target
        return out


def _target(node: Node) -> str | None:
    for candidate in (node, *node.ancestors()):
        spec = candidate.attr("hx-target")
        if spec is None:
            continue
        if spec == "this":
            return candidate.attr("id")
        return spec.removeprefix("#")
    return node.attr("id")


def _fields(form: Node) -> list[tuple[str, str]]:
    out = []
    for node in form.walk():
        name = node.attr("name")
        if not name or node.tag not in ("input", "textarea", "select"):
            continue
        if node.tag == "textarea":  # a newline right after <textarea> is not content
            out.append((name, node.text.removeprefix("\r").removeprefix("\n")))
        elif node.tag == "select":
            chosen = [o for o in node.walk() if o.tag == "option" and "selected" in o.attrs]
            options = chosen or [o for o in node.walk() if o.tag == "option"]
            out.append((name, options[0].attr("value") or "" if options else ""))
        elif node.attr("type") not in ("submit", "button", "checkbox"):
            out.append((name, node.attr("value") or ""))
    return out


def htmx_calls(html: str) -> list[Call]:
    """Every hx-get / hx-post on the page, with what htmx would send."""
    calls = []
    for node in parse(html).walk():
        for method in ("get", "post"):
            url = node.attr(f"hx-{method}")
            if url is None:
                continue
            form = (
                node
                if node.tag == "form"
                else next((a for a in node.ancestors() if a.tag == "form"), None)
            )
            if node.tag == "form" or method == "post":
                data = _fields(form) if form is not None else []
            elif node.attr("name"):  # an input that GETs sends its own value
                data = [(node.attr("name") or "", node.attr("value") or "")]
            else:  # a link: its URL says it all
                data = []
            where = f"<{node.tag} id={node.attr('id')!r} hx-{method}={url!r}>"
            calls.append(Call(method.upper(), url, _target(node), tuple(data), where))
    return calls
