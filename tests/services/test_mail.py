"""Building a mail: no value from participants' data can add a header or break the message."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.services.mail import (
    Attachment,
    Mail,
    MailAddressError,
    build_message,
    check_address,
    clean_header,
)

SENDER = "matchmaker@example.org"
#: Text with what breaks headers mixed in: line breaks of every kind and control characters.
HOSTILE = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=8),
        st.sampled_from(["\r", "\n", "\r\n", "\x00", "\x0b", "\x0c", "\x85", "\u2028", "\t"]),
        st.sampled_from([": ", "Bcc: spy@example.org", "=?utf-8?q?x?=", ",", "@", "a@example.org"]),
    ),
    max_size=12,
).map("".join)


def headers_of(message_bytes: bytes) -> list[tuple[str, str]]:
    parsed = email.message_from_bytes(message_bytes, policy=email.policy.default)
    return [(name.lower(), str(value)) for name, value in parsed.items()]


def test_a_subject_with_line_breaks_is_one_line() -> None:
    mail = Mail(["a@example.org"], "Expo\r\nBcc: spy@example.org\n: Agua\x00", "Hola")
    message = build_message(SENDER, mail)
    assert message["Subject"] == "Expo Bcc: spy@example.org : Agua"
    names = [name for name, _ in headers_of(message.as_bytes())]
    assert "bcc" not in names and names.count("subject") == 1


@pytest.mark.parametrize(
    "address",
    ["a@example.org\nBcc: spy@example.org", "a@example.org\r", "a\x00@example.org", "",
     "no-at-sign", "a@", "@example.org", "a@@example.org", "a@example.org, b@example.org",
     "<a@example.org>", "Ana <a@example.org>", "a b@example.org", "josé@example.org"],
)  # fmt: skip
def test_an_address_that_is_not_one_is_refused_clearly(address: str) -> None:
    with pytest.raises(MailAddressError) as refused:
        build_message(SENDER, Mail(["ok@example.org", address], "Hola", "Cuerpo"))
    assert refused.value.address == address
    assert isinstance(refused.value, ValueError)


def test_good_addresses_pass_unchanged() -> None:
    for address in ("a@example.org", "ana.maria+expo@sub.example.com.mx", '"a b"@example.org'):
        assert check_address(address) == address
    assert check_address("ana@ejémplo.mx") == "ana@xn--ejmplo-cva.mx"


@settings(max_examples=300, deadline=None)
@given(subject=HOSTILE, body=HOSTILE, name=HOSTILE)
def test_any_subject_and_body_make_a_message_with_one_line_headers(
    subject: str, body: str, name: str
) -> None:
    mail = Mail(["a@example.org"], subject, body, [Attachment(f"{name}.ics", b"X")])
    raw = build_message(SENDER, mail).as_bytes()
    headers = headers_of(raw)
    names = [name for name, _ in headers]
    assert names[:4] == ["from", "to", "subject", "mime-version"]
    assert names.count("to") == names.count("subject") == 1 and "bcc" not in names
    assert dict(headers)["to"] == "a@example.org"
    # Read back, the words are the same (a literal encoded word, "=?utf-8?q?x?=", reads back
    # decoded, and Python's folding may drop a space between encoded words: the text stays
    # within the subject either way).
    if "=?" not in subject:
        read_back = "".join(dict(headers)["subject"].split())
        assert read_back == "".join(clean_header(subject).split())


@settings(max_examples=300, deadline=None)
@given(address=HOSTILE)
def test_any_address_is_taken_whole_or_refused_with_mail_address_error(address: str) -> None:
    try:
        message = build_message(SENDER, Mail([address], "Hola", "Cuerpo"))
    except MailAddressError:
        return
    headers = headers_of(message.as_bytes())
    to = [value for name, value in headers if name == "to"]
    assert to == [check_address(address)] and to[0].isascii()
    assert "bcc" not in {name for name, _ in headers}


@settings(max_examples=300, deadline=None)
@given(value=HOSTILE)
def test_clean_header_leaves_one_printable_line(value: str) -> None:
    cleaned = clean_header(value)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert not any(c in cleaned for c in "\r\n\x00\x0b\x0c\x85\u2028\t")
