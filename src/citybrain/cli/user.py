"""``citybrain user``: staff accounts (员工账号) that sign in at /signin — add, list, disable, passwd, email.

A password is never an argument (it would stay in the shell's history and in ``ps``): it is asked for twice
without echo, read from the first line of standard input (``--password-stdin``, for scripts), or made up and
printed once (``--generate``).
"""

from __future__ import annotations

import sys

import typer

from citybrain.cli.common import console, handle_errors, open_database
from citybrain.core.errors import InvalidInput

app = typer.Typer(
    help="Staff accounts that sign in at /signin (desk, cockpit, admin). Machines use `citybrain apikey`.",
    no_args_is_help=True,
)

_ROLES = (
    "operator (话务/派单员), department (承办单位, with --department), supervisor (督查), analyst (分析员), admin, "
    "partner (社会协同单位, with --department naming its unit)"
)
_STDIN = typer.Option(False, "--password-stdin", help="Read the password from the first line of standard input.")
_GENERATE = typer.Option(False, "--generate", help="Make up a strong password and print it once, as the last line.")


def _password(*, from_stdin: bool, generate: bool) -> tuple[str, bool]:
    """The new password and whether it was made up here (then it is printed)."""
    if from_stdin and generate:
        raise InvalidInput("choose one of --password-stdin and --generate")
    if generate:
        import secrets

        return secrets.token_urlsafe(15), True
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput("--password-stdin: standard input had no password on its first line")
        return line, False
    return typer.prompt("密码 Password", hide_input=True, confirmation_prompt=True), False


@app.command("add")
@handle_errors
def add(
    username: str = typer.Argument(..., help="Sign-in name: 2-64 of a-z, 0-9, '.', '_', '-' (stored lower-case)."),
    name: str = typer.Option(..., "--name", help="The person's name as colleagues see it, e.g. '张三'."),
    role: str = typer.Option("operator", "--role", help=f"Role: {_ROLES}."),
    department: str | None = typer.Option(None, "--department", help="Department code (role department only)."),
    password_stdin: bool = _STDIN,
    generate: bool = _GENERATE,
) -> None:
    """Create a staff account. Example: citybrain user add zhangsan --name 张三 --role operator --generate"""
    from citybrain.auth import accounts

    password, made_up = _password(from_stdin=password_stdin, generate=generate)
    with open_database() as db, db.transaction() as session:
        user = accounts.create(session=session, username=username, display_name=name, role=role, password=password,
                               min_length=db.settings.password_min_length, department_code=department)  # fmt: skip
        summary = f"account {user.username!r} ({user.display_name}, role {user.role}) created; sign in at /signin"
    console.print(summary, highlight=False)
    if made_up:
        console.print("Its password (store it now; it cannot be shown again):")
        print(password)


@app.command("list")
@handle_errors
def list_users() -> None:
    """List accounts: user name, name, role, department, state, last sign-in, e-mail (never a password)."""
    from citybrain.auth import account_repository
    from citybrain.core import clock

    with open_database() as db, db.reading() as session:
        codes = account_repository.department_codes(session)
        for user in account_repository.all_users(session):
            department = codes.get(user.department_id, "-") if user.department_id is not None else "-"
            state = "disabled" if user.disabled else "active"
            last = clock.iso(user.last_sign_in_at) or "never"
            console.print(f"{user.username}\t{user.display_name}\t{user.role}\t{department}\t{state}\t{last}\t"
                          f"{user.email or '-'}", highlight=False)  # fmt: skip


@app.command("disable")
@handle_errors
def disable(username: str = typer.Argument(..., help="The account's user name.")) -> None:
    """Disable an account: it can no longer sign in, and every session it has ends at once."""
    from citybrain.auth import accounts

    with open_database() as db, db.transaction() as session:
        ended = accounts.disable(session=session, user=accounts.by_name(session=session, username=username))
    console.print(f"account {username!r} disabled; {ended} session(s) ended", highlight=False)


@app.command("passwd")
@handle_errors
def passwd(
    username: str = typer.Argument(..., help="The account's user name."),
    password_stdin: bool = _STDIN,
    generate: bool = _GENERATE,
) -> None:
    """Set an account's password (a forgotten one, or after a leak): every session of the account ends."""
    from citybrain.auth import accounts

    password, made_up = _password(from_stdin=password_stdin, generate=generate)
    with open_database() as db, db.transaction() as session:
        user = accounts.by_name(session=session, username=username)
        ended = accounts.set_password(session=session, user=user, password=password,
                                      min_length=db.settings.password_min_length)  # fmt: skip
    console.print(f"password of {username!r} set; {ended} session(s) ended", highlight=False)
    if made_up:
        console.print("The new password (store it now; it cannot be shown again):")
        print(password)


@app.command("email")
@handle_errors
def email(
    username: str = typer.Argument(..., help="The account's user name."),
    address: str = typer.Argument("", help="The work e-mail, as the city's identity provider knows it; empty removes."),
) -> None:
    """Set an account's work e-mail: with CITYBRAIN_OIDC_MATCH_CLAIM=email (the default) the person's first sign-in
    through the city's identity provider (统一身份认证) finds the account by it. Example:
    citybrain user email zhangsan zhang.san@city.gov.cn"""
    from citybrain.auth import accounts

    with open_database() as db, db.transaction() as session:
        user = accounts.set_email(session=session, user=accounts.by_name(session=session, username=username),
                                  email=address or None)  # fmt: skip
        shown = user.email or "(none)"
    console.print(f"e-mail of {username!r}: {shown}", highlight=False)
