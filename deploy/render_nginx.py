"""Render deploy/nginx.conf.j2 into an nginx configuration file.

    python deploy/render_nginx.py --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 \\
        --listen 8080 --static-root "$PWD/static" --runtime /tmp/conduit-nginx > nginx.conf
    nginx -c "$PWD/nginx.conf"
"""

import argparse
import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

HERE = Path(__file__).resolve().parent


def render(
    *,
    upstreams: list[str],
    listen: str = "80",
    server_name: str = "_",
    static_root: str = "/srv/conduit/static",
    runtime: str = "/tmp/conduit-nginx",
    max_body: str = "1m",
    mime_types: str = "/etc/nginx/mime.types",
) -> str:
    if not upstreams:
        raise ValueError("at least one --upstream is needed")
    environment = Environment(
        loader=FileSystemLoader(HERE), undefined=StrictUndefined, keep_trailing_newline=True
    )
    return environment.get_template("nginx.conf.j2").render(
        upstreams=upstreams,
        listen=listen,
        server_name=server_name,
        static_root=static_root.rstrip("/"),
        runtime=runtime.rstrip("/"),
        max_body=max_body,
        mime_types=mime_types,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--upstream", action="append", default=[], help="host:port of an app server"
    )
    parser.add_argument("--listen", default="80")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--static-root", default="/srv/conduit/static")
    parser.add_argument("--runtime", default="/tmp/conduit-nginx", help="pid, logs, temp files")
    parser.add_argument("--max-body", default="1m")
    parser.add_argument("--mime-types", default="/etc/nginx/mime.types")
    args = parser.parse_args(argv)
    sys.stdout.write(
        render(
            upstreams=args.upstream,
            listen=args.listen,
            server_name=args.server_name,
            static_root=args.static_root,
            runtime=args.runtime,
            max_body=args.max_body,
            mime_types=args.mime_types,
        )
    )


if __name__ == "__main__":
    main()
