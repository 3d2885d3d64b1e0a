"""The API's one kind of error: RealWorld's JSON body with a status."""

from werkzeug.exceptions import HTTPException


class ApiError(HTTPException):
    """An error answered as RealWorld JSON: {"errors": {subject: [messages]}}."""

    def __init__(self, code: int, errors: dict[str, list[str]]) -> None:
        super().__init__(description="; ".join(f"{k} {' '.join(v)}" for k, v in errors.items()))
        self.code = code
        self.errors = errors
