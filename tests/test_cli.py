"""The `matchmaker` console script, run as a user would run it."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Participant, User

BAD_ROWS = (
    "x-1,government,A,B,municipality,R,a1@example.org,MX,Puebla,es,smart-parking,d\r\n"
    "x-2,partner,A,B,company,R,not-an-email,MX,Puebla,es,urban-mobility,d\r\n"
    "g-001,government,A,B,municipality,R,a3@example.org,MX,Puebla,es,urban-mobility,d\r\n"
)


def matchmaker(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        MATCHMAKER_INSTANCE_PATH=str(tmp_path / "instance"),
        MATCHMAKER_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        MATCHMAKER_PASSWORD="correct horse battery",
    )
    env.pop("MATCHMAKER_BROKER_URL", None)
    command = [sys.executable, "-c", "from matchmaker.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_console_script_import_bad_rows_and_export(tmp_path: Path, sample_participants: Path):
    assert matchmaker(tmp_path, "init-db").returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_bytes(sample_participants.read_bytes() + BAD_ROWS.encode())
    result = matchmaker(tmp_path, "import-participants", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for line in ("line 122, column themes", "line 123, column email", "line 124, column id"):
        assert line in result.stderr
    exported = tmp_path / "empty.csv"
    assert "no event yet" in matchmaker(tmp_path, "export-participants", str(exported)).stderr

    result = matchmaker(tmp_path, "import-participants", str(sample_participants))
    assert result.returncode == 0, result.stderr
    assert "40 officials, 80 partners" in result.stdout
    assert matchmaker(tmp_path, "export-participants", str(exported)).returncode == 0
    assert exported.read_bytes() == sample_participants.read_bytes()


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    matchmaker(tmp_path, "init-db")
    result = matchmaker(tmp_path, "import-participants", str(tmp_path / "nope.csv"))
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr


def test_create_user_and_demo(invoke, app_ctx: object) -> None:
    env = {"MATCHMAKER_PASSWORD": "s3cret-pass"}
    result = invoke("create-user", "--role", "organiser", "org@example.org", env=env)
    assert result.exit_code == 0, result.output
    result = invoke("create-user", "--role", "organiser", "org@example.org", env=env)
    assert result.exit_code == 1 and "already exists" in result.output

    result = invoke("demo", env=env)
    assert result.exit_code == 0, result.output
    assert "organizador@demo.example.org" in result.output
    officials = db.session.execute(
        db.select(db.func.count()).where(Participant.kind == "government")
    ).scalar_one()
    assert officials >= 10
    again = invoke("demo", env=env)  # idempotent
    assert again.exit_code == 0
    user = db.session.execute(db.select(User).where(User.email == "org@example.org")).scalar_one()
    assert user.password_hash != "s3cret-pass" and user.check_password("s3cret-pass")


@pytest.mark.parametrize("role", ["official", "partner"])
def test_participant_accounts_need_a_matching_participant(
    invoke, app_ctx: object, sample_participants: Path, role: str
) -> None:
    assert invoke("import-participants", str(sample_participants)).exit_code == 0
    env = {"MATCHMAKER_PASSWORD": "s3cret-pass"}
    wrong = "p-001" if role == "official" else "g-001"
    right = "g-001" if role == "official" else "p-001"
    args = ["create-user", "--role", role, "x@example.org", "--participant"]
    assert invoke(*args, wrong, env=env).exit_code == 1
    assert invoke(*args, "nobody", env=env).exit_code == 1
    assert invoke(*args, right, env=env).exit_code == 0


def test_invite_creates_accounts_and_writes_links(
    invoke, app_ctx: object, sample_participants: Path, tmp_path: Path
) -> None:
    assert invoke("import-participants", str(sample_participants)).exit_code == 0
    out = tmp_path / "links.csv"
    result = invoke("invite", "--base-url", "https://citas.example.org/", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "120 accounts created, 120 invitation links" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 120
    assert all(row["link"].startswith("https://citas.example.org/invite/") for row in rows)
    # Nobody is without an account now; --again gives everyone unused a fresh link.
    assert "0 invitation links" in invoke("invite", "--base-url", "https://x.example/").output
    again = invoke("invite", "--base-url", "https://citas.example.org/", "--again")
    fresh = list(csv.DictReader(io.StringIO(again.stdout)))
    assert len(fresh) == 120 and {r["link"] for r in fresh}.isdisjoint(r["link"] for r in rows)
    no_address = invoke("invite")
    assert no_address.exit_code == 1 and "MATCHMAKER_BASE_URL" in no_address.output
    no_mail = invoke("invite", "--base-url", "https://x.example/", "--send")
    assert no_mail.exit_code == 1 and "MATCHMAKER_SMTP_URL" in no_mail.output


def test_invite_send_mails_every_due_invitation_once(
    invoke, app: Flask, app_ctx: object, sample_participants: Path, smtp_sink
) -> None:
    smtp_url, received = smtp_sink
    app.config["SMTP_URL"] = smtp_url
    assert invoke("import-participants", str(sample_participants)).exit_code == 0
    result = invoke("invite", "--base-url", "https://citas.example.org/", "--send")
    assert result.exit_code == 0, result.output
    assert "120 accounts created, 120 invitations mailed" in result.output
    assert len(received) == 120
    assert "0 invitations mailed" in invoke("invite", "--base-url", "https://x/", "--send").output
    assert len(received) == 120
