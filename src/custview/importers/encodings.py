"""Which text encoding a file from another tool is in: UTF-8 (with or without a byte-order mark),
UTF-16 (Excel's "Unicode text", some Outlook and Salesforce exports; little or big endian, with or
without a byte-order mark), else Windows-1252, the usual one of older Windows exports.

`sniff` looks at the first bytes only; the readers check the whole file decodes and name the
encoding in their report when it is not plain UTF-8.
"""

from __future__ import annotations

import codecs

NAMES = {"utf-8-sig": "UTF-8 with a byte-order mark", "utf-16": "UTF-16", "utf-16-le": "UTF-16 (little endian)",
         "utf-16-be": "UTF-16 (big endian)", "cp1252": "Windows-1252", "latin-1": "Latin-1"}


def sniff(head: bytes) -> str | None:
    """The encoding the first bytes of a file show (a byte-order mark, or UTF-16's zero bytes); None if
    they show none (then it is UTF-8 if the file decodes as such)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    sample = head[: len(head) // 2 * 2]
    if len(sample) >= 4:
        odd_zeros, even_zeros = sample[1::2].count(0), sample[0::2].count(0)
        half = len(sample) // 2
        if odd_zeros > half * 0.3 and even_zeros == 0:
            return "utf-16-le"  # ASCII text in UTF-16 LE: every second byte is zero
        if even_zeros > half * 0.3 and odd_zeros == 0:
            return "utf-16-be"
    return None


def decodes(path, encoding: str) -> bool:
    """Whether the whole file decodes in this encoding (read in chunks: memory stays flat)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as raw:
            while chunk := raw.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def describe(encoding: str) -> str:
    """An encoding's name as users know it."""
    return NAMES.get(encoding, encoding)
