"""The portal's commands: admin set-password, round create --base-url, serve."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from webserver import Server

from toolkit.cli import cli


def test_set_password_stores_only_an_argon2_hash(tmp_path: Path) -> None:
    from toolkit.store import open_store
    from toolkit.web.auth import check_password

    data = tmp_path / "data"
    open_store(data, create=True).close()
    r = CliRunner().invoke(cli, ["admin", "set-password", "--data", str(data)],
                           input="s3cret-pass\ns3cret-pass\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    stored = (data / "web" / "admin.json").read_text()
    assert "s3cret-pass" not in stored and "$argon2" in stored
    assert (data / "web" / "admin.json").stat().st_mode & 0o077 == 0
    assert check_password(data, "admin", "s3cret-pass")
    assert not check_password(data, "admin", "s3cret-pasS")


def test_set_password_refuses_short_ones_and_unknown_folders(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["admin", "set-password", "--data", str(tmp_path / "none"),
                                 "--password", "longenough"])  # fmt: skip
    assert r.exit_code == 2
    from toolkit.store import open_store

    open_store(tmp_path / "d", create=True).close()
    r = CliRunner().invoke(cli, ["admin", "set-password", "--data", str(tmp_path / "d"),
                                 "--password", "short"])  # fmt: skip
    assert r.exit_code == 2


def test_round_create_prints_working_links(tmp_path: Path) -> None:
    data = tmp_path / "data"
    units = tmp_path / "units.txt"
    units.write_text("甲区\n乙区\n", encoding="utf-8")
    server = Server(data, workers=1)
    args = ["round", "create", "--data", str(data), "--year", "2027", "--units", str(units),
            "--base-url", server.url]  # fmt: skip
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    links = [ln.split("\t") for ln in r.output.splitlines() if "\t" in ln]
    assert [u for u, _ in links] == ["甲区", "乙区"]
    j = CliRunner().invoke(cli, [*args, "--format", "json"])
    doc = json.loads(j.output)
    assert [x["unit"] for x in doc["links"]] == ["甲区", "乙区"]
    server.start()
    try:
        with urllib.request.urlopen(links[0][1]) as page:
            assert "甲区" in page.read().decode()
        with urllib.request.urlopen(doc["links"][1]["url"]) as page:
            assert "乙区" in page.read().decode()
    finally:
        server.stop()


def test_round_create_without_base_url_prints_no_links(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["round", "create", "--data", str(tmp_path / "d"), "--year",
                                 "2027", "--format", "json"])  # fmt: skip
    assert r.exit_code == 0 and "links" not in json.loads(r.output)
