"""Hypothesis strategies for participants files: good rows with a few cells replaced by values
that once broke the importer or look like they might (the parser's and the import's property
tests share them)."""

from __future__ import annotations

import csv
import io

from hypothesis import strategies as st

from matchmaker.domain.importing import ALL_COLUMNS

GOVERNMENT = {
    "id": "g-1", "kind": "government", "name": "Ana Ruiz", "organisation": "Ayuntamiento",
    "organisation_type": "municipality", "role_title": "Alcaldesa", "email": "ana@example.org",
    "country": "MX", "city": "Puebla", "languages": "es;en", "themes": "urban-mobility",
    "description": "Tráfico.", "unavailable": "", "max_meetings": "",
}  # fmt: skip
PARTNER = GOVERNMENT | {
    "id": "p-1", "kind": "partner", "organisation_type": "company", "email": "bob@example.com",
    "themes": "urban-mobility;urban-planning", "unavailable": "1;3", "max_meetings": "4",
}  # fmt: skip

#: Values that once broke the importer or look like they might.
NASTY = st.sampled_from([
    "", " ", "99999999999999999999", "²", "٣", "-1", "1001", "0", "=HYPERLINK(\"x\")", "@SUM(1)",
    "+1", "'=x", "''-1", "'", "a\nb", "a\r\nb", "\x1b[2J", "\u202e", "\ufeff", "\u2028",
    "x" * 101, "x" * 201, "x" * 255, "x" * 5001, '"', 'a"b', ";;", "es;xx", "MEX", "government",
    "partner", "company", "municipality", "a@b", "ana@example.org", "\t", "\u200d",
])  # fmt: skip
IDS = st.sampled_from(["g-1", "g-2", "p-1", "p-2", "-1", "=1", "'@x"])
EMAILS = st.sampled_from(["ana@example.org", "bob@example.com", "ANA@example.org", "c@example.net",
                          "=c@example.net", "+d@example.net"])  # fmt: skip


@st.composite
def rows(draw: st.DrawFn, max_changes: int = 3) -> dict[str, str]:
    """A good row with a few cells (up to ``max_changes``) replaced by anything."""
    row = dict(draw(st.sampled_from([GOVERNMENT, PARTNER])))
    row["id"], row["email"] = draw(IDS), draw(EMAILS)
    for column in draw(st.sets(st.sampled_from(ALL_COLUMNS), max_size=max_changes)):
        row[column] = draw(NASTY | st.text(max_size=12))
    return row


@st.composite
def files(draw: st.DrawFn, max_changes: int = 3) -> bytes:
    """A participants file of up to five such rows, written as a spreadsheet would."""
    columns = list(ALL_COLUMNS[: draw(st.sampled_from([12, 13, 14]))])
    body = draw(st.lists(rows(max_changes), max_size=5))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(columns)
    writer.writerows([row[c] for c in columns] for row in body)
    prefix = draw(st.sampled_from(["", "\ufeff"]))
    return (prefix + out.getvalue()).encode("utf-8")
