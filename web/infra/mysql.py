"""MySQL and MariaDB connections: strict, UTF-8 to the fourth byte, in UTC, bounded.

Every connection is made with `utf8mb4`, the UTC time zone and a strict `sql_mode`, so
the server refuses a value it would otherwise truncate or mangle (the non-strict modes
cut long strings and turn bad dates into zeros without a word).

As for PostgreSQL (web.infra.postgres), a request never waits on the server without
bound: while answering, each read of the server's answer and each write to it ends after
the request's bound (PyMySQL then closes the connection, which the pool drops), the
server ends a slow statement first (`max_statement_time` on MariaDB,
`max_execution_time` on MySQL), and the app's breaker opens so the requests that follow
answer 503 at once. Outside requests nothing is bounded (web.infra.waits).
"""

from typing import Any, ClassVar

from pymysql import err
from pymysql.connections import Connection, MysqlPacket

from web.infra.breakers import Breaker, Open
from web.infra.waits import answering, bound

# Strict for every table (not only transactional ones), no zero dates, and an unknown
# storage engine is an error rather than quietly another engine.
SQL_MODE = (
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION"
)
SESSION = f"SET SESSION sql_mode = '{SQL_MODE}', time_zone = '+00:00'"
CONNECT_ARGS: dict[str, Any] = {"charset": "utf8mb4", "init_command": SESSION}


class BoundedConnection(Connection):
    """PyMySQL's connection whose waits on the server are bounded in requests."""

    breaker: ClassVar[Breaker]
    seconds: ClassVar[float]

    def _execute_command(self, command: int, sql: str | bytes) -> None:
        if answering():  # each command (a statement, a ping) is refused while away
            ask(self.breaker)
        super()._execute_command(command, sql)

    def _read_packet(self, packet_type: type[MysqlPacket] = MysqlPacket) -> MysqlPacket:
        self._bound()
        try:
            packet = super()._read_packet(packet_type)
        except err.OperationalError as error:
            self._lost(error)
            raise
        self.breaker.succeeded()
        return packet

    def _write_bytes(self, data: bytes) -> None:
        self._bound()
        try:
            super()._write_bytes(data)
        except err.OperationalError as error:
            self._lost(error)
            raise

    def _bound(self) -> None:
        """Each read and write waits at most the request's bound (unbounded outside)."""
        self._read_timeout = self._write_timeout = bound(self.seconds) if answering() else None

    def _lost(self, error: Exception) -> None:
        if self._sock is None:  # PyMySQL closed it: the server is away, not just refusing
            self.breaker.trip(error)


def ask(guard: Breaker) -> None:
    """Refuse at once (an OperationalError, answered 503) while the breaker is open."""
    try:
        guard.check()
    except Open as away:
        raise err.OperationalError(2003, str(away)) from None


def connection_class(guard: Breaker, seconds: float) -> type[BoundedConnection]:
    """The connection class for an app's engines, bounded to `seconds` in requests and
    sharing `guard` (every engine of the app on that server)."""
    return type("Bounded", (BoundedConnection,), {"breaker": guard, "seconds": seconds})


def connect(kind: type[BoundedConnection], cargs: Any, cparams: dict[str, Any]) -> Any:
    """A new connection (SQLAlchemy's do_connect): refused at once while the server is
    known to be away; with the server's own statement bound when made for a request."""
    if not answering():
        return kind(*cargs, **cparams)
    ask(kind.breaker)
    try:
        made = kind(*cargs, **cparams)
        variable = (
            "max_statement_time"
            if made.server_version and "MariaDB" in str(made.server_version)
            else "max_execution_time"
        )
        value = kind.seconds if variable == "max_statement_time" else int(kind.seconds * 1000)
        with made.cursor() as cursor:
            cursor.execute(f"SET SESSION {variable} = {value}")
    except err.OperationalError as error:
        kind.breaker.trip(error)
        raise
    kind.breaker.succeeded()
    return made


def collations(connection: Any) -> tuple[str, str, str]:
    """The collations the schema uses on this server (MariaDB 10.10+ or MySQL 8):
    exact (text compared byte for byte, trailing spaces included, as on the other
    databases), folded (names unique whatever their case, accents still apart: `lower()`
    on the other databases) and search (the text index ignores case and accents)."""
    if connection.dialect.is_mariadb:
        return "utf8mb4_nopad_bin", "utf8mb4_uca1400_nopad_as_ci", "utf8mb4_uca1400_ai_ci"
    return "utf8mb4_0900_bin", "utf8mb4_0900_as_ci", "utf8mb4_0900_ai_ci"


# A broken CHECK constraint is an integrity error, as on the other databases (PyMySQL
# reports MariaDB's and MySQL's codes for it as an operational error).
for _code in (4025, 3819):  # MariaDB's ER_CONSTRAINT_FAILED, MySQL's ER_CHECK_CONSTRAINT_VIOLATED
    err.error_map[_code] = err.IntegrityError
