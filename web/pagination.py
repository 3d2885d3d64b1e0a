"""Page arithmetic shared by every paginated list (pages and API)."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from web.bounds import PAGE_MAX
from web.problems import NotFound

T = TypeVar("T")


class PageOutOfRange(NotFound):
    """A page number below 1 or past the last page of a non-empty list."""

    def __init__(self, number: object) -> None:
        super().__init__("page")
        self.number = number


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def window(self, radius: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and `radius` around the current one.

        `None` marks a gap, e.g. [1, None, 4, 5, 6, 7, 8, None, 20].
        """
        shown = {1, self.pages, *range(self.number - radius, self.number + radius + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in numbers:
            if out and n - (out[-1] or 0) > 1:
                out.append(None if n - (out[-1] or 0) > 2 else n - 1)
            out.append(n)
        return out


def page_number(raw: str | None) -> int:
    """A `?page=` as given (1 when absent). Anything but a number from 1 to PAGE_MAX
    is a page that does not exist: PageOutOfRange."""
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not 1 <= int(raw) <= PAGE_MAX:
        raise PageOutOfRange(raw)
    return int(raw)


def offset_for(number: int, size: int) -> int:
    """Row offset of page `number`; raises PageOutOfRange for numbers below 1."""
    if number < 1:
        raise PageOutOfRange(number)
    return (number - 1) * size


def check_in_range(page: Page[T]) -> Page[T]:
    """Past the last page is out of range, except page 1 of an empty list."""
    if page.number > page.pages:
        raise PageOutOfRange(page.number)
    return page
