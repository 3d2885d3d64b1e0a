"""Conditional requests (RFC 9110): strong ETags on answers, 304 for a client whose copy
is current, 412 for a write based on a stale copy.

The entity tag is a hash of the exact JSON a client receives, so it changes whenever
anything in that answer does (a favorite count, whether the reader follows the author)
and is the same whether the answer was computed or served from the cache. A write
with `If-Match` is compared with the answer that client would GET now; a mismatch
means someone changed the resource since it was read.
"""

from collections.abc import Callable

from flask import jsonify, request
from pydantic import BaseModel
from werkzeug.exceptions import PreconditionFailed
from werkzeug.http import generate_etag
from werkzeug.wrappers import Response

STALE = "changed since you read it: fetch it again, then retry with its new ETag"


def representation(model: BaseModel) -> Response:
    """The one way a model becomes a JSON answer (so a tag computed here matches)."""
    return jsonify(model.model_dump(mode="json"))


def entity_tag(body: bytes) -> str:
    return generate_etag(body)


def with_validators(response: Response) -> Response:
    """ETag on answers with a body; 304 for a GET whose If-None-Match matches.
    `Cache-Control` keeps token-dependent answers out of shared caches."""
    response.vary.add("Authorization")
    personal = "Authorization" in request.headers
    response.headers.setdefault("Cache-Control", "private, no-cache" if personal else "no-cache")
    if response.status_code not in (200, 201) or response.direct_passthrough:
        return response
    response.set_etag(entity_tag(response.get_data()))
    return response.make_conditional(request)  # 304 for a GET whose copy is current


def require_current(current: Callable[[], BaseModel]) -> None:
    """Honour `If-Match`: go on only if the client's tag is the one the resource has
    now (`*`: if it exists at all, which `current()` checks by raising NotFound)."""
    if not request.if_match:
        return
    tag = entity_tag(representation(current()).get_data())
    if not request.if_match.star_tag and not request.if_match.contains(tag):
        raise PreconditionFailed(STALE)
