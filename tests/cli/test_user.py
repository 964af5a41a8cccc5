"""``citybrain user``: add, list, disable, passwd — as an administrator types them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from citybrain.auth import sessions
from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings

runner = CliRunner()
PASSWORD = "路灯 不亮 三天了 please"


@pytest.fixture
def cli_env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def _add(*args: str, password: str = PASSWORD) -> str:
    result = runner.invoke(app, ["user", "add", *args, "--password-stdin"], input=password + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def test_an_account_made_on_the_command_line_signs_in(cli_env: Database) -> None:
    _add("LiSi", "--name", "李四", "--role", "department", "--department", "urban_mgmt")
    signed = sessions.sign_in(cli_env, username="lisi", password=PASSWORD, address="127.0.0.1")
    assert signed is not None
    assert sessions.principal_for(cli_env, signed.token).role == "department"
    listed = runner.invoke(app, ["user", "list"])
    assert listed.exit_code == 0
    assert listed.output.split()[:5] == ["lisi", "李四", "department", "urban_mgmt", "active"]
    assert PASSWORD not in listed.output
    assert "argon2" not in listed.output


def test_a_generated_password_is_printed_once_last(cli_env: Database) -> None:
    result = runner.invoke(app, ["user", "add", "wangwu", "--name", "王五", "--role", "analyst", "--generate"])
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1]
    assert sessions.sign_in(cli_env, username="wangwu", password=password, address="127.0.0.1") is not None


def test_passwd_and_disable_end_the_sessions(cli_env: Database) -> None:
    _add("zhaoliu", "--name", "赵六")
    signed = sessions.sign_in(cli_env, username="zhaoliu", password=PASSWORD, address="127.0.0.1")
    assert signed is not None
    changed = runner.invoke(app, ["user", "passwd", "zhaoliu", "--password-stdin"], input="另一个 很长的 口令\n")
    assert changed.exit_code == 0, changed.output
    assert "1 session(s) ended" in changed.output
    assert sessions.sign_in(cli_env, username="zhaoliu", password=PASSWORD, address="127.0.0.1") is None
    again = sessions.sign_in(cli_env, username="zhaoliu", password="另一个 很长的 口令", address="127.0.0.1")
    assert again is not None
    disabled = runner.invoke(app, ["user", "disable", "zhaoliu"])
    assert disabled.exit_code == 0
    assert "1 session(s) ended" in disabled.output
    assert sessions.sign_in(cli_env, username="zhaoliu", password="另一个 很长的 口令", address="127.0.0.1") is None


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["x y", "--name", "n"], PASSWORD, "user name"),
        (["sunqi", "--name", "孙七", "--role", "mayor"], PASSWORD, "unknown role"),
        (["sunqi", "--name", "孙七", "--role", "department"], PASSWORD, "needs a department"),
        (["sunqi", "--name", "孙七"], "short", "at least 10"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(cli_env: Database, args: list[str], password: str,
                                                message: str) -> None:  # fmt: skip
    result = runner.invoke(app, ["user", "add", *args, "--password-stdin"], input=password + "\n")
    assert result.exit_code == 2
    assert message in result.output
    listed = runner.invoke(app, ["user", "list"])
    assert listed.output.strip() == ""  # nothing half written


def test_unknown_accounts_are_reported(cli_env: Database) -> None:
    result = runner.invoke(app, ["user", "disable", "nobody"])
    assert result.exit_code == 2
    assert "no staff account" in result.output


def test_email_sets_changes_and_removes_the_work_address(cli_env: Database) -> None:
    from citybrain.auth import accounts

    _add("zhangsan", "--name", "张三")
    _add("lisi", "--name", "李四")
    result = runner.invoke(app, ["user", "email", "zhangsan", "Zhang.San@City.example"])
    assert result.exit_code == 0, result.output
    with cli_env.reading() as session:
        assert accounts.by_name(session=session, username="zhangsan").email == "zhang.san@city.example"
    taken = runner.invoke(app, ["user", "email", "lisi", "zhang.san@city.example"])
    assert taken.exit_code != 0
    assert "belongs to the account 'zhangsan'" in taken.output
    bad = runner.invoke(app, ["user", "email", "lisi", "not an address"])
    assert bad.exit_code != 0
    assert "is not an e-mail address" in bad.output
    assert runner.invoke(app, ["user", "email", "zhangsan"]).exit_code == 0  # no address: removed
    with cli_env.reading() as session:
        assert accounts.by_name(session=session, username="zhangsan").email is None
