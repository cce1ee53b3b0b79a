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

from matchmaker.domain.spreadsheet import neutralise
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
    env = {"MATCHMAKER_PASSWORD": "s3cret-pass-2026"}
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
    assert user.password_hash != "s3cret-pass-2026" and user.check_password("s3cret-pass-2026")


@pytest.mark.parametrize("role", ["official", "partner"])
def test_participant_accounts_need_a_matching_participant(
    invoke, app_ctx: object, sample_participants: Path, role: str
) -> None:
    assert invoke("import-participants", str(sample_participants)).exit_code == 0
    env = {"MATCHMAKER_PASSWORD": "s3cret-pass-2026"}
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
    app_ctx.config["BASE_URL"] = ""  # type: ignore[attr-defined]
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


def _processes_with(marker: str) -> list[int]:
    """Ids of this user's processes whose environment mentions ``marker`` (a worker started
    by `up` inherits MATCHMAKER_INSTANCE_PATH)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # gone, or someone else's
    return found


@pytest.mark.parametrize("command", ["serve", "up"])
def test_a_port_in_use_is_one_clear_line_and_starts_nothing(tmp_path: Path, command: str) -> None:
    import socket

    with socket.socket() as held:  # a port someone else is listening on
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = matchmaker(tmp_path, command, "--port", str(port))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use; choose another with --port"
    ]
    assert "demo event" not in result.stdout  # checked before migrating, loading, a worker
    assert _processes_with(str(tmp_path)) == []


def test_an_address_that_cannot_be_listened_on_is_one_clear_line(tmp_path: Path) -> None:
    result = matchmaker(tmp_path, "serve", "--host", "no-such-host.invalid", "--port", "5999")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: cannot listen on no-such-host.invalid:5999")


def test_an_event_id_no_column_holds_is_an_unknown_event(invoke, app_ctx: object) -> None:
    result = invoke("export-participants", "out.csv", "--event", str(2**63))
    assert result.exit_code == 1
    assert f"no event with id {2**63}" in result.output and "Traceback" not in result.output


# CSV outputs: no cell can run as a spreadsheet formula, and export -> import is exact.

FORMULAS = ('=HYPERLINK("http://evil.example","x")', "@SUM(1)", "+1", "-1")
EMAILS = ("=p0@example.org", "+p1@example.org", "-p2@example.org", "p3@example.org")


def formula_file() -> bytes:
    """Participants whose ids, names, organisations and emails look like formulas, written
    raw, as someone's hand-made file would have them."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "kind", "name", "organisation", "organisation_type", "role_title",
                     "email", "country", "city", "languages", "themes", "description"])  # fmt: skip
    for n, formula in enumerate(FORMULAS):
        kind, kind_type = ("government", "state") if n % 2 == 0 else ("partner", "company")
        writer.writerow([formula, kind, formula, formula, kind_type, "-R", EMAILS[n], "MX",
                         "Puebla", "es", "urban-mobility", f"{formula} agua"])  # fmt: skip
    return out.getvalue().encode()


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_no_formulas(text: str) -> None:
    assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for cell in cells(text)), text


def test_export_neutralises_formulas_and_round_trips_byte_for_byte(
    invoke, app_ctx: object, tmp_path: Path
) -> None:
    source = tmp_path / "formulas.csv"
    source.write_bytes(formula_file())
    assert invoke("import-participants", str(source)).exit_code == 0
    stored = {p.external_id: p.name for p in db.session.execute(db.select(Participant)).scalars()}
    assert stored == {formula: formula for formula in FORMULAS}  # read as they were written
    first = tmp_path / "first.csv"
    assert invoke("export-participants", str(first)).exit_code == 0
    text = first.read_text(encoding="utf-8")
    assert_no_formulas(text)
    assert '\'=HYPERLINK(""http://evil.example"",""x"")' in text and ",'@SUM(1)," in text
    # The neutralised file imports back to the same participants, and exports the same bytes.
    result = invoke("import-participants", str(first))
    assert result.exit_code == 0 and "4 unchanged" in result.output, result.output
    second = tmp_path / "second.csv"
    assert invoke("export-participants", str(second)).exit_code == 0
    assert second.read_bytes() == first.read_bytes()


def test_invite_out_neutralises_formulas(invoke, app_ctx: object, tmp_path: Path) -> None:
    source = tmp_path / "formulas.csv"
    source.write_bytes(formula_file())
    assert invoke("import-participants", str(source)).exit_code == 0
    out = tmp_path / "links.csv"
    result = invoke("invite", "--base-url", "https://citas.example.org/", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert_no_formulas(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["name"] for r in rows) == sorted("'" + f for f in FORMULAS)
    assert sorted(r["email"] for r in rows) == sorted(neutralise(e) for e in EMAILS)


@pytest.mark.model
def test_match_out_neutralises_formula_ids(invoke, app_ctx: object, tmp_path: Path) -> None:
    source = tmp_path / "formulas.csv"
    source.write_bytes(formula_file())
    assert invoke("import-participants", str(source)).exit_code == 0
    out = tmp_path / "matches.csv"
    result = invoke("match", "--top", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert_no_formulas(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["government_id"] for r in rows} == {"'" + FORMULAS[0], "'" + FORMULAS[2]}
    assert {r["partner_id"] for r in rows} == {"'" + FORMULAS[1], "'" + FORMULAS[3]}


def test_beat_sends_the_periodic_tasks_and_keeps_its_schedule_in_the_instance(
    tmp_path: Path,
) -> None:
    """`matchmaker beat` (one per deployment) puts each periodic task on the broker at its
    interval, here the embedded broker; its schedule file lives in the instance folder."""
    import signal
    import sqlite3
    import time

    env = dict(os.environ)
    env.update(
        MATCHMAKER_INSTANCE_PATH=str(tmp_path / "instance"),
        MATCHMAKER_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        MATCHMAKER_REMINDER_INTERVAL="1",
        MATCHMAKER_EXPIRY_INTERVAL="0",  # off: left out of the schedule
    )
    env.pop("MATCHMAKER_BROKER_URL", None)
    log = tmp_path / "beat.log"
    command = [sys.executable, "-c", "from matchmaker.cli import main; main()", "beat"]
    with log.open("wb") as out:
        beat = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)

    def sent() -> list[str]:
        try:
            with sqlite3.connect(tmp_path / "instance" / "broker.db") as broker:
                return [row[0] for row in broker.execute("SELECT payload FROM kombu_message")]
        except sqlite3.OperationalError:  # not created yet
            return []

    try:
        deadline = time.monotonic() + 60
        while not any("workers.periodic.send_reminders" in payload for payload in sent()):
            assert beat.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "no reminder task sent:\n" + log.read_text()
            time.sleep(0.2)
    finally:
        beat.send_signal(signal.SIGTERM)
        beat.wait(timeout=30)
    assert not any("workers.periodic.expire_requests" in payload for payload in sent())
    assert list((tmp_path / "instance").glob("celerybeat-schedule*")), log.read_text()
    assert not list(Path.cwd().glob("celerybeat-schedule*"))
