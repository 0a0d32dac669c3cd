"""``lifecircle users`` and the errors of ``lifecircle serve`` on the command line (exit 2, one clear message)."""

from __future__ import annotations

from click.testing import CliRunner

from lifecircle.cli.main import main
from lifecircle.monitor import init_store, open_store
from lifecircle.serve.accounts import authenticate


def test_users_add_list_passwd_disable(tmp_path):
    store = tmp_path / "lifecircle.duckdb"
    init_store(store).close()
    run = CliRunner().invoke
    res = run(main, ["users", "add", "jiaowei", "--role", "editor", "--unit", "区教委", "--password-stdin",
                     "--store", str(store)], input="first password\n")
    assert res.exit_code == 0, res.output
    res = run(main, ["users", "add", "jiaowei2", "--role", "editor", "--password-stdin", "--store", str(store)],
              input="first password\n")
    assert res.exit_code == 2 and "--unit" in res.output and "Traceback" not in res.output
    res = run(main, ["users", "add", "x", "--role", "viewer", "--password-stdin", "--store", str(store)],
              input="short\n")
    assert res.exit_code == 2 and "at least 10" in res.output
    res = run(main, ["users", "add", "../etc", "--role", "viewer", "--password-stdin", "--store", str(store)],
              input="long enough pw\n")
    assert res.exit_code == 2 and "not a valid user name" in res.output
    res = run(main, ["users", "list", "--store", str(store)])
    assert res.exit_code == 0 and "jiaowei" in res.output and "区教委" in res.output
    res = run(main, ["users", "passwd", "jiaowei", "--password-stdin", "--store", str(store)],
              input="second password\n")
    assert res.exit_code == 0
    with open_store(store) as s:
        assert authenticate(s, "jiaowei", "first password") is None
        assert authenticate(s, "jiaowei", "second password").unit == "区教委"
        hashed = s.con.execute("SELECT password_hash FROM users").fetchone()[0]
        assert hashed.startswith("$argon2id$") and "second" not in hashed
    res = run(main, ["users", "disable", "jiaowei", "--store", str(store)])
    assert res.exit_code == 0
    res = run(main, ["users", "disable", "nobody", "--store", str(store)])
    assert res.exit_code == 2 and "no user 'nobody'" in res.output
    with open_store(store) as s:
        assert authenticate(s, "jiaowei", "second password") is None
        actions = [r[0] for r in s.con.execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()]
    assert actions == ["add", "password", "disable"]


def test_serve_refuses_a_missing_store_and_a_bad_results_folder(tmp_path):
    run = CliRunner().invoke
    res = run(main, ["serve", "--store", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 2 and "monitor init" in res.output
    store = tmp_path / "lifecircle.duckdb"
    init_store(store).close()
    res = run(main, ["serve", "--store", str(store), "--results", str(tmp_path / "no-run")])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_a_hash_with_weaker_parameters_is_upgraded_after_sign_in(tmp_path):
    from argon2 import PasswordHasher

    from lifecircle.serve.accounts import add_user, rehash_if_needed

    store = tmp_path / "lifecircle.duckdb"
    with init_store(store) as s:
        add_user(s, "old", "viewer", "a long password")
        weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("a long password")
        s.con.execute("UPDATE users SET password_hash = ?", [weak])
        assert authenticate(s, "old", "a long password") is not None
        assert rehash_if_needed(s, "old", "a long password") is True
        assert s.con.execute("SELECT password_hash FROM users").fetchone()[0] != weak
        assert rehash_if_needed(s, "old", "a long password") is False
        assert authenticate(s, "old", "a long password") is not None
