"""The default suggester: what the rules find in news text, with no download."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.suggest import SuggestConfig, Suggester, SuggestError
from annotations.suggest_rules import PATTERNS_PATH, SPANS_KEY, PatternError, build_pipeline, read_patterns


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


def spans(nlp, text: str, label: str | None = None) -> list[tuple[str, str]]:
    doc = nlp(text)
    return [(s.label_, s.text) for s in doc.spans[SPANS_KEY] if label is None or s.label_ == label]


def texts(nlp, text: str, label: str) -> list[str]:
    return [t for _, t in spans(nlp, text, label)]


# -- figures ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Valdoria has deployed 12 artillery battalions near the border.", ["12 artillery battalions"]),
        ("The package is worth $240 million, officials said.", ["$240 million"]),
        ("Ministers approved €220 million in aid.", ["€220 million"]),
        ("The strike left about 3,200 shipping containers stranded.", ["about 3,200 shipping containers"]),
        ("Several hundred people spent the night at an arena.", ["Several hundred people"]),
        ("Valdoria has moved up to 2,500 troops to the border.", ["up to 2,500 troops"]),
        ("Prices rose 1.5% in May.", ["1.5%"]),
        ("Backers estimate losses of up to £190m.", ["up to £190m"]),
        ("It costs about €1.8 million a day.", ["about €1.8 million a day"]),
        ("Evacuees get C$400 per household.", ["C$400 per household"]),
        ("The crown rose to 24.62 crowns per dollar.", ["24.62 crowns per dollar"]),
        ("The bank cut rates by 25 basis points to 4.75%.", ["25 basis points", "4.75%"]),
        ("Gusts of up to 70 km/h and around 38 degrees Celsius.", ["up to 70 km/h", "around 38 degrees Celsius"]),
        ("Around two-thirds of the containers hold food.", ["Around two-thirds"]),
        ("Up to 1.3 million cubic metres of waste escaped.", ["Up to 1.3 million cubic metres"]),
        ("The mine produced 62,000 tonnes of copper.", ["62,000 tonnes"]),
        ("Arsenic was at 14 times the limit.", ["14 times"]),
        ("Nine of the 13 council members voted for it.", ["Nine", "13 council members"]),
        ("Two dozen drones and four short-range air-defence batteries arrived.",
         ["Two dozen drones", "four short-range air-defence batteries"]),
        ("The talks lasted more than two hours.", ["more than two hours"]),
        ("a 19-day strike in a 151-seat chamber", ["19-day", "151-seat"]),
        ("Hundreds of workers walked out.", ["Hundreds of workers"]),
        ("Reserves stood at $38.2 billion.", ["$38.2 billion"]),
        ("They paid CHF 410 million and US$120 million.", ["CHF 410 million", "US$120 million"]),
    ],
)
def test_figures(nlp, sentence, expected):
    assert texts(nlp, sentence, "figure") == expected


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # a counted noun stops before a verb, a preposition or a participle
        ("Exactly 412 patients taking the drug were admitted.", ["412 patients"]),
        ("It cost $38 million in federal aid.", ["$38 million"]),
        ("Prices rose 4% last year.", ["4%"]),
        # "over" a duration is not "more than"
        ("They want a 9% rise over two years.", ["9%", "two years"]),
        # years, ordinals, ages, names, identifiers and scores are not figures
        ("It was the third cut since 2019.", []),
        ("Crane operator Jonas Hale, 47, has worked there.", []),
        ("The 54-year-old driver was unhurt.", []),
        ("Investment at Terminal 3 was cut in the Phase 3 trial of HEARTH-2.", []),
        ("No one knows, one diplomat said.", []),
    ],
)
def test_what_figures_leave_out(nlp, sentence, expected):
    assert texts(nlp, sentence, "figure") == expected


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Fares rose by 3-4% and the bill passed 61-39.", ["3", "4%", "61", "39"]),
        ("Roughly three out of five drivers and about 3 in 10 riders agreed.",
         ["Roughly three out of five", "about 3 in 10"]),
        ("The richest 1 percent hold half of the wealth.", ["1 percent", "half"]),
        ("Office space costs $62 per square foot in a 4,200-square-foot unit.",
         ["$62 per square foot", "4,200-square-foot"]),
        ("A fifth of the fleet and a third more trucks were idle.", ["A fifth", "a third"]),
        # ordinals, ranks, ages, list numbering and "no one" are not figures
        ("A third party won a fourth term.", []),
        ("She was the No. 2 official and died at age 91.", []),
        ("1. Ferris\n\n12. Okafor", []),
        ("No one else can say that.", []),
    ],
)
def test_figures_as_reporters_write_them(nlp, sentence, expected):
    assert texts(nlp, sentence, "figure") == expected


# -- dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The deal was signed on 14 March 2025.", ["14 March 2025"]),
        ("Talks resume on May 9.", ["May 9"]),
        ("A ceasefire was signed in August 2023.", ["August 2023"]),
        ("Prices peaked last November.", ["last November"]),
        ("Ambassadors will meet next week.", ["next week"]),
        ("The vote is on Friday.", ["Friday"]),
        ("A decision is expected by mid-2026.", ["mid-2026"]),
        ("Talks resume at 9:30 a.m. on Tuesday.", ["9:30 a.m.", "Tuesday"]),
        ("The strike lasts until 6 a.m. next Monday.", ["6 a.m. next Monday"]),
        ("It will file before the end of the year.", ["end of the year"]),
        ("Inflation returns to target in the second half of 2026.", ["second half of 2026"]),
        ("Sunday's election was calm.", ["Sunday"]),
        ("The fire started two weeks ago.", ["two weeks ago"]),
        ("The fire was 15% contained early on Wednesday.", ["Wednesday"]),
        ("Officials said early Saturday that it had spread.", ["early Saturday"]),
        ("It was the first rise since 2012.", ["2012"]),
        ("It may rain, and May was dry.", ["May"]),
    ],
)
def test_dates(nlp, sentence, expected):
    assert texts(nlp, sentence, "date") == expected


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Ballots are due Oct. 24 and counted Tuesday night.", ["Oct. 24", "Tuesday night"]),
        ("The ruling, issued Wednesday afternoon, takes effect Jan. 1, 2027.",
         ["Wednesday afternoon", "Jan. 1, 2027"]),
        ("The levy passed in the fall of 2019 and lapsed last fall.", ["fall of 2019", "last fall"]),
        ("Crews will return in the fall.", ["fall"]),
        ("Since Labor Day the queues have grown; on Election Day they were gone.", ["Labor Day", "Election Day"]),
        ("The fair opens on the Fourth of July and closes at Thanksgiving.", ["Fourth of July", "Thanksgiving"]),
        # "fall" the verb or the noun, and a month that is a surname, are not dates
        ("Prices fall when the fall in demand comes.", []),
        ("The letter was signed by Tom Ebbe, Jill June and Mo Tan.", []),
    ],
)
def test_dates_as_reporters_write_them(nlp, sentence, expected):
    assert texts(nlp, sentence, "date") == expected


def test_durations_are_figures_not_dates(nlp):
    found = spans(nlp, "The mine has operated for 22 years and will close within 48 hours.")
    assert ("figure", "22 years") in found and ("figure", "48 hours") in found
    assert not [t for label, t in found if label == "date"]


def test_a_name_that_holds_a_date_word_is_not_a_date(nlp):
    assert texts(nlp, "An exit poll by Estravia Today put Renewal on 33%.", "date") == []


# -- sources ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The army has 18,000 troops, according to the Kestrian Defence Ministry.", ["the Kestrian Defence Ministry"]),
        ("The Harbour Workers' Union said the strike would go on.", ["The Harbour Workers' Union"]),
        ("Reuters reported that talks had stalled.", ["Reuters"]),
        ("Union secretary Mara Lind told reporters the offer was too low.", ["Union secretary Mara Lind"]),
        ("Analysts at Brandt & Co estimated sales of $3 billion.", ["Analysts at Brandt & Co"]),
        ("The opposition claimed the figures were false.", ["The opposition"]),
        ("He said lending had fallen, citing central bank data.", ["central bank data"]),
        ("Meridian Wire, citing two diplomats, reported a deal.", ["two diplomats", "Meridian Wire"]),
        ("The ministry's spokesman said the units had arrived.", ["The ministry's spokesman"]),
        ("A spokesman for the company, Pieter Vos, said it had no room.", ["A spokesman for the company"]),
        ("Mara Lind, a union official, said members were angry.", ["Mara Lind"]),
        ('"It is a breakthrough," said Professor Leon Baptiste, a cardiologist.', ["Professor Leon Baptiste"]),
        ("The bank also said it would sell bonds next month.", ["The bank"]),
        ("The $240 million reported earlier this month by Meridian Wire was a draft.", ["Meridian Wire"]),
    ],
)
def test_sources(nlp, sentence, expected):
    assert sorted(texts(nlp, sentence, "source")) == sorted(expected)


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # the source after the quotation or the clause it tags, typewriter quotes included
        ("''We need more time,'' said Ms. Okafor, referring to the audit.", ["Ms. Okafor"]),
        ("Tolls will not fall, said Dana Whitcombe, a transport economist.", ["Dana Whitcombe"]),
        ("But, said Ferreira, the count was never finished.", ["Ferreira"]),
        ('"It was overdue," Halvorsen says.', ["Halvorsen"]),
        ("Over the past decade, Brisco says, fares have doubled.", ["Brisco"]),
        # titles, initials and acronyms with full stops belong to the name
        ("Sen. Lorna T. Pike told the committee the bill was dead.", ["Sen. Lorna T. Pike"]),
        ("The jet has flown 333 hours, according to F.A.A. records.", ["F.A.A. records"]),
        # past a parenthesis or dashes between the source and the verb
        ("Rep. Hal Moss (D-Ore.) told reporters the vote would wait.", ["Rep. Hal Moss"]),
        ("Okafor — who chairs the panel — said the audit was late.", ["Okafor"]),
        # a long appositive, and a clause before the name
        ("Rates held, and Ines Navarro, the chief economist at a Lisbon bank who advised the board,"
         " said cuts were unlikely.", ["Ines Navarro"]),
        ("Meanwhile, Tarek Aziz, a port official, said the cranes were idle.", ["Tarek Aziz"]),
        # an adverb before the verb is not part of the source
        ("The miners have flatly denied it.", ["The miners"]),
        # more reporting verbs, and the subject of a sentence that opens with its verb
        ("Councillor Ames tweeted that the depot would close.", ["Councillor Ames"]),
        ("The regulator predicted a shortfall.", ["The regulator"]),
        ('Said Okafor, "The audit is late."', ["Okafor"]),
        ('"The count is over," said Will Brandt.', ["Will Brandt"]),
        # names with "on", post-modifiers that identify the source, participles that do not
        ("The Committee on Fisheries said quotas would fall.", ["The Committee on Fisheries"]),
        ("Officials familiar with the talks said a deal was close.", ["Officials familiar with the talks"]),
        ("Engineers briefed on the design said it was sound.", ["Engineers"]),
        # coordinated sources, and a headline's or a transcript's speaker
        ("Ames and the port authority said the depot would close.", ["Ames", "the port authority"]),
        ("Pike: Tolls Must Fall Before the Election", ["Pike"]),
        # a stance reported as a verb attributes it as "said" does
        ("The dockworkers' union opposed the merger of the two ports.", ["The dockworkers' union"]),
        ("Governor Ada Rees endorsed the tunnel plan on Monday.", ["Governor Ada Rees"]),
        ("The ministry rejected the claim that fares had doubled.", ["The ministry"]),
        ("Councillor Ames wants the depot to close by 2027.", ["Councillor Ames"]),
        ("The board of the water utility dismissed the report as flawed.", ["The board of the water utility"]),
    ],
)
def test_sources_as_reporters_write_them(nlp, sentence, expected):
    assert sorted(texts(nlp, sentence, "source")) == sorted(expected)


@pytest.mark.parametrize(
    "sentence",
    [
        "She said the vote was close.",  # pronouns are never sources
        "No deaths have been reported.",
        "Member states of the alliance are discussing aid.",  # a noun, not the verb "states"
        "About 6.2% of patients on velorstat reported dizziness.",
        "The decision, announced at 2 p.m., was expected.",
        "The rebels captured two states during the offensive.",  # "states" after a number is a noun
        "The agency has found itself short of staff.",  # "found itself" reports nothing
        "The bureau cited in the report does not exist.",  # a participle
        "Update: The vote was delayed.",  # a label before a colon
        "Outgoing mayor Ann Vey conceded defeat.",  # an act that conveys no information
        "The authority has ordered the mine to halt operations.",  # an order is an act, not a statement
    ],
)
def test_not_sources(nlp, sentence):
    assert texts(nlp, sentence, "source") == []


def test_a_number_inside_a_source_is_not_a_figure(nlp):
    found = spans(nlp, "Two senior Renewal officials said talks had begun.")
    assert ("source", "Two senior Renewal officials") in found
    assert [t for label, t in found if label == "figure"] == []


# -- claims -------------------------------------------------------------------


def test_claims_are_sentences_with_a_figure_a_date_or_an_attribution(nlp):
    text = (
        "Valdoria has moved up to 2,500 troops to the border. Markets reacted calmly. "
        '"This is the first therapy to work," she said. Talks resume on Friday.\n\n'
        "Will the bank cut again? \"Who will pay for it?\" she asked."
    )
    assert texts(nlp, text, "claim") == [
        "Valdoria has moved up to 2,500 troops to the border.",
        '"This is the first therapy to work," she said.',
        "Talks resume on Friday.",
    ]


def test_the_sentences_of_an_attributed_quotation_are_claims_when_they_name_something(nlp):
    text = (
        '"The depot in Harwick will shut. Nobody wants that," Ames said. "Brennan Freight has already left."'
        " Rain fell.\n\n\"Nothing is decided.\""
    )
    assert texts(nlp, text, "claim") == [
        '"The depot in Harwick will shut.',
        'Nobody wants that," Ames said.',
        '"Brennan Freight has already left."',
    ]
    # typewriter quotes too, from a pronoun's tag
    text = "''Fares rose again in Lisbon,'' she said. ''The Transport Ministry knew.''"
    assert texts(nlp, text, "claim") == ["''Fares rose again in Lisbon,'' she said.", "''The Transport Ministry knew.''"]


def test_a_claim_keeps_its_quote_marks_and_tag(nlp):
    text = 'Lind spoke. "Our members have not had a rise since 2021," Lind said. "They are angry."'
    assert texts(nlp, text, "claim") == ['"Our members have not had a rise since 2021," Lind said.']


def test_a_line_break_ends_a_sentence(nlp):
    text = "Budget 2025 in numbers\nThe council approved $1.2 billion."
    assert texts(nlp, text, "claim") == ["Budget 2025 in numbers", "The council approved $1.2 billion."]


def test_the_component_sets_sentences(nlp):
    doc = nlp('The ministry said 300 troops arrived. "Who will pay?" she asked. Markets were calm.')
    assert [s.text for s in doc.sents] == [
        "The ministry said 300 troops arrived.",
        '"Who will pay?" she asked.',
        "Markets were calm.",
    ]


def test_empty_and_blank_texts(nlp):
    assert spans(nlp, "") == []
    assert spans(nlp, " \n\n ") == []


# -- the patterns file --------------------------------------------------------


def test_the_built_in_patterns_file_reads(nlp):
    patterns = read_patterns(PATTERNS_PATH)
    assert {"MONTH", "QUALIFIER", "UNIT", "SOURCE_BEFORE"} <= {p.label for p in patterns}


def write_patterns(path: Path, extra: list[dict]) -> Path:
    lines = PATTERNS_PATH.read_text(encoding="utf-8").splitlines()
    lines += [json.dumps(item) for item in extra]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_user_can_add_units_labels_and_token_patterns(tmp_path):
    path = write_patterns(
        tmp_path / "patterns.jsonl",
        [
            {"label": "UNIT", "pattern": "nautical miles"},
            {"label": "source", "pattern": "Meridian Wire"},
            {"label": "weapon", "pattern": [{"LOWER": {"IN": ["howitzers", "drones"]}}]},
            {"label": "figure", "pattern": [{"TEXT": {"REGEX": r"^\d+x$"}}]},
        ],
    )
    nlp = build_pipeline(path)
    found = spans(nlp, "A ship sailed 40 nautical miles. Meridian Wire counted drones. Output rose 3x.")
    assert ("figure", "40 nautical miles") in found
    assert ("source", "Meridian Wire") in found
    assert ("weapon", "drones") in found
    assert ("figure", "3x") in found


@pytest.mark.parametrize(
    "line, message",
    [
        ("not json", "not JSON"),
        ('{"label": "figure"}', '"pattern" must be a phrase'),
        ('{"pattern": "x"}', 'each line needs "label" and "pattern"'),
        ('{"label": "WIDGET", "pattern": "x"}', "unknown word class 'WIDGET'"),
        ('{"label": "figure", "pattern": [{"NOPE": 1, "OP": "+"}]}', ":1: invalid token pattern: [pattern -> 0 -> NOPE]"),
    ],
)
def test_a_bad_patterns_file_is_one_line_naming_the_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(PatternError) as raised:
        build_pipeline(path)
    assert message in str(raised.value) and str(path) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_suggester_reports_a_bad_patterns_file(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(SuggestError, match=r"bad\.jsonl:1: not JSON"):
        Suggester(SuggestConfig(patterns=str(path))).load()


# -- suggestions with their norms ---------------------------------------------


def test_suggestions_carry_norms_resolved_against_the_published_date():
    text = "The ministry said last November that about 3,200 troops had left. Talks resume on Friday."
    [(key, found)] = list(Suggester(SuggestConfig()).suggest([("k", text, "2025-06-15")]))
    by_text = {text[s:e]: (label, norm) for label, s, e, _, norm in found["rules"]}
    assert key == "k"
    assert by_text["last November"] == ("date", {"value": "2024-11", "resolved": True, "reason": None})
    assert by_text["Friday"] == ("date", {"value": "2025-06-13", "resolved": True, "reason": None})
    assert by_text["about 3,200 troops"] == (
        "figure", {"value": 3200, "unit": "troops", "currency": None, "qualifier": "about"}
    )
    assert by_text["The ministry"] == ("source", None)
    [(_, again)] = list(Suggester(SuggestConfig()).suggest([("k", text, None)]))
    assert {text[s:e]: n for _, s, e, _, n in again["rules"]}["last November"] == {
        "value": None, "resolved": False, "reason": "no published date"
    }


# -- what redline suggest stores is what the component finds --------------------

ROOT = Path(__file__).resolve().parent.parent


def corpus_texts() -> list[str]:
    from annotations.corpus import read

    texts = []
    for folder in (ROOT / "sample_corpus", ROOT / "benchmarks" / "gold" / "articles"):
        for path in sorted(folder.glob("*.md")):
            texts.extend(item.text for item in read(path, None))
    return texts


def test_stored_suggestions_are_the_components_spans():
    """``redline suggest`` reads character offsets straight from its token view;
    they must be the spans the spaCy component puts on the doc."""
    texts = corpus_texts()
    assert len(texts) >= 8
    component = build_pipeline()
    stored = Suggester(SuggestConfig()).suggest([(n, text, None) for n, text in enumerate(texts)])
    for (n, found), doc in zip(stored, component.pipe(texts)):
        from_component = sorted((s.label_, s.start_char, s.end_char) for s in doc.spans[SPANS_KEY])
        assert sorted((label, start, end) for label, start, end, _, _ in found["rules"]) == from_component, n
        assert from_component, n


def test_suggestions_do_not_depend_on_what_the_pipeline_read_before():
    """Words are learnt the first time the pipeline meets them; a document's
    suggestions are the same in a fresh pipeline and after a whole corpus."""
    corpus = corpus_texts()
    last = corpus[-1]
    alone = list(Suggester(SuggestConfig()).suggest([("last", last, "2025-06-15")]))
    after = list(Suggester(SuggestConfig()).suggest(
        [(n, text, "2025-06-15") for n, text in enumerate(corpus[:-1])] + [("last", last, "2025-06-15")]
    ))
    assert after[-1] == alone[0]
    assert alone[0][1]["rules"]
    # a number first met inside a date, then in a figure
    nlp = build_pipeline()
    assert texts(nlp, "The plant opened on 17 March 2031.", "date") == ["17 March 2031"]
    assert texts(nlp, "The plant shipped 17 turbines.", "figure") == ["17 turbines"]
