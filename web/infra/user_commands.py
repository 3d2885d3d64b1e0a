"""`flask users ...`: what an operator does to accounts from the command line."""

import click
from flask.cli import AppGroup

from web import moderation
from web.db import get_session
from web.problems import Problem

users_command = AppGroup("users", help="Members' accounts: their roles.")


@users_command.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(list(moderation.ROLES)))
def role(username: str, role: str) -> None:
    """Make USERNAME a member, moderator or admin (the first admin is made here)."""
    try:
        member = moderation.set_role(
            session=get_session(), admin=None, username=username, role=role, reason=moderation.CLI
        )
    except Problem as problem:
        raise click.ClickException(problem.sentence % problem.params) from None
    click.echo(f"{member.username} is now {member.role}.")
