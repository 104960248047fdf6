"""Normalised values of figure and date spans, as ``docs/guidelines.md`` defines them.

A figure becomes ``{"value", "unit", "currency", "qualifier"}``: "about
€1.8 million a day" is 1800000 EUR "a day", qualifier "about". A date becomes
``{"value", "resolved", "reason"}``: an ISO date, month, year, time or
``START/END`` interval resolved against the article's ``published`` date, or
``None`` with the reason it could not be resolved.

Pure Python (no spaCy): the annotation screen calls it whenever an annotator
tags a figure or a date by hand, and the suggester calls it for every
suggested one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Any

FIGURE = "figure"
DATE = "date"

NO_PUBLISHED_DATE = "no published date"
RELATIVE_TO_EVENT = "relative to event"
FISCAL_PERIOD = "fiscal period"
UNRECOGNISED = "unrecognised expression"


def normalise_span(label: str, text: str, published: str | None) -> dict[str, Any] | None:
    """The norm of a span of ``label`` reading ``text`` in an article published
    on ``published`` (YYYY-MM-DD, or None); None for labels without norms."""
    if label == FIGURE:
        return dict(_figure(text))
    if label == DATE:
        return dict(_date(text, _published_date(published)))
    return None


def readable_date(text: str) -> bool:
    """Whether ``text`` is a date expression the normaliser understands
    (resolvable or not): what the suggester asks of each run of date words."""
    return _date(text, None)[2][1] != UNRECOGNISED


def has_norm(label: str) -> bool:
    return label in (FIGURE, DATE)


def _squash(text: str) -> str:
    """Lower case, typographic variants folded, whitespace collapsed."""
    text = text.strip().lower()
    text = text.translate(_FOLD)
    return _SPACES.sub(" ", text)


_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-",
                       "\u00a0": " ", "\u202f": " ", "\u2009": " "})
_SPACES = re.compile(r"\s+")


# -- figures ------------------------------------------------------------------

# The hedges of the guidelines, as they are written in a norm.
QUALIFIERS = (
    "approximately", "about", "around", "roughly", "nearly", "almost", "close to", "up to",
    "as many as", "more than", "over", "above", "at least", "fewer than", "less than", "under",
    "below", "some", "several", "an estimated", "dozens", "hundreds", "thousands", "millions",
)
# "hundreds of workers": the vague plural is the qualifier, its base the value
_VAGUE_PLURALS = {"dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1000, "millions": 10**6, "billions": 10**9}
# hedges written before the number, and the qualifier each one means (None: no hedge)
_QUALIFIER_ALIASES: dict[str, str | None] = {
    **{q: q for q in QUALIFIERS if q not in _VAGUE_PLURALS},
    "estimated": "an estimated", "as much as": "as many as", "well over": "over", "just over": "over",
    "a little over": "over", "slightly over": "over", "well above": "above", "just above": "above",
    "just under": "under", "well under": "under", "just below": "below", "well below": "below",
    "upwards of": "more than", "in excess of": "more than", "no more than": "up to", "at most": "up to",
    "a few": "several", "just": None, "only": None, "a further": None, "another": None, "an additional": None,
}
_QUALIFIER_RE = re.compile(
    r"^(?:(" + "|".join(sorted((re.escape(q) for q in _QUALIFIER_ALIASES), key=len, reverse=True)) + r")\s+)"
)
_VAGUE_RE = re.compile(
    r"^(?:(tens|hundreds) of )?(dozens|scores|hundreds|thousands|millions|billions)\b(?: of\b)? ?(.*)$"
)

_SYMBOLS = {
    "us$": "USD", "u.s.$": "USD", "$": "USD", "c$": "CAD", "ca$": "CAD", "can$": "CAD", "a$": "AUD",
    "au$": "AUD", "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "r$": "BRL", "mx$": "MXN", "€": "EUR",
    "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB", "₺": "TRY", "₪": "ILS", "₦": "NGN",
    "₴": "UAH", "₱": "PHP", "₫": "VND", "fr.": "CHF", "sfr": "CHF",
}
ISO_CURRENCIES = frozenset(
    "USD EUR GBP JPY CHF CAD AUD NZD CNY HKD SGD INR KRW RUB BRL ZAR MXN SEK NOK DKK PLN CZK HUF TRY ILS"
    " AED SAR QAR EGP NGN KES GHS ARS CLP COP PEN IDR MYR THB PHP VND TWD UAH RON BGN ISK PKR BDT".split()
)
# currency words after the number; None: no unambiguous code, the word is the unit
_CURRENCY_WORDS = {
    "us dollars": "USD", "u.s. dollars": "USD", "american dollars": "USD", "canadian dollars": "CAD",
    "australian dollars": "AUD", "new zealand dollars": "NZD", "hong kong dollars": "HKD",
    "singapore dollars": "SGD", "dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR",
    "pounds sterling": "GBP", "pounds": "GBP", "pound": "GBP", "sterling": "GBP", "yen": "JPY",
    "swiss francs": "CHF", "swiss franc": "CHF", "francs": "CHF", "yuan": "CNY", "renminbi": "CNY",
    "rupees": "INR", "rupee": "INR", "won": "KRW", "roubles": "RUB", "rubles": "RUB", "rand": "ZAR",
    "reais": "BRL", "lira": "TRY", "zlotys": "PLN", "zloty": "PLN", "shekels": "ILS", "hryvnias": "UAH",
    "crowns": None, "crown": None, "kronor": None, "krona": None, "kroner": None, "krone": None,
    "pesos": None, "peso": None, "marks": None, "dinars": None, "riyals": None, "cents": None, "pence": None,
}
_CURRENCY_PREFIX_RE = re.compile(
    r"^(us\$|u\.s\.\$|c\$|ca\$|can\$|a\$|au\$|nz\$|hk\$|s\$|r\$|mx\$|\$|€|£|¥|₹|₩|₽|₺|₪|₦|₴|₱|₫|sfr|fr\.|"
    + "|".join(code.lower() for code in sorted(ISO_CURRENCIES))
    + r")\s?(?=[\d.]|a |an |one |two |three |four |five |six |seven |eight |nine |ten |half )"
)
_CURRENCY_WORD_RE = re.compile(
    r"^(" + "|".join(sorted((re.escape(w) for w in _CURRENCY_WORDS), key=len, reverse=True)) + r")\b ?"
)
_ISO_SUFFIX_RE = re.compile(r"^(" + "|".join(code.lower() for code in sorted(ISO_CURRENCIES)) + r")\b ?")

UNITS_OF_ONE = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
# written after a number: "£190m", "$1.2bn", "3k"; only the unambiguous ones may stand apart ("$1.2 bn")
SHORT_SCALES = {"k": 10**3, "m": 10**6, "mn": 10**6, "mln": 10**6, "bn": 10**9, "b": 10**9, "tn": 10**12}
_SPACED_SHORT_SCALES = "bn|mn|mln|tn"
DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fifth": 5, "fifths": 5,
    "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8, "ninth": 9, "ninths": 9,
    "tenth": 10, "tenths": 10, "hundredth": 100, "hundredths": 100, "thousandth": 1000, "thousandths": 1000,
}
_NUMBER_WORD = "|".join(sorted([*UNITS_OF_ONE, *TENS], key=len, reverse=True))
_SCALE_WORD = "hundred|thousand|million|billion|trillion|dozen"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"

_FRACTION_RE = re.compile(
    rf"^(?:(a|an|one|{_NUMBER_WORD}|\d+)[- ]({'|'.join(DENOMINATORS)})|(half))\b(?: (?:a|an) ({_SCALE_WORD}))?(.*)$"
)
_ONE_IN_RE = re.compile(rf"^(one|{_NUMBER_WORD}|\d+) (?:in|out of) ({_NUMBER_WORD}|\d+)\b(.*)$")
_DIGIT_NUMBER_RE = re.compile(rf"^({_DIGITS})(?:({'|'.join(SHORT_SCALES)})\b)?\s?(.*)$")
_WORD_NUMBER_RE = re.compile(
    rf"^((?:(?:a|an|{_NUMBER_WORD}|{_SCALE_WORD})(?:-| and | |(?=$)|(?=[^a-z])))+)(.*)$"
)
_SCALES_AFTER_RE = re.compile(rf"^((?:(?:{_SCALE_WORD}|{_SPACED_SHORT_SCALES})\b ?)+)(.*)$")
_PERCENT_RE = re.compile(r"^(%|per ?cent\b|pct\b)\s?(.*)$")


def _number_words(words: str) -> Decimal | None:
    """"two dozen" → 24, "one hundred and twenty" → 120, "a million" → 1000000."""
    total = Decimal(0)
    current: Decimal | None = None
    for word in re.split(r"[- ]+", words.strip()):
        if word in ("", "and"):
            continue
        if word in ("a", "an"):
            if current is None:
                current = Decimal(1)
            continue
        if word in UNITS_OF_ONE:
            current = (current or Decimal(0)) + UNITS_OF_ONE[word]
        elif word in TENS:
            current = (current or Decimal(0)) + TENS[word]
        elif word == "dozen":
            current = (current if current is not None else Decimal(1)) * 12
        elif word == "hundred":
            current = (current if current is not None else Decimal(1)) * 100
        elif word in SCALES:
            total += (current if current is not None else Decimal(1)) * SCALES[word]
            current = None
        else:
            return None
    if current is None and total == 0 or re.fullmatch(r"an?", words.strip()):
        return None  # "a" is a number only before a multiplier: "a dozen", "a million"
    return total + (current or Decimal(0))


def _scale_words(words: str) -> Decimal:
    factor = Decimal(1)
    for word in words.split():
        factor *= 12 if word == "dozen" else SCALES.get(word) or SHORT_SCALES[word]
    return factor


def _number(value: Decimal | Fraction) -> int | float:
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return int(value)
        return round(float(value), 4)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


_Raw = tuple["Decimal | Fraction | None", "str | None", "str | None", "str | None"]
_DIGIT_GROUP = re.compile(r"\d[\d,]*(?:\.\d+)?")
_TEMPLATES: dict[str, _Raw | None] = {}
"""Figures with "#" for their number, and what they mean when the number only scales the value."""
_MAX_TEMPLATES = 20_000


@lru_cache(maxsize=8192)
def _figure(text: str) -> tuple[tuple[str, Any], ...]:
    rest = _squash(text)
    simple = _simple_figure(rest)
    if simple is not None:
        return simple
    # the same words around another number: "about €1.8 million a day", "about €2.4 million a day"
    numbers = _DIGIT_GROUP.findall(rest)
    raw: _Raw | None = None
    if len(numbers) == 1:
        template = _DIGIT_GROUP.sub("#", rest)
        if template not in _TEMPLATES:
            if len(_TEMPLATES) >= _MAX_TEMPLATES:
                _TEMPLATES.clear()
            _TEMPLATES[template] = _template(template)
        known = _TEMPLATES[template]
        if known is not None:
            factor, unit, currency, qualifier = known
            number = numbers[0].replace(",", "")
            value = factor * (Fraction(number) if isinstance(factor, Fraction) else Decimal(number))  # type: ignore[operator]
            raw = (value, unit, currency, qualifier)
    if raw is None:
        raw = _parse_figure(rest)
    value, unit, currency, qualifier = raw
    return (
        ("value", None if value is None else _number(value)),
        ("unit", unit),
        ("currency", currency),
        ("qualifier", qualifier),
    )


def _template(template: str) -> _Raw | None:
    """The meaning of a figure with "#" for its number if the number only scales
    its value (checked with two numbers); else None."""
    one = _parse_figure(template.replace("#", "1"))
    seven = _parse_figure(template.replace("#", "7"))
    if one[0] is None or one[1:] != seven[1:] or seven[0] != one[0] * 7:
        return None
    return one


def _parse_figure(rest: str) -> _Raw:
    """(value, unit, currency, qualifier) of a squashed figure text."""
    qualifier: str | None = None
    value: Decimal | Fraction | None = None
    currency: str | None = None
    currency_word: str | None = None
    unit_parts: list[str] = []

    match = _QUALIFIER_RE.match(rest)
    if match:
        qualifier = _QUALIFIER_ALIASES[match.group(1)]
        rest = rest[match.end():]
    vague = _VAGUE_RE.match(rest)
    if vague:
        tens, plural, rest = vague.groups()
        value = Decimal(_VAGUE_PLURALS[plural] * (10 if tens == "tens" else 100 if tens == "hundreds" else 1))
        qualifier = qualifier or plural
    else:
        match = _CURRENCY_PREFIX_RE.match(rest)
        if match:
            symbol = match.group(1)
            currency = _SYMBOLS.get(symbol) or symbol.upper()
            rest = rest[match.end():]
        value, rest = _leading_number(rest)

    if value is not None:
        match = _PERCENT_RE.match(rest)
        if match:
            unit_parts.append("%")
            rest = match.group(2)
    if currency is None and not unit_parts:
        match = _CURRENCY_WORD_RE.match(rest)
        if match:
            code = _CURRENCY_WORDS[match.group(1)]
            if code is None:
                currency_word = match.group(1)
            else:
                currency = code
            rest = rest[match.end():]
        else:
            match = _ISO_SUFFIX_RE.match(rest)
            if match:
                currency = match.group(1).upper()
                rest = rest[match.end():]
    if value is None:
        # not a quantity this module can read: say so rather than guess a unit
        return None, None, currency, qualifier
    rest = rest.strip()
    if rest.startswith("-"):
        # "19-day", "151-seat": the part after the hyphen
        rest = rest[1:]
    elif rest.startswith("of "):
        rest = rest[3:]
    if rest:
        # the counted noun, or after money or a percentage a rate's denominator ("a day")
        unit_parts.append(rest)
    if currency_word:
        unit_parts.insert(0, currency_word)
    unit = " ".join(part for part in unit_parts if part).strip() or None
    return value, unit, currency, qualifier


_SIMPLE_FIGURE_RE = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%|(?: [a-z]+)+)?$")
# first words after a number that make it more than "number + counted noun"
_NOT_SIMPLE = frozenset(
    [*SCALES, *SHORT_SCALES, "dozen", "per", "percent", "pct", "of", *(w.split()[0] for w in _CURRENCY_WORDS),
     *(code.lower() for code in ISO_CURRENCIES)]
)


def _simple_figure(rest: str) -> tuple[tuple[str, Any], ...] | None:
    """The common "412 patients", "38%", "2,300": no hedge, money or multiplier."""
    match = _SIMPLE_FIGURE_RE.match(rest)
    if match is None:
        return None
    digits, decimals, unit = match.groups()
    if unit and unit != "%":
        unit = unit[1:]
        if unit.split(" ", 1)[0] in _NOT_SIMPLE:
            return None
    number = Decimal(digits.replace(",", "") + (decimals or ""))
    return (("value", _number(number)), ("unit", unit or None), ("currency", None), ("qualifier", None))


def _leading_number(rest: str) -> tuple[Decimal | Fraction | None, str]:
    """The number (with its multipliers) at the start of ``rest``, and what follows."""
    match = _ONE_IN_RE.match(rest)
    if match:
        top, bottom = (_word_or_digits(group) for group in match.group(1, 2))
        if top is not None and bottom:
            return Fraction(int(top), int(bottom)), match.group(3)
    match = _FRACTION_RE.match(rest)
    if match:
        numerator, denominator, half, scale, tail = match.groups()
        if half:
            value = Fraction(1, 2)
        else:
            top = Decimal(1) if numerator in ("a", "an") else _word_or_digits(numerator)
            if top is None:
                return None, rest
            value = Fraction(int(top), DENOMINATORS[denominator])
        if scale:
            value *= Fraction(int(_scale_words(scale)))
        return value, tail
    match = _DIGIT_NUMBER_RE.match(rest)
    if match:
        digits, short, tail = match.groups()
        try:
            value = Decimal(digits.replace(",", ""))
        except InvalidOperation:
            return None, rest
        if short:
            value *= SHORT_SCALES[short]
        scales = _SCALES_AFTER_RE.match(tail)
        if scales and not short:
            value *= _scale_words(scales.group(1))
            tail = scales.group(2)
        return value, tail
    match = _WORD_NUMBER_RE.match(rest)
    if match:
        words, tail = match.groups()
        value = _number_words(words)
        if value is not None:
            return value, tail
    return None, rest


def _word_or_digits(word: str) -> Decimal | None:
    if word.isdigit():
        return Decimal(word)
    return _number_words(word)


# -- dates --------------------------------------------------------------------

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
         ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun")]
    )
    for name in names
}
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
HOLIDAYS = {"christmas day": (12, 25), "christmas eve": (12, 24), "christmas": (12, 25),
            "new year's eve": (12, 31), "boxing day": (12, 26), "halloween": (10, 31),
            "new year's day": (1, 1), "valentine's day": (2, 14), "independence day": (7, 4),
            "fourth of july": (7, 4), "veterans day": (11, 11), "veterans' day": (11, 11)}
# holidays on the nth weekday of a month (n = -1: the last): (month, weekday with Monday 0, n)
WEEKDAY_HOLIDAYS = {"labor day": (9, 0, 1), "memorial day": (5, 0, -1), "thanksgiving day": (11, 3, 4),
                    "thanksgiving": (11, 3, 4), "presidents day": (2, 0, 3), "presidents' day": (2, 0, 3),
                    "martin luther king day": (1, 0, 3)}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "fortnight": 14, "fortnights": 14}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_PART_OF_DAY = r"(?:morning|afternoon|evening|night|midday|lunchtime|overnight)"

# words around a date that are not part of its value
_LEADING_RE = re.compile(
    r"^(?:(?:on|in|at|by|since|from|until|till|to|before|after|as of|about|around|shortly after|shortly before|"
    r"during|through|throughout|between|circa|c\.|the|of|this coming|coming)\s+)+"
)
_TRAILING_RE = re.compile(r"(?:'s|')$|[\s,.;:!?\"')\]]+$")
_TIME_ZONE_RE = re.compile(
    r"\s+(?:(?:[a-z]+ )?(?:local )?time|gmt|utc|bst|cet|cest|eet|eest|wet|west|msk|ist|jst|kst|hkt|sgt|aest|aedt"
    r"|acst|awst|nzst|nzdt|est|edt|cst|cdt|mst|mdt|pst|pdt|akst|hst|sast|wat|eat)$"
)
_TIME_RE = re.compile(
    r"(?P<time>(?P<hour>[01]?\d|2[0-3])(?:[:.](?P<minute>[0-5]\d))?\s?(?P<ampm>a\.?\s?m\.?|p\.?\s?m\.?)"
    r"|(?P<hour24>[01]?\d|2[0-3]):(?P<minute24>[0-5]\d)(?:\s?h(?:rs|ours)?)?"
    r"|(?<![a-z])(?P<word>noon|midday|midnight))"
)
_RELATIVE_EVENT_RE = re.compile(
    r"^(?:(?:the|that) )?(?:(?:following|previous|preceding|same|prior) (?:day|morning|afternoon|evening|night|week|"
    r"weekend|month|year)|next (?:day|morning|afternoon|evening|night)|day (?:before|after)|"
    r"(?:\w+ )?(?:days?|weeks?|months?|years?) (?:later|earlier|before|after)|that (?:day|morning|night|week|year))$"
)
_FISCAL_RE = re.compile(r"\b(?:fiscal|financial year|fy ?\d{2,4}|fy\b)")


class _Unresolved(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


class _NeedsPublished(Exception):
    """The expression is relative and the article has no published date."""


@lru_cache(maxsize=1024)
def _published_date(published: str | None) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(str(published).strip()[:10])
    except ValueError:
        return None


def _month_str(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _interval(start: str, end: str) -> str:
    return start if start == end else f"{start}/{end}"


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week(monday: dt.date) -> str:
    return _interval(monday.isoformat(), (monday + dt.timedelta(days=6)).isoformat())


class _Period:
    """A resolved period, at the precision of the text: a year, a month, a
    day, or an interval of them; early/mid/late narrow it."""

    def __init__(self, kind: str, year: int, month: int = 1, day: int = 1, value: str | None = None) -> None:
        self.kind, self.year, self.month, self.day = kind, year, month, day
        self._value = value

    @property
    def value(self) -> str:
        if self._value is not None:
            return self._value
        if self.kind == "year":
            return f"{self.year:04d}"
        if self.kind == "month":
            return _month_str(self.year, self.month)
        return dt.date(self.year, self.month, self.day).isoformat()

    def part(self, which: str) -> str:
        """early / mid / late of a year (months 1-4, 5-8, 9-12) or a month (days 1-10, 11-20, 21-end)."""
        index = {"early": 0, "mid": 1, "late": 2}[which]
        if self.kind == "year":
            first = 1 + 4 * index
            return _interval(_month_str(self.year, first), _month_str(self.year, first + 3))
        if self.kind == "month":
            last = calendar.monthrange(self.year, self.month)[1]
            first_day, last_day = [(1, 10), (11, 20), (21, last)][index]
            return _interval(
                dt.date(self.year, self.month, first_day).isoformat(),
                dt.date(self.year, self.month, last_day).isoformat(),
            )
        return self.value


@lru_cache(maxsize=8192)
def _date(text: str, published: dt.date | None) -> tuple[tuple[str, Any], ...]:
    try:
        value = _date_value(text, published)
    except _NeedsPublished:
        return (("value", None), ("resolved", False), ("reason", NO_PUBLISHED_DATE))
    except _Unresolved as unresolved:
        return (("value", None), ("resolved", False), ("reason", unresolved.reason))
    return (("value", value), ("resolved", True), ("reason", None))


def _date_value(text: str, published: dt.date | None) -> str:
    expression = _squash(text)
    quick = _quick_date(expression, published)
    if quick is not None:
        return quick
    expression = _TRAILING_RE.sub("", expression)
    expression = _LEADING_RE.sub("", expression)
    expression = _TIME_ZONE_RE.sub("", expression)
    expression = expression.strip(" ,")
    if not expression:
        raise _Unresolved(UNRECOGNISED)
    if _FISCAL_RE.search(expression):
        raise _Unresolved(FISCAL_PERIOD)
    if _RELATIVE_EVENT_RE.match(expression):
        raise _Unresolved(RELATIVE_TO_EVENT)

    # a time, alone or with a day: "6 a.m. next monday", "monday at 6 a.m."
    time_match = _TIME_RE.search(expression)
    time_value = None
    if time_match:
        time_value = _time(time_match)
        expression = (expression[: time_match.start()] + " " + expression[time_match.end():]).strip()
        expression = _LEADING_RE.sub("", re.sub(r"\s+(?:on|at)$|^(?:on|at)\s+", "", expression)).strip(" ,")
        expression = re.sub(r"\s+", " ", expression)
        if not expression or expression in ("today's", "this", "tonight's"):
            return f"T{time_value}"
    value = _day_expression(expression, published)
    if time_value is not None:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return f"{value}T{time_value}"
        return value
    return value


_QUICK_WEEKDAY_RE = re.compile(r"^(?:(last|next|this) )?([a-z]+)$")


def _quick_date(expression: str, published: dt.date | None) -> str | None:
    """The common "Monday", "last Friday", "2024" and "March", without the general machinery."""
    if len(expression) == 4 and expression.isdigit():
        return expression if 1500 <= int(expression) < 2200 else None
    match = _QUICK_WEEKDAY_RE.match(expression)
    if match is None:
        return None
    which, word = match.groups()
    if word in WEEKDAYS:
        return _weekday_date(which, WEEKDAYS[word], _need(published)).isoformat()
    if word in MONTHS and len(word) > 3 or word == "may":
        return _month_str(*_relative_month(which, MONTHS[word], published))
    return None


def _time(match: re.Match[str]) -> str:
    if match.group("word"):
        return "00:00" if match.group("word") == "midnight" else "12:00"
    if match.group("hour24") is not None:
        return f"{int(match.group('hour24')):02d}:{match.group('minute24')}"
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or 0)
    if hour > 12:
        raise _Unresolved(UNRECOGNISED)
    pm = match.group("ampm").startswith("p")
    hour = hour % 12 + (12 if pm else 0)
    return f"{hour:02d}:{minute:02d}"


def _need(published: dt.date | None) -> dt.date:
    if published is None:
        raise _NeedsPublished()
    return published


def _day_expression(expression: str, published: dt.date | None) -> str:
    """Resolve a date expression with no time in it."""
    for pattern, handler in _HANDLERS:
        match = pattern.fullmatch(expression)
        if match:
            value = handler(match, published)
            if value is not None:
                return value
    raise _Unresolved(UNRECOGNISED)


def _check_day(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _Unresolved(UNRECOGNISED) from None


def _h_iso(match: re.Match[str], published: dt.date | None) -> str:
    year, month, day = match.group("y"), match.group("m"), match.group("d")
    if day:
        return _check_day(int(year), int(month), int(day)).isoformat()
    if not 1 <= int(month) <= 12:
        raise _Unresolved(UNRECOGNISED)
    return _month_str(int(year), int(month))


def _h_day_month(match: re.Match[str], published: dt.date | None) -> str:
    month = MONTHS[match.group("month")]
    day = int(match.group("day"))
    end_day = match.groupdict().get("day2")
    year = int(match.group("year")) if match.group("year") else _need(published).year
    start = _check_day(year, month, day).isoformat()
    if end_day:
        return _interval(start, _check_day(year, month, int(end_day)).isoformat())
    return start


def _base_period(words: str, published: dt.date | None) -> _Period | None:
    """A year, a month or a relative period that early/mid/late/end of can apply to."""
    words = words.strip()
    if re.fullmatch(r"\d{4}", words):
        return _Period("year", int(words))
    match = re.fullmatch(_MONTH + r"(?: (?P<year>\d{4}))?", words)
    if match:
        month = MONTHS[match.group("month")]
        year = int(match.group("year")) if match.group("year") else _need(published).year
        return _Period("month", year, month)
    match = re.fullmatch(r"(?P<which>last|next|this|the) " + _MONTH, words)
    if match:
        return _Period("month", *_relative_month(match.group("which"), MONTHS[match.group("month")], published))
    match = re.fullmatch(r"(?:(?P<which>this|last|next|the|the current|the coming|the previous) )?(?P<unit>year|month)", words)
    if match:
        p = _need(published)
        delta = {"last": -1, "next": 1, "the previous": -1, "the coming": 1}.get(match.group("which") or "", 0)
        if match.group("unit") == "year":
            return _Period("year", p.year + delta)
        return _Period("month", *_add_months(p.year, p.month, delta))
    match = re.fullmatch(r"(?P<which>last|next|this) (?P<unit>week|weekend)", words)
    if match:
        return _Period("day", 0, value=_relative_week(match.group("which"), match.group("unit"), published))
    return None


def _relative_month(which: str | None, month: int, published: dt.date | None) -> tuple[int, int]:
    p = _need(published)
    if which == "last":
        return (p.year if month < p.month else p.year - 1), month
    if which == "next":
        return (p.year if month > p.month else p.year + 1), month
    return p.year, month


def _h_part_of(match: re.Match[str], published: dt.date | None) -> str | None:
    which = match.group("part")
    which = {"start": "early", "beginning": "early", "end": "late", "middle": "mid", "mid": "mid"}.get(which, which)
    period = _base_period(match.group("base"), published)
    # "early Saturday" is a day, not a part of a period: the other handlers decide
    return None if period is None else period.part(which)


def _h_month_alone(match: re.Match[str], published: dt.date | None) -> str:
    which = match.group("which")
    year, month = _relative_month(which, MONTHS[match.group("month")], published)
    if match.group("year"):
        year = int(match.group("year"))
    return _month_str(year, month)


def _h_year(match: re.Match[str], published: dt.date | None) -> str:
    return match.group("year")


def _h_decade(match: re.Match[str], published: dt.date | None) -> str:
    start = int(match.group("decade"))
    return f"{start:04d}/{start + 9:04d}"


def _h_half_quarter(match: re.Match[str], published: dt.date | None) -> str:
    year_text = match.group("year") or match.group("year2")
    if year_text:
        year = int(year_text)
    else:
        year = _need(published).year + {"last": -1, "next": 1}.get(match.group("which") or "", 0)
    if match.group("q"):
        index = int(match.group("q"))
        size = 3
    else:
        index = ORDINALS[match.group("ordinal")]
        size = 6 if match.group("unit") == "half" else 3
    if index * size > 12:
        raise _Unresolved(UNRECOGNISED)
    first = (index - 1) * size + 1
    return _interval(_month_str(year, first), _month_str(year, first + size - 1))


def _h_relative_day(match: re.Match[str], published: dt.date | None) -> str:
    p = _need(published)
    offset = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
              "yesterday": -1, "last night": -1, "tomorrow": 1,
              "the day before yesterday": -2, "day before yesterday": -2,
              "the day after tomorrow": 2, "day after tomorrow": 2}[match.group("word")]
    return (p + dt.timedelta(days=offset)).isoformat()


def _weekday_date(which: str | None, weekday: int, p: dt.date) -> dt.date:
    if which == "last":
        back = (p.weekday() - weekday) % 7 or 7
        return p - dt.timedelta(days=back)
    if which == "next":
        ahead = (weekday - p.weekday()) % 7 or 7
        return p + dt.timedelta(days=ahead)
    if which == "this":
        return _monday(p) + dt.timedelta(days=weekday)
    return p - dt.timedelta(days=(p.weekday() - weekday) % 7)


def _h_weekday(match: re.Match[str], published: dt.date | None) -> str:
    weekday = WEEKDAYS[match.group("weekday")]
    return _weekday_date(match.group("which"), weekday, _need(published)).isoformat()


def _relative_week(which: str, unit: str, published: dt.date | None) -> str:
    p = _need(published)
    monday = _monday(p) + dt.timedelta(days={"last": -7, "next": 7}.get(which, 0))
    if unit == "week":
        return _week(monday)
    saturday = monday + dt.timedelta(days=5)
    return _interval(saturday.isoformat(), (saturday + dt.timedelta(days=1)).isoformat())


def _h_week(match: re.Match[str], published: dt.date | None) -> str:
    which = match.group("which") or "this"
    which = {"earlier this": "this", "later this": "this", "the coming": "next", "the past": "last",
             "the previous": "last", "the": "this"}.get(which, which)
    return _relative_week(which, match.group("unit"), published)


def _h_weekend(match: re.Match[str], published: dt.date | None) -> str:
    """A bare "the weekend": the most recent one that has begun by the published date."""
    p = _need(published)
    which = "this" if p.weekday() >= 5 else "last"
    return _relative_week(which, "weekend", published)


def _h_month_year_relative(match: re.Match[str], published: dt.date | None) -> str:
    p = _need(published)
    which = match.group("which")
    delta = {"last": -1, "next": 1, "this": 0, "earlier this": 0, "later this": 0, "the past": -1,
             "the previous": -1, "the coming": 1, "the current": 0}[which]
    if match.group("unit") == "year":
        return f"{p.year + delta:04d}"
    return _month_str(*_add_months(p.year, p.month, delta))


_WORD_COUNTS = {**UNITS_OF_ONE, **TENS, "a": 1, "an": 1, "a couple of": 2, "a few": 3, "several": 3}


def _h_ago(match: re.Match[str], published: dt.date | None) -> str:
    p = _need(published)
    amount_text = match.group("n")
    amount = int(amount_text) if amount_text.isdigit() else _WORD_COUNTS.get(amount_text)
    if amount is None or amount_text in ("a few", "several"):
        raise _Unresolved(UNRECOGNISED)
    unit = match.group("unit").rstrip("s")
    if unit in ("day", "week", "fortnight"):
        return (p - dt.timedelta(days=amount * UNIT_DAYS[unit])).isoformat()
    if unit == "month":
        return _month_str(*_add_months(p.year, p.month, -amount))
    if unit == "year":
        return f"{p.year - amount:04d}"
    if unit == "decade":
        return f"{p.year - 10 * amount:04d}"
    return p.isoformat()  # hours or minutes ago: the published day


def _season_interval(season: str, year: int) -> str:
    first = SEASONS[season]
    end_year, last = _add_months(year, first, 2)
    return _interval(_month_str(year, first), _month_str(end_year, last))


def _h_season(match: re.Match[str], published: dt.date | None) -> str:
    season = match.group("season")
    first = SEASONS[season]
    if match.group("year"):
        return _season_interval(season, int(match.group("year")))
    p = _need(published)
    # the season's start month on the calendar, and whether p falls in it
    start_this_year = (p.year, first)
    if season == "winter" and p.month <= 2:
        start_this_year = (p.year - 1, 12)
    current_index = p.year * 12 + p.month - 1
    start_index = start_this_year[0] * 12 + start_this_year[1] - 1
    which = match.group("which")
    if which == "last":
        year = start_this_year[0] if start_index + 3 <= current_index else start_this_year[0] - 1
    elif which == "next":
        year = start_this_year[0] if start_index > current_index else start_this_year[0] + 1
    else:
        year = start_this_year[0]
    return _season_interval(season, year)


def _h_holiday(match: re.Match[str], published: dt.date | None) -> str:
    holiday = match.group("holiday")
    year = int(match.group("year")) if match.group("year") else _need(published).year
    if holiday == "election day":
        # the Tuesday after the first Monday of November
        first = dt.date(year, 11, 1)
        monday = first + dt.timedelta(days=-first.weekday() % 7)
        return (monday + dt.timedelta(days=1)).isoformat()
    if holiday in WEEKDAY_HOLIDAYS:
        month, weekday, n = WEEKDAY_HOLIDAYS[holiday]
        if n > 0:
            first = dt.date(year, month, 1)
            return (first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))).isoformat()
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        last = following - dt.timedelta(days=1)
        return (last - dt.timedelta(days=(last.weekday() - weekday) % 7)).isoformat()
    month, day = HOLIDAYS[holiday]
    return dt.date(year, month, day).isoformat()


_HOLIDAY_NAMES = "|".join(
    re.escape(name) for name in sorted([*HOLIDAYS, *WEEKDAY_HOLIDAYS, "election day"], key=len, reverse=True)
)


_HANDLERS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})(?:-(?P<d>\d{2}))?"), _h_iso),
    (re.compile(rf"(?:{_WEEKDAY},? )?{_DAY}(?:\s?-\s?(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?)? (?:of )?{_MONTH},?(?: {_YEAR})?"),
     _h_day_month),
    (re.compile(rf"(?:{_WEEKDAY},? )?{_MONTH} {_DAY}(?:\s?-\s?(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?)?,?(?: {_YEAR})?"),
     _h_day_month),
    (re.compile(r"(?:(?P<extra>earlier|later) (?:in )?)?(?P<part>early|mid|late|start|beginning|end|middle)"
                r"(?:-| of (?:the )?| )(?P<base>.+)"), _h_part_of),
    (re.compile(rf"(?:(?P<which>last|next|this) )?{_MONTH}(?: {_YEAR})?"), _h_month_alone),
    (re.compile(r"(?P<year>(?:1[5-9]|20|21)\d{2})"), _h_year),
    (re.compile(r"(?P<decade>(?:1[5-9]|20)\d0)'?s"), _h_decade),
    (re.compile(r"(?:(?P<ordinal>first|second|third|fourth|1st|2nd|3rd|4th) (?P<unit>half|quarter)"
                r"(?: of (?:(?:the|this) year|(?P<which>last|next) year|(?P<year>\d{4})))?"
                r"|q(?P<q>[1-4])(?: (?P<year2>\d{4}))?)"), _h_half_quarter),
    (re.compile(r"(?P<word>today|tonight|yesterday|tomorrow|last night|this morning|this afternoon|this evening|"
                r"(?:the )?day (?:before yesterday|after tomorrow))"), _h_relative_day),
    (re.compile(rf"(?:(?P<which>last|next|this) )?(?:(?:early|late) )?{_WEEKDAY}(?: {_PART_OF_DAY})?"), _h_weekday),
    (re.compile(r"(?:(?P<which>last|next|this|earlier this|later this|the coming|the past|the previous) )(?P<unit>week|weekend)"),
     _h_week),
    (re.compile(r"weekend"), _h_weekend),
    (re.compile(r"(?P<which>last|next|this|earlier this|later this|the past|the previous|the coming|the current) "
                r"(?P<unit>month|year)"), _h_month_year_relative),
    (re.compile(r"(?P<n>\d+|a couple of|a few|several|an?|" + "|".join([*UNITS_OF_ONE, *TENS]) + r") "
                r"(?P<unit>days?|weeks?|fortnights?|months?|years?|decades?|hours?|minutes?) ago"), _h_ago),
    (re.compile(r"(?:(?P<which>last|next|this) )?(?P<season>spring|summer|autumn|fall|winter)(?: (?:of )?(?P<year>\d{4}))?"),
     _h_season),
    (re.compile(rf"(?P<holiday>{_HOLIDAY_NAMES})(?: (?P<year>\d{{4}}))?"), _h_holiday),
]

