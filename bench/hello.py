"""The ceiling: a plain Flask hello-world, served by the same gunicorn settings as
Conduit in the same benchmark run (`gunicorn -c gunicorn.conf.py bench.hello:app`)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
