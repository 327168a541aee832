"""Personal data in free text: find e-mail addresses, phone numbers and payment cards, and mask them.

One implementation for every step that shows customer text (the data-quality audit, the
text analytics): :func:`find_pii` lists what it finds, :func:`redact` replaces each find
with its kind in brackets and :func:`redact_series` does the same for a column.

What counts, and what deliberately does not:

- **email**: ``local@domain.tld`` with dots, plus-addressing and sub-domains
  (``jo.bloggs+coffee@mail.example.co.uk``); handles such as ``@brewline`` are not addresses.
- **card**: 13-19 digits, contiguous or grouped by spaces or dashes as cards are printed
  (4-4-4-4[-3], Amex 4-6-5, Diners 4-6-4), starting with an issuer digit 2-6 (Mastercard,
  Amex/Diners/JCB, Visa, Discover/Maestro) and passing the Luhn check; a 16-digit order or
  tracking number that fails Luhn is not a card.
- **phone**: international numbers written with ``+`` or ``00`` and a country code (8-15
  digits); UK national numbers (a leading 0, 10-11 digits, e.g. ``07700 900123``,
  ``0161 496 0123``, ``(0117) 496 0456``; written without separators only with 11 digits);
  North-American numbers with an area code and a separator before the last four digits
  (``(212) 555-0147``, ``212-555-0147``, ``1-800-555-0199``) and local ``555-0147`` or
  ``555.0147``.
  Not phones: dates (``2025-03-01``, ``01/03/2025``), prices (``£12.50``, ``$1,299.00``),
  order and ticket numbers (``order 4417723``, ``#4417723``, ``TK-000123``), versions
  (``v2.3.1``), postcodes, years, times and IP addresses — none has a phone's shape, and no
  match may start or end inside a longer run of digits.
- **name**: a person's name where the customer introduces themselves or signs off — after
  "my name is", "my name's" (or "my names"), "name:", "I'm called", "I am called" (one to
  three capitalised words, or one lower-case word that is not a common word such as "on" or
  "showing": in an all-lower-case text, "my name is sarah", or where the clause ends after it,
  "My name's tom and ..."); in "this is / it's / I'm / I am <Name> from ..." or "... <Name>
  here" (lower case only as "this is jamie here" in an all-lower-case text); and after a
  closing "regards", "thanks", "cheers", "best wishes" or "best," that ends the text (lower
  case in an all-lower-case text after a comma or a line break: "cheers, jo", not "cheers,
  mate"). Only the name is masked, the cue stays. Names elsewhere ("Dave on the phone was
  great") are not found: without a cue a name cannot be told from a product or a place.

>>> redact("Call me on 07700 900123 or mail jo+beans@example.co.uk (order 4417723).")
'Call me on [phone] or mail [email] (order 4417723).'
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from cxnb.errors import CxnbError

__all__ = ["PII_KINDS", "Pii", "could_hold_pii", "find_pii", "redact", "redact_series"]

PII_KINDS = ("email", "phone", "card", "name")

# Not inside a word, an e-mail address, an amount, a reference (#123, TK-123) or a dotted version,
# and not the second group of a longer run of digits ("1234 5678 ...").
_START = r"(?<![\w#£$€%/.,@+-])(?<!\d\ )(?<!\d-)"
# Not followed by more of a word or a number (a decimal part, another dash group, a date's slash).
_END = r"(?![\w@/]|[.,:-]\d)"

_EMAIL = r"(?<![\w.%+-])\w[\w.%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
_CARD = (r"(?:\d{4}(?P<sep>[ -]?)\d{4}(?P=sep)\d{4}(?P=sep)\d{1,4}(?:(?P=sep)\d{3})?"  # 4-4-4-4(-3), or none
         r"|\d{4}(?P<amex>[ -]?)\d{6}(?P=amex)\d{4,5})")                              # Amex 4-6-5, Diners 4-6-4
_INTERNATIONAL = r"(?:\+|\b00)[1-9]\d{0,2}(?:[ .-]?\(0\))?(?:[ .-]?\(?\d{1,5}\)?){1,6}"
_NORTH_AMERICA = r"(?:1[ .-])?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}|[2-9]\d{2}[.-]\d{4}"
_UK = r"\(?0[1-9]\d{1,4}\)?(?:[ .-]?\d{2,6}){1,3}"

_PII = re.compile(
    rf"(?P<email>{_EMAIL})"
    rf"|{_START}(?P<card>{_CARD}){_END}"
    rf"|{_START}(?P<phone>{_INTERNATIONAL}|{_NORTH_AMERICA}|{_UK}){_END}"
)
# A name: one to three capitalised words ("Sarah", "Anne-Marie O'Neil", "Jo McDonald").
_LOWER, _UPPER = "a-zß-öø-ÿ", "A-ZÀ-ÖØ-Þ"
_CAPITALISED = rf"[{_UPPER}](?:[{_LOWER}]{{0,2}}[A-Z])?[{_LOWER}]*(?:['’-][{_UPPER}]?[{_LOWER}]+)*"
_NAMES = rf"{_CAPITALISED}(?:[ ]{_CAPITALISED}){{0,2}}"
# Words that follow "my name is" or a closing "cheers," without being a name ("my name is on the
# account", "cheers, mate").
_NOT_NAMES = ("on|in|at|not|still|wrong|missing|spelt|spelled|misspelt|misspelled|the|a|an|and|but|also|now|"
              "printed|written|listed|correct|incorrect|different|attached|already|there|here|under|down|"
              "is|are|were|being|been|showing|shown|fine|ok|okay|right|blank|gone|me|it|just|so|really|very|"
              "mate|mates|guys|all|everyone|everybody|team|folks|again|bye|love|you|ta")
_LOWER_NAME = rf"(?!(?:{_NOT_NAMES})\b)[{_LOWER}]{{2,}}(?:['’-][a-z]+)?(?![\w@])"
_SIGN_OFF = (r"(?i:\b(?:kind\s+|best\s+|warm\s+)?regards|\bmany\s+thanks|\bthanks|\bcheers|\bbest\s+wishes"
             r"|\bbest(?=\s*,))")
_NAME = re.compile(
    rf"(?:(?i:\bmy\s+name\s+is|\bmy\s+name['’]?s|\bname\s*:|\bi['’]?m\s+called|\bi\s+am\s+called)\s+"
    rf"(?:(?P<name_cue>{_NAMES})|(?P<name_lower>{_LOWER_NAME})))"
    rf"|(?i:\bthis\s+is|\bit['’]?s|\bi['’]?m|\bi\s+am)\s+(?P<name_from>{_NAMES})(?=\s+(?i:from|here)\b)"
    rf"|(?i:\bthis\s+is)\s+(?P<name_here>{_LOWER_NAME})(?=\s+here\b)"
    rf"|{_SIGN_OFF}\s*[,.!-]?\s+(?P<name_end>{_NAMES})\s*[.!]?\s*$"
    rf"|{_SIGN_OFF}\s*[,\n]\s*(?P<name_end_lower>{_LOWER_NAME})\s*[.!]?\s*$"
)
_NAME_GROUPS = ("name_cue", "name_lower", "name_from", "name_here", "name_end", "name_end_lower")
# A lower-case name stands in a cased text only where a clause ends after it ("My name's tom and ...").
_CLAUSE_ENDS = re.compile(r"\s*(?:[,;.!?)]|(?i:and|but)\b|$)")
# Cheap pre-filter for whole columns: a text without '@', two digits in a row or a name cue has no PII.
_MAYBE = r"@|\d\d|(?i:\b(?:names?|called|this is|it['’]?s|i['’]?m|i am|regards|thanks|cheers|wishes)\b|\bbest\s*,)"
# The lookahead names the characters a find starts with ('@', a digit, a cue's first letter in
# any case), which spares the rest of the pattern most places: twice as fast, the same finds.
_MAYBE_PATTERN = re.compile(rf"(?=(?i:[@\dnctirwb]))(?:{_MAYBE})")


class Pii(NamedTuple):
    """One piece of personal data in a text: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int
    text: str


def _luhn(digits: str) -> bool:
    """Luhn checksum: double every second digit from the right, the total must end in 0."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = int(d) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _is_card(found: str) -> bool:
    digits = re.sub(r"\D", "", found)
    return digits[0] in "23456" and _luhn(digits)


def _is_phone(found: str) -> bool:
    digits = re.sub(r"\D", "", found.replace("(0)", ""))
    if found.startswith(("+", "00")):
        return 8 <= len(digits) - 2 * found.startswith("00") <= 15
    if digits.startswith("0"):  # UK national: 10-11 digits; run together only as a full 11-digit number
        return 10 <= len(digits) <= 11 and (len(digits) == 11 or not found.isdigit())
    return len(digits) in (7, 10) or (len(digits) == 11 and digits.startswith("1"))


_VALID = {"email": lambda found: True, "card": _is_card, "phone": _is_phone}


def _kind(match: re.Match) -> str | None:
    """The kind of a candidate match, or None when it fails its check (Luhn, digit count)."""
    kind = next(k for k in PII_KINDS if match.group(k) is not None)
    return kind if _VALID[kind](match.group(kind)) else None


def _text(text, what: str) -> str:
    if not isinstance(text, str):
        raise CxnbError(f"{what} expects a str; got {type(text).__name__} (use redact_series for a column)")
    return text


def could_hold_pii(text: str) -> bool:
    """Whether ``text`` passes the cheap test that :func:`find_pii` starts with.

    A text without an ``@``, without two digits in a row and without a name cue ("name",
    "names", "called", "this is", "it's", "I'm", "I am", "regards", "thanks", "cheers", "wishes"
    as whole words, or "best,") holds nothing :func:`find_pii` finds, so it can be shown as it
    is. Nor does any part of it cut at word boundaries, such as a clause.

    Examples
    --------
    >>> could_hold_pii("Slow delivery, great beans"), could_hold_pii("order 4417723 arrived late")
    (False, True)
    """
    return _MAYBE_PATTERN.search(_text(text, "could_hold_pii")) is not None


def find_pii(text: str) -> list[Pii]:
    """E-mail addresses, phone numbers and payment cards in ``text``, in order of appearance.

    The rules for each kind are in the module docstring.

    Parameters
    ----------
    text : str
        Any customer text (a survey comment, a review, a ticket note).

    Returns
    -------
    list of Pii
        ``(kind, start, end, text)`` per find, ``kind`` one of ``email, phone, card``;
        ``text[start:end]`` is the find. Finds never overlap.

    Examples
    --------
    >>> find_pii("Ring 0161 496 0123, not order 4417723; card 4111 1111 1111 1111 expires 12/27")
    [Pii(kind='phone', start=5, end=18, text='0161 496 0123'),
     Pii(kind='card', start=44, end=63, text='4111 1111 1111 1111')]
    """
    if not could_hold_pii(_text(text, "find_pii")):
        return []
    found = []
    for match in _PII.finditer(text):
        kind = _kind(match)
        if kind is not None:
            found.append(Pii(kind, match.start(kind), match.end(kind), match.group(kind)))
    for match in _NAME.finditer(text):
        group = next(g for g in _NAME_GROUPS if match.group(g) is not None)
        start, end = match.span(group)
        if group == "name_lower" and not text.islower() and not _CLAUSE_ENDS.match(text, end):
            continue  # "my name is showing wrong": a lower-case word in a cased text, the clause goes on
        if group in ("name_here", "name_end_lower") and not text.islower():
            continue
        if not any(p.start < end and start < p.end for p in found):
            found.append(Pii("name", start, end, match.group(group)))
    return sorted(found, key=lambda p: p.start)


def redact(text: str) -> str:
    """``text`` with every find of :func:`find_pii` replaced by ``[email]``, ``[phone]``, ``[card]`` or ``[name]``.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> redact("Amex 3782 822463 10005, call +1 (212) 555-0147; 2025-03-01, £12.50, v2.3.1")
    'Amex [card], call [phone]; 2025-03-01, £12.50, v2.3.1'
    >>> redact("Hi, my name is Anne-Marie O'Neil and my order 4417723 is late")
    'Hi, my name is [name] and my order 4417723 is late'
    """
    parts, last = [], 0
    for pii in find_pii(_text(text, "redact")):
        parts += [text[last:pii.start], f"[{pii.kind}]"]
        last = pii.end
    return "".join(parts) + text[last:]


def redact_series(series: pd.Series) -> pd.Series:
    """:func:`redact` applied to a column of texts; missing values stay missing.

    Only texts that could hold personal data (an ``@``, two digits in a row or a name cue such
    as "name" or "regards", found with a vectorised string test) go through :func:`redact`; the
    others are copied as they are.

    Parameters
    ----------
    series : pandas.Series
        Texts (``str``/``string`` or ``object`` dtype holding strings and missing values).

    Returns
    -------
    pandas.Series
        Same index, name and dtype; the caller's series is not changed.

    Examples
    --------
    >>> texts = pd.Series(["mail me: jo@example.com", None, "order 4417723 arrived"], dtype="str")
    >>> redact_series(texts).tolist()
    ['mail me: [email]', nan, 'order 4417723 arrived']
    """
    if not isinstance(series, pd.Series):
        raise CxnbError(f"redact_series expects a pandas Series of texts; got {type(series).__name__}")
    if not pd.api.types.is_string_dtype(series.dtype):
        raise CxnbError(f"redact_series expects texts; {series.name or 'the series'} has dtype {series.dtype}")
    present = series.notna()
    if series.dtype == object:
        other = series[present & ~series.map(lambda value: isinstance(value, str))]
        if len(other):
            raise CxnbError(f"redact_series expects texts; {series.name or 'the series'} holds {len(other)} other "
                            f"value(s), e.g. {other.iloc[0]!r} at index {other.index[0]!r}")
    if not present.any():
        return series.copy()
    candidates = present & series.str.contains(_MAYBE, regex=True).fillna(False).astype(bool)
    result = series.copy()
    result[candidates] = series[candidates].map(redact)
    return result
