"""The text of each page of a PDF written by fpdf2, for tests to read what a person would read.

pypdf is not a dependency, and fpdf2's output cannot be searched as bytes: page contents are
compressed, and text in an embedded TrueType font is written as glyph numbers, which only the
font's ToUnicode map turns back into characters. This reads just what fpdf2 writes: numbered
objects with direct ``/Length``, a page tree, fonts by reference, and text shown with Tj/TJ.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

_OBJECT = re.compile(rb"(\d+) 0 obj\s*")
_REFERENCE = rb"(\d+) 0 R"
_CODE = re.compile(rb"<([0-9A-Fa-f]+)>")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_DELIMITERS = b"()<>[]{}/% \t\r\n"


@dataclass(frozen=True)
class PdfObject:
    header: bytes  # the dictionary (or value) before any stream
    stream: bytes | None  # the stream's data, decompressed


def page_texts(pdf: bytes) -> list[list[str]]:
    """For each page in order, the strings it shows, one per text operator (a cell, a line)."""
    assert pdf.startswith(b"%PDF-"), "not a PDF"
    objects = _objects(pdf)
    pages = next(o for o in objects.values() if re.search(rb"/Type\s*/Pages\b", o.header))
    kids = re.search(rb"/Kids\s*\[([^\]]*)\]", pages.header)
    assert kids is not None, "no page list"
    return [_page_text(objects, objects[int(n)]) for n in re.findall(_REFERENCE, kids.group(1))]


def _objects(pdf: bytes) -> dict[int, PdfObject]:
    """Every numbered object, read in order (a stream is skipped by its length, so bytes in a
    compressed font are never taken for an object)."""
    objects: dict[int, PdfObject] = {}
    position = 0
    while match := _OBJECT.search(pdf, position):
        start = match.end()
        end, stream_at = pdf.find(b"endobj", start), pdf.find(b"stream", start)
        assert end != -1, f"object {match.group(1)!r} never ends"
        if stream_at == -1 or stream_at > end:
            objects[int(match.group(1))] = PdfObject(pdf[start:end], None)
            position = end
            continue
        header = pdf[start:stream_at]
        length = re.search(rb"/Length\s+(\d+)", header)
        assert length is not None, f"object {match.group(1)!r}: stream without a direct length"
        data_at = (
            stream_at + len(b"stream") + (2 if pdf[stream_at + 6 : stream_at + 8] == b"\r\n" else 1)
        )
        data_end = data_at + int(length.group(1))
        data = pdf[data_at:data_end]
        if b"/FlateDecode" in header:
            data = zlib.decompress(data)
        objects[int(match.group(1))] = PdfObject(header, data)
        position = data_end
    return objects


def _page_text(objects: dict[int, PdfObject], page: PdfObject) -> list[str]:
    contents = re.search(rb"/Contents\s+" + _REFERENCE, page.header)
    resources = re.search(rb"/Resources\s+" + _REFERENCE, page.header)
    assert contents and resources, "a page without contents or resources"
    fonts = _fonts(objects, objects[int(resources.group(1))].header)
    content = objects[int(contents.group(1))].stream or b""
    return [_decode(shown, fonts.get(font)) for font, shown in _shown_strings(content)]


def _fonts(objects: dict[int, PdfObject], resources: bytes) -> dict[str, dict[int, str] | None]:
    """Font resource name -> its ToUnicode map (None for a font without one)."""
    block = re.search(rb"/Font\s*<<(.*?)>>", resources, re.S)
    fonts: dict[str, dict[int, str] | None] = {}
    for name, number in re.findall(
        rb"/([^\s/<>\[\]()]+)\s+" + _REFERENCE, block.group(1) if block else b""
    ):
        to_unicode = re.search(rb"/ToUnicode\s+" + _REFERENCE, objects[int(number)].header)
        cmap = objects[int(to_unicode.group(1))].stream if to_unicode else None
        fonts[name.decode()] = _unicode_map(cmap) if cmap is not None else None
    return fonts


def _unicode_map(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's codes: its bfchar pairs and bfrange runs."""
    codes: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        values = _CODE.findall(section)
        for code, text in zip(values[::2], values[1::2], strict=True):
            codes[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for first, last, start in re.findall(rb"<(\w+)>\s*<(\w+)>\s*<(\w+)>", section):
            for offset in range(int(last, 16) - int(first, 16) + 1):
                codes[int(first, 16) + offset] = chr(int(start, 16) + offset)
    return codes


def _decode(shown: bytes, codes: dict[int, str] | None) -> str:
    if codes is None:  # a core font: one byte a character
        return shown.decode("latin-1")
    pairs = zip(shown[::2], shown[1::2], strict=True)
    return "".join(codes.get(high << 8 | low, "\ufffd") for high, low in pairs)


def _shown_strings(content: bytes) -> Iterator[tuple[str, bytes]]:
    """(font resource name, bytes) of each Tj, TJ, ' and " operator, in order."""
    font, operands, names = "", [], []
    i = 0
    while i < len(content):
        char = content[i : i + 1]
        if char == b"(":
            text, i = _literal(content, i)
            operands.append(text)
        elif char == b"<" and content[i + 1 : i + 2] != b"<":
            end = content.index(b">", i)
            operands.append(bytes.fromhex(content[i + 1 : end].decode()))
            i = end + 1
        elif char == b"/":
            name = re.match(rb"/([^" + re.escape(_DELIMITERS) + rb"]*)", content[i:])
            names.append(name.group(1).decode() if name else "")
            i += len(name.group(0)) if name else 1
        elif char.isalpha() or char in (b"'", b'"'):
            word = re.match(rb"[A-Za-z*'\"]+", content[i:])
            operator = word.group(0) if word else char
            if operator == b"Tf" and names:
                font = names[-1]
            elif operator in (b"Tj", b"TJ", b"'", b'"'):
                yield font, b"".join(operands)
            operands, names = [], []
            i += len(operator)
        else:
            i += 1


def _literal(content: bytes, i: int) -> tuple[bytes, int]:
    """The PDF literal string opening at ``content[i]`` (escapes undone), and where it ends."""
    out, depth = bytearray(), 0
    while True:
        assert i < len(content), "a string that never ends"
        char = content[i : i + 1]
        if char == b"\\":
            following = content[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", content[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            if following not in (b"\n", b"\r"):  # a backslash at a line end continues the line
                out += _ESCAPES.get(following, following)
            i += 2
            continue
        depth += {b"(": 1, b")": -1}.get(char, 0)
        if depth == 0:
            return bytes(out[1:]), i + 1
        out += char
        i += 1


_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)")


def stretched_pages(pdf: bytes) -> list[int]:
    """The pages (numbered from 1) where some text is stretched to a width, as justified text
    is: word spacing set (``Tw``) or spaces widened inside a ``TJ`` array."""
    objects = _objects(pdf)
    pages = next(o for o in objects.values() if re.search(rb"/Type\s*/Pages\b", o.header))
    kids = re.search(rb"/Kids\s*\[([^\]]*)\]", pages.header)
    assert kids is not None, "no page list"
    found = []
    for number, ref in enumerate(re.findall(_REFERENCE, kids.group(1)), start=1):
        contents = re.search(rb"/Contents\s+" + _REFERENCE, objects[int(ref)].header)
        assert contents, "a page without contents"
        if _stretches(objects[int(contents.group(1))].stream or b""):
            found.append(number)
    return found


def _stretches(content: bytes) -> bool:
    """A non-zero ``Tw``, or a number among a ``TJ`` array's strings (an operator's operands
    are what came after the previous operator)."""
    numbers: list[bytes] = []
    i = 0
    while i < len(content):
        char = content[i : i + 1]
        if char == b"(":
            _text, i = _literal(content, i)
        elif char == b"<" and content[i + 1 : i + 2] != b"<":
            i = content.index(b">", i) + 1
        elif number := _NUMBER.match(content, i):
            numbers.append(number.group(0))
            i = number.end()
        elif char.isalpha():
            word = re.match(rb"[A-Za-z*]+", content[i:])
            operator = word.group(0) if word else char
            if operator == b"Tw" and numbers and float(numbers[-1]) != 0:
                return True
            if operator == b"TJ" and numbers:
                return True
            numbers = []
            i += len(operator)
        else:
            i += 1
    return False
