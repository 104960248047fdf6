"""Normalised values of figures and dates, as docs/guidelines.md defines them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from annotations.normalise import normalise_span


def figure(value, unit=None, currency=None, qualifier=None):
    return {"value": value, "unit": unit, "currency": currency, "qualifier": qualifier}


FIGURES = [
    # the issue's own examples
    ("$240 million", figure(240_000_000, currency="USD")),
    ("€220 million", figure(220_000_000, currency="EUR")),
    ("about 3,200 shipping containers", figure(3200, "shipping containers", qualifier="about")),
    ("12 artillery battalions", figure(12, "artillery battalions")),
    ("several hundred", figure(100, qualifier="several")),
    ("up to 2,500 troops", figure(2500, "troops", qualifier="up to")),
    ("1.5%", figure(1.5, "%")),
    # the guidelines' table
    ("£190m", figure(190_000_000, currency="GBP")),
    ("around two-thirds", figure(0.6667, qualifier="around")),
    ("about $146 a year", figure(146, "a year", "USD", "about")),
    # number words and multipliers
    ("three", figure(3)),
    ("a dozen", figure(12)),
    ("two dozen drones", figure(24, "drones")),
    ("twenty-five soldiers", figure(25, "soldiers")),
    ("one hundred and twenty", figure(120)),
    ("half a million", figure(500_000)),
    ("a quarter", figure(0.25)),
    ("roughly one-fifth", figure(0.2, qualifier="roughly")),
    ("one in five", figure(0.2)),
    ("3k", figure(3000)),
    ("$1.2bn", figure(1_200_000_000, currency="USD")),
    ("$1.2 bn", figure(1_200_000_000, currency="USD")),
    ("5 mn barrels", figure(5_000_000, "barrels")),
    ("4.6 million", figure(4_600_000)),
    ("2 trillion yen", figure(2_000_000_000_000, currency="JPY")),
    # currencies: symbols, codes, words
    ("US$120 million", figure(120_000_000, currency="USD")),
    ("C$25 million", figure(25_000_000, currency="CAD")),
    ("A$3.5 million", figure(3_500_000, currency="AUD")),
    ("CHF 2.4 billion", figure(2_400_000_000, currency="CHF")),
    ("EUR 40 million", figure(40_000_000, currency="EUR")),
    ("¥300 billion", figure(300_000_000_000, currency="JPY")),
    ("5 million euros", figure(5_000_000, currency="EUR")),
    ("40 million dollars", figure(40_000_000, currency="USD")),
    ("300 pounds", figure(300, currency="GBP")),
    ("$1.087", figure(1.087, currency="USD")),
    ("24.62 crowns per dollar", figure(24.62, "crowns per dollar")),
    ("1.5 billion crowns a month", figure(1_500_000_000, "crowns a month")),
    # rates, units, percentages
    ("about €1.8 million a day", figure(1_800_000, "a day", "EUR", "about")),
    ("C$400 per household", figure(400, "per household", "CAD")),
    ("0.08 percentage points", figure(0.08, "percentage points")),
    ("25 basis points", figure(25, "basis points")),
    ("6.5 per cent", figure(6.5, "%")),
    ("around 38 degrees Celsius", figure(38, "degrees celsius", qualifier="around")),
    ("up to 70 km/h", figure(70, "km/h", qualifier="up to")),
    ("212,000 TEU", figure(212_000, "teu")),
    ("19-day", figure(19, "day")),
    ("151-seat", figure(151, "seat")),
    ("14 times", figure(14, "times")),
    ("more than three times", figure(3, "times", qualifier="more than")),
    # qualifiers
    ("Nearly 4.6 million", figure(4_600_000, qualifier="nearly")),
    ("more than 40 ships", figure(40, "ships", qualifier="more than")),
    ("at least 40 kilometres", figure(40, "kilometres", qualifier="at least")),
    ("some 7%", figure(7, "%", qualifier="some")),
    ("an estimated 2,000 people", figure(2000, "people", qualifier="an estimated")),
    ("fewer than 3,000", figure(3000, qualifier="fewer than")),
    ("well over 500 trucks", figure(500, "trucks", qualifier="over")),
    ("hundreds of workers", figure(100, "workers", qualifier="hundreds")),
    ("dozens of drones", figure(12, "drones", qualifier="dozens")),
    ("tens of thousands of people", figure(10_000, "people", qualifier="thousands")),
    # not a quantity: no value, and no guessed unit
    ("a handful", figure(None)),
]


@pytest.mark.parametrize("text, expected", FIGURES, ids=[text for text, _ in FIGURES])
def test_figure_norms(text, expected):
    assert normalise_span("figure", text, None) == expected


def test_figure_norms_do_not_depend_on_the_published_date():
    assert normalise_span("figure", "$240 million", "2025-03-12") == normalise_span("figure", "$240 million", None)


def test_figures_that_differ_only_in_their_number_scale_alike():
    # the same words around different numbers must not share a cached value
    assert normalise_span("figure", "about €1.8 million a day", None)["value"] == 1_800_000
    assert normalise_span("figure", "about €2.4 million a day", None)["value"] == 2_400_000
    assert normalise_span("figure", "$1.2 billion", None)["value"] == 1_200_000_000
    assert normalise_span("figure", "$38.2 billion", None)["value"] == 38_200_000_000
    assert normalise_span("figure", "roughly 3,200 containers", None)["value"] == 3200


def resolved(value):
    return {"value": value, "resolved": True, "reason": None}


def unresolved(reason):
    return {"value": None, "resolved": False, "reason": reason}


# The guidelines' table uses P = 2025-03-12, a Wednesday.
P = "2025-03-12"
DATES = [
    ("14 March 2025", P, resolved("2025-03-14")),
    ("August 2023", P, resolved("2023-08")),
    ("2024", P, resolved("2024")),
    ("May 9", P, resolved("2025-05-09")),
    ("9 May", P, resolved("2025-05-09")),
    ("March 14, 2025", P, resolved("2025-03-14")),
    ("Wednesday, March 12, 2025", P, resolved("2025-03-12")),
    ("Sept. 3", P, resolved("2025-09-03")),
    ("2025-03-14", P, resolved("2025-03-14")),
    ("November", P, resolved("2025-11")),
    ("today", P, resolved("2025-03-12")),
    ("yesterday", P, resolved("2025-03-11")),
    ("tomorrow", P, resolved("2025-03-13")),
    ("last night", P, resolved("2025-03-11")),
    ("Friday", P, resolved("2025-03-07")),
    ("on Friday", P, resolved("2025-03-07")),
    ("Wednesday", P, resolved("2025-03-12")),
    ("last Friday", P, resolved("2025-03-07")),
    ("last Wednesday", P, resolved("2025-03-05")),
    ("this Friday", P, resolved("2025-03-14")),
    ("next Friday", P, resolved("2025-03-14")),
    ("next Wednesday", P, resolved("2025-03-19")),
    ("this week", P, resolved("2025-03-10/2025-03-16")),
    ("last week", P, resolved("2025-03-03/2025-03-09")),
    ("next week", P, resolved("2025-03-17/2025-03-23")),
    ("this weekend", P, resolved("2025-03-15/2025-03-16")),
    ("next month", P, resolved("2025-04")),
    ("earlier this month", P, resolved("2025-03")),
    ("last year", P, resolved("2024")),
    ("later this year", P, resolved("2025")),
    ("last November", P, resolved("2024-11")),
    ("two weeks ago", P, resolved("2025-02-26")),
    ("three years ago", P, resolved("2022")),
    ("six months ago", P, resolved("2024-09")),
    ("late 2025", P, resolved("2025-09/2025-12")),
    ("early 2026", P, resolved("2026-01/2026-04")),
    ("mid-2026", P, resolved("2026-05/2026-08")),
    ("by mid-2026", P, resolved("2026-05/2026-08")),
    ("late March", P, resolved("2025-03-21/2025-03-31")),
    ("mid-November", P, resolved("2025-11-11/2025-11-20")),
    ("early February", P, resolved("2025-02-01/2025-02-10")),
    ("end of the year", P, resolved("2025-09/2025-12")),
    ("the end of the year", P, resolved("2025-09/2025-12")),
    ("start of 2026", P, resolved("2026-01/2026-04")),
    ("second half of 2026", P, resolved("2026-07/2026-12")),
    ("third quarter", P, resolved("2025-07/2025-09")),
    ("Q3 2024", P, resolved("2024-07/2024-09")),
    ("9:30 a.m.", P, resolved("T09:30")),
    ("2 p.m.", P, resolved("T14:00")),
    ("2 p.m. Zurich time", P, resolved("T14:00")),
    ("9.30am", P, resolved("T09:30")),
    ("noon", P, resolved("T12:00")),
    ("midnight", P, resolved("T00:00")),
    ("21:00", P, resolved("T21:00")),
    ("12 a.m.", P, resolved("T00:00")),
    ("6 a.m. next Monday", P, resolved("2025-03-17T06:00")),
    ("10:30 a.m. this Friday", P, resolved("2025-03-14T10:30")),
    ("Tuesday morning", P, resolved("2025-03-11")),
    ("early Saturday", P, resolved("2025-03-08")),
    ("Friday night", P, resolved("2025-03-07")),
    ("Sunday's", P, resolved("2025-03-09")),
    ("Christmas", P, resolved("2025-12-25")),
    # US holidays, fixed and on the nth weekday of their month
    ("Fourth of July", P, resolved("2025-07-04")),
    ("Labor Day", P, resolved("2025-09-01")),
    ("Memorial Day", P, resolved("2025-05-26")),
    ("Thanksgiving", P, resolved("2025-11-27")),
    ("Election Day 2024", P, resolved("2024-11-05")),
    ("Presidents’ Day", P, resolved("2025-02-17")),
    # "afternoon" holds "noon" but is no time
    ("Tuesday afternoon", P, resolved("2025-03-11")),
    ("this afternoon", P, resolved("2025-03-12")),
    ("the 1990s", P, resolved("1990/1999")),
    ("March 3-5", P, resolved("2025-03-03/2025-03-05")),
    # the examples
    ("last November", "2025-06-15", resolved("2024-11")),
    ("last spring", "2025-06-15", resolved("2025-03/2025-05")),
    ("last spring", "2025-04-10", resolved("2024-03/2024-05")),
    ("next week", "2025-06-15", resolved("2025-06-16/2025-06-22")),
    ("on Friday", "2025-06-15", resolved("2025-06-13")),
    # no published date: relative dates cannot be resolved, absolute ones and times can
    ("last November", None, unresolved("no published date")),
    ("Friday", None, unresolved("no published date")),
    ("May 9", None, unresolved("no published date")),
    ("14 March 2025", None, resolved("2025-03-14")),
    ("mid-2026", None, resolved("2026-05/2026-08")),
    ("9:30 a.m.", None, resolved("T09:30")),
    ("last November", "not a date", unresolved("no published date")),
    # other reasons
    ("the following day", P, unresolved("relative to event")),
    ("two days later", P, unresolved("relative to event")),
    ("fiscal 2025", P, unresolved("fiscal period")),
    ("the fiscal year", P, unresolved("fiscal period")),
    ("sometime soon", P, unresolved("unrecognised expression")),
    ("31 February 2025", P, unresolved("unrecognised expression")),
]


@pytest.mark.parametrize("text, published, expected", DATES, ids=[f"{t} @{p}" for t, p, _ in DATES])
def test_date_norms(text, published, expected):
    assert normalise_span("date", text, published) == expected


def test_a_published_timestamp_counts_as_its_date():
    assert normalise_span("date", "yesterday", "2025-03-12T08:00:00Z") == resolved("2025-03-11")


@pytest.mark.parametrize("label", ["claim", "source", "organisation"])
def test_other_labels_have_no_norm(label):
    assert normalise_span(label, "$240 million", P) is None


def test_each_call_returns_a_fresh_dict():
    first = normalise_span("figure", "$240 million", None)
    first["value"] = 0
    assert normalise_span("figure", "$240 million", None)["value"] == 240_000_000


def test_importing_normalise_does_not_import_spacy():
    code = "import sys, annotations.normalise; sys.exit('spacy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_readable_date_tells_date_expressions_from_other_words():
    from annotations.normalise import readable_date

    assert readable_date("last November")
    assert readable_date("the following week")  # relative to an event: understood, not resolvable
    assert readable_date("Tuesday")
    assert not readable_date("the")
    assert not readable_date("shipping containers")
