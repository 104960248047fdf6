"""The default suggester: spaCy's blank English tokenizer and rules, so that
suggestions need no download.

The vocabulary lives in a patterns file in spaCy's SpanRuler / EntityRuler
format, one JSON object a line (``annotations/data/patterns.jsonl``, or a
user's own file): ``{"label": ..., "pattern": "a phrase" | [token specs]}``.

- A lower-case label (``figure``, ``date``, ``source``, ``claim`` or any label
  in the database) is a direct suggestion: every match is suggested as is.
- An UPPER-CASE label puts words in a class the built-in grammar reads:
  ``QUALIFIER``, ``NUMBER``, ``MULTIPLIER``, ``FRACTION``, ``VAGUE``,
  ``CURRENCY``, ``CURRENCY_WORD``, ``UNIT``, ``TIMES``, ``RATE``,
  ``NOT_FIGURE``, ``MONTH``, ``WEEKDAY``, ``DATE_WORD``, ``DATE_MODIFIER``,
  ``PERIOD``, ``PART_OF_DAY``, ``TIME_MARK``, ``AGO``, ``AGO_UNIT``,
  ``SOURCE_BEFORE`` (reporting verbs: the source comes before them),
  ``SOURCE_AFTER`` ("according to": the source follows) and ``STOP`` (words
  that end a counted noun or a source's noun phrase).

Phrase patterns match case-insensitively. Token patterns whose tokens are
literal (``LOWER``, ``TEXT`` or ``ORTH``: a string or an ``IN`` list; ``OP``
absent or ``"?"``) are compiled into hash lookups and spaCy's PhraseMatcher,
which cost almost nothing per token; any other token pattern (``REGEX``,
``LIKE_NUM``, ``SHAPE``, ``+``...) runs in spaCy's Matcher, which costs about
as much as the tokenizer for every few patterns.

The grammar then builds, per ``docs/guidelines.md``: figures (qualifier,
currency, number, multiplier, then a unit, a currency word, a rate or a
counted noun), dates (runs of date words that ``normalise`` can read),
sources (the noun phrase before a reporting verb or after "according to",
found without a parser), and claims (sentences holding a figure, a date or an
attribution, questions excepted). It sets the sentence boundaries itself,
with the sentencizer's rule, so no other component is needed.

Speed matters (suggestions run at every import): the component reads the
Doc once through ``Doc.to_array``, learns what each distinct word is to the
grammar the first time it sees it (its classes, whether it is a number, a
line break...), so that a document costs a set lookup per token, and then
works only around the few tokens where a rule can start.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import IDX, ORTH, SENT_START, SPACY
from spacy.lang.lex_attrs import word_shape
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Span, SpanGroup

from annotations.normalise import readable_date
from annotations.suggest import PATTERNS_PATH

SPANS_KEY = "redline"
"""``doc.spans`` key of the rules' suggestions."""
COMPONENT = "redline_rules"

CATEGORIES = frozenset(
    "QUALIFIER NUMBER MULTIPLIER FRACTION VAGUE CURRENCY CURRENCY_WORD UNIT TIMES RATE NOT_FIGURE MONTH"
    " WEEKDAY DATE_WORD DATE_MODIFIER PERIOD PART_OF_DAY TIME_MARK AGO AGO_UNIT SOURCE_BEFORE SOURCE_AFTER"
    " STOP".split()
)
_LITERAL_ATTRS = {"LOWER": "LOWER", "TEXT": "ORTH", "ORTH": "ORTH"}
_MAX_EXPANSIONS = 20_000

# Closed-class words the grammar itself needs; the open-class vocabulary is in the patterns file.
DETERMINERS = frozenset("the a an its their his her our this that these those".split())
NP_PREPOSITIONS = frozenset("of for at from by with".split())
PREPOSITIONS = frozenset("of on in at by for from with to into onto about over under between among against".split())
PRONOUNS = frozenset("he she it they we i you who which this that one someone somebody".split())
# between a source and its verb: "The bank also said", "Lind had earlier told"
BETWEEN_SOURCE_AND_VERB = frozenset(
    "also has have had will would later earlier previously recently again then once publicly separately long"
    " further repeatedly first initially subsequently meanwhile twice".split()
)
# after a reporting verb ending in -s, words that show it is a plural noun ("member states of")
AFTER_A_NOUN = frozenset(
    "of are were have had from by in on for to and or is was will would can could , . ; : ) ' \" 's".split()
)
IRREGULAR_PLURALS = frozenset(
    "people cattle children men women police staff personnel livestock sheep fish deer aircraft feet teeth"
    " mice geese data media criteria crew troops militia clergy".split()
)
# reporting verbs that are also plural nouns ("member states of", "police reports were")
NOUN_OR_VERB = frozenset("states reports notes claims estimates shows finds projects calls".split())
# after such a word, words that show it is a noun; "says", "adds" and the like are never nouns
AFTER_A_PLURAL_NOUN = AFTER_A_NOUN | frozenset("like such including where during across around throughout".split())
# reporting verbs that need an object, so that a preposition after them shows a participle
PARTICIPLES = frozenset("cited mentioned described quoted criticized criticised questioned accused urged".split())
# reflexives after a verb: "found itself" reports nothing
REFLEXIVES = frozenset("itself himself herself themselves myself ourselves yourself".split())
# lower-case nouns ending in -ly (other -ly words are adverbs: "bluntly", "also")
LY_NOUNS = frozenset("family assembly ally rally supply monopoly anomaly belly bully fly lily jelly".split())
# reporting verbs that come before their source after a comma ("…, said Ana Ruiz."), and take no object
INVERTING = frozenset("said says added adds wrote writes asked asks explained recalled insisted argued warned".split())
# words before a colon that label what follows rather than name who says it
LABEL_WORDS = frozenset(
    "q a update updated note watch video photos photo breaking exclusive read related full analysis opinion"
    " editor transcript source sources correction clarification background warning disclaimer listen".split()
)
# words that open a sentence before a comma without being its subject ("Meanwhile, Lind, …, said")
DISCOURSE = frozenset(
    "meanwhile still however instead separately similarly later earlier now then also finally first again"
    " moreover indeed nonetheless nevertheless likewise overall ultimately otherwise besides yet so thus"
    " hence meantime regardless afterward afterwards today yesterday".split()
)
TIME_UNITS = frozenset("years months weeks days hours minutes decades seconds".split())
# double quotation marks: those that open, those that close, and those that do either
OPENING_QUOTES = frozenset(("“", "``"))
CLOSING_QUOTES = frozenset(("”",))
DOUBLE_QUOTES = OPENING_QUOTES | CLOSING_QUOTES | frozenset(('"', "''"))
# one-character quotes, and the typewriter pairs of some wires' copy (''We need…,'' she said)
QUOTES = frozenset(('"', "'", "“", "”", "‘", "’", "''", "``"))
POSSESSIVES = frozenset(("'s", "'", "’s", "’", "&"))
_EMPTY: frozenset[str] = frozenset()

_DIGIT_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:k|m|bn|mn|tn)?$|^\.\d+$")
_ATTACHED_SCALE = re.compile(r"^\d+(?:\.\d+)?(?:k|m|bn|mn|tn)$")
_YEAR = re.compile(r"^(?:1[5-9]|20|21)\d\d$|^(?:early|mid|late)-(?:1[5-9]|20|21)\d\d$", re.IGNORECASE)
_DECADE = re.compile(r"^(?:1[5-9]|20)\d0s$")
_DAY_NUMBER = re.compile(r"^(?:[12]?\d|3[01])(?:st|nd|rd|th)?$")
_CLOCK = re.compile(r"^(?:[01]?\d|2[0-3])[:.][0-5]\d(?:am|pm)?$|^(?:1[0-2]|0?\d)(?:am|pm)$", re.IGNORECASE)
_HOUR = re.compile(r"^(?:1[0-2]|0?\d)(?:[:.][0-5]\d)?$")
_ONE = frozenset({"one", "1", "a", "an"})
# a title, an initial, an acronym or a web address inside a name: "Sen.", "R.", "U.S.", "F.A.A.", "Factcheck.org"
_NAME_WITH_STOPS = re.compile(
    r"^(?:[A-Z][a-z]{0,4}\.)+$|^(?:[A-Z]\.){2,}[A-Za-z]?$|^[A-Za-z][\w-]*\.(?:com|org|net|gov|edu)$"
)
# what a number word's text can be (Lexicon.number_form)
_FORM_YEAR, _FORM_CLOCK, _FORM_HOUR, _FORM_DECADE, _FORM_DAY, _FORM_DIGITS, _FORM_ATTACHED_SCALE = (
    1, 2, 4, 8, 16, 32, 64
)


class PatternError(ValueError):
    """A problem in a patterns file, as one line naming the file and line."""


@dataclass(frozen=True)
class Pattern:
    label: str
    pattern: str | list[dict[str, Any]]
    where: str


def read_patterns(path: Path | str | None = None) -> list[Pattern]:
    """The patterns of a SpanRuler-format JSONL file (the built-in file by default)."""
    path = Path(path) if path is not None else PATTERNS_PATH
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise PatternError(f"{path}: cannot read patterns ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise PatternError(f"{path}: not UTF-8 text") from None
    patterns = []
    for number, line in enumerate(lines, start=1):
        where = f"{path}:{number}"
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise PatternError(f"{where}: not JSON ({error.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("label"), str) or not item["label"]:
            raise PatternError(f'{where}: each line needs "label" and "pattern"')
        pattern = item.get("pattern")
        if isinstance(pattern, str):
            if not pattern.strip():
                raise PatternError(f"{where}: the phrase pattern is empty")
        elif not (isinstance(pattern, list) and pattern and all(isinstance(t, dict) for t in pattern)):
            raise PatternError(f'{where}: "pattern" must be a phrase or a list of token patterns')
        label = item["label"]
        if label.isupper() and label not in CATEGORIES:
            raise PatternError(f"{where}: unknown word class {label!r} (classes: {', '.join(sorted(CATEGORIES))})")
        patterns.append(Pattern(label, pattern, where))
    return patterns


def literal_expansions(pattern: list[dict[str, Any]]) -> tuple[str, list[list[str]]] | None:
    """A literal token pattern as (attr, every token sequence it matches); None otherwise."""
    attr = None
    choices: list[list[str | None]] = []
    for spec in pattern:
        keys = set(spec) - {"OP"}
        op = spec.get("OP")
        if len(keys) != 1 or op not in (None, "?"):
            return None
        (key,) = keys
        spec_attr = _LITERAL_ATTRS.get(key.upper())
        if spec_attr is None or attr not in (None, spec_attr):
            return None
        attr = spec_attr
        value = spec[key]
        if isinstance(value, str):
            options: list[str | None] = [value]
        elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list):
            options = [str(v) for v in value["IN"]]
        else:
            return None
        if attr == "LOWER":
            options = [o.lower() for o in options if o is not None]
        if op == "?":
            options.append(None)
        choices.append(list(dict.fromkeys(options)))
    total = 1
    for options in choices:
        total *= len(options)
    if attr is None or total > _MAX_EXPANSIONS:
        return None
    sequences = [[w for w in combo if w is not None] for combo in itertools.product(*choices)]
    return attr, [s for s in sequences if s]


class Lexicon:
    """Compiled patterns: one-token entries as hash tables, longer literal ones
    in PhraseMatchers, the rest in a Matcher."""

    def __init__(self, nlp: Language, patterns: Iterable[Pattern]) -> None:
        self.vocab = nlp.vocab
        single: dict[str, dict[str, set[str]]] = {"LOWER": {}, "ORTH": {}}
        stop: dict[str, set[str]] = {"LOWER": set(), "ORTH": set()}
        self.phrases = {
            "LOWER": PhraseMatcher(nlp.vocab, attr="LOWER"),
            "ORTH": PhraseMatcher(nlp.vocab, attr="ORTH"),
        }
        self.matcher: Matcher | None = None
        for item in patterns:
            if isinstance(item.pattern, str):
                words = [t.text for t in nlp.make_doc(item.pattern) if not t.is_space]
                expanded: tuple[str, list[list[str]]] | None = ("LOWER", [[w.lower() for w in words]])
            else:
                expanded = literal_expansions(item.pattern)
            if expanded is None:
                if self.matcher is None:
                    self.matcher = Matcher(nlp.vocab, validate=True)
                try:
                    self.matcher.add(item.label, [item.pattern])
                except (ValueError, KeyError, TypeError) as error:
                    # spaCy's message names the rule, then lists each problem on a "- " line
                    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
                    problems = [line[2:] for line in lines if line.startswith("- ")] or lines[:1]
                    raise PatternError(f"{item.where}: invalid token pattern: {'; '.join(problems)}") from None
                continue
            attr, sequences = expanded
            docs = []
            for words in sequences:
                if len(words) > 1:
                    docs.append(Doc(nlp.vocab, words=words))
                elif item.label == "STOP":
                    stop[attr].add(words[0])
                else:
                    single[attr].setdefault(words[0], set()).add(item.label)
            if docs:
                self.phrases[attr].add(item.label, docs)
        # the sentencizer's sentence-final punctuation, and the question mark
        for mark in Sentencizer.default_punct_chars:
            single["ORTH"].setdefault(mark, set()).add(_SENTENCE_END)
        for mark in DOUBLE_QUOTES:
            single["ORTH"].setdefault(mark, set()).add(_QUOTE)
        single["ORTH"].setdefault("?", set()).add(_QUESTION)
        # tokens share these label sets, so they are frozen
        self._lower_classes = {key: frozenset(labels) for key, labels in single["LOWER"].items()}
        self._orth_classes = {key: frozenset(labels) for key, labels in single["ORTH"].items()}
        self._stop_lower = frozenset(stop["LOWER"])
        self._stop_orth = frozenset(stop["ORTH"])
        self.bits_of: dict[frozenset[str], tuple[int, ...]] = {}
        """The anchor bits of each set of word classes."""
        # What each word (by ORTH hash) is to the grammar, worked out the first
        # time it is seen: a corpus has few distinct words, so a document costs
        # a few set lookups per token.
        self.plain: set[int] = set()
        """The words learnt so far that have no word class and no telling shape."""
        self.classes_of: dict[int, frozenset[str]] = {}
        """The word classes of the words that have one."""
        self.marks: dict[int, tuple[int, ...]] = {}
        """The anchor bits (and shape bits) of the words where a rule can start."""
        self.stops: set[int] = set()
        """Words that end a counted noun or a source's noun phrase."""
        self.text_of: dict[int, str] = {}
        self.lower_of: dict[int, str] = {}
        """Each word's lower case (spaCy's LOWER is ``str.lower``)."""
        self._punct: dict[int, bool] = {}
        self._name_words: dict[int, bool] = {}
        self._forms: dict[int, int] = {}

    def learn(self, orth: int) -> None:
        """Work out a word's classes, its anchor bits and its shape bits
        (a number: a digit in its shape; a number a date can hold: "dddd",
        "dd:dd", "ddxx"; a line break)."""
        word = self.text_of[orth] = self.vocab.strings[orth]
        lower = self.lower_of[orth] = word.lower()
        labels = self._lower_classes.get(lower, _EMPTY) | self._orth_classes.get(word, _EMPTY)
        if lower in self._stop_lower or word in self._stop_orth:
            self.stops.add(orth)
        marks = self.bits(labels) if labels else ()
        if labels:
            self.classes_of[orth] = labels
        # spaCy's SHAPE writes "d" for each character that isdigit()
        if any(map(str.isdigit, word)):
            marks += (_SHAPE_NUMBER,)
            if _DATE_SHAPE.match(word_shape(word)):
                marks += (_SHAPE_DATE,)
        if "\n" in word:
            marks += (_SHAPE_NEWLINE,)
        if marks:
            self.marks[orth] = marks
        elif not labels:
            self.plain.add(orth)

    def number_form(self, orth: int) -> int:
        """What a number word can be, as _FORM_* bits (the regexes run once per word)."""
        form = self._forms.get(orth)
        if form is None:
            word = self.text_of[orth]
            form = self._forms[orth] = (
                _FORM_YEAR * bool(_YEAR.match(word))
                | _FORM_CLOCK * bool(_CLOCK.match(word))
                | _FORM_HOUR * bool(_HOUR.match(word))
                | _FORM_DECADE * bool(_DECADE.match(word))
                | _FORM_DAY * bool(_DAY_NUMBER.match(word))
                | _FORM_DIGITS * bool(_DIGIT_NUMBER.match(word))
                | _FORM_ATTACHED_SCALE * bool(_ATTACHED_SCALE.match(self.lower_of[orth]))
            )
        return form

    def bits(self, labels: frozenset[str]) -> tuple[int, ...]:
        """The anchor bits of a set of word classes."""
        bits = self.bits_of.get(labels)
        if bits is None:
            mask = _mask(labels)
            bits = self.bits_of[labels] = tuple(bit for bit in _BITS if mask & bit)
        return bits

    def name_word(self, orth: int) -> bool:
        """A word with full stops that can be part of a name ("Sen.", "U.S.", "Factcheck.org")."""
        known = self._name_words.get(orth)
        if known is None:
            known = self._name_words[orth] = bool(_NAME_WITH_STOPS.match(self.text_of[orth]))
        return known

    def is_punct(self, orth: int) -> bool:
        punct = self._punct.get(orth)
        if punct is None:
            punct = self._punct[orth] = self.vocab[orth].is_punct
        return punct

    def hits(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(label, start, end) of every multi-token match."""
        strings = self.vocab.strings
        found = []
        for matcher in self.phrases.values():
            if len(matcher):
                found.extend((strings[key], start, end) for key, start, end in matcher(doc))
        if self.matcher is not None:
            found.extend((strings[key], start, end) for key, start, end in self.matcher(doc))
        return found


_DATE_SHAPE = re.compile(r"^(?:d{1,2}(?:xx)?|dddd|d{1,2}[:.]dd(?:xx)?|ddddx|x{3,5}-dddd|d{1,2}x{2})$")


# bits of a token's word classes: where a rule of each kind can start
_BIT_DATE, _BIT_FIGURE, _BIT_CUE, _BIT_AGO, _BIT_DIRECT, _BIT_END, _BIT_QUESTION, _BIT_NUMBER = (
    1, 2, 4, 8, 16, 32, 64, 128
)
_BIT_QUOTE = 2048
_BITS = (_BIT_DATE, _BIT_FIGURE, _BIT_CUE, _BIT_AGO, _BIT_DIRECT, _BIT_END, _BIT_QUESTION, _BIT_NUMBER, _BIT_QUOTE)
# bits of a token's shape: a number, a number a date can hold, a line break
_SHAPE_NUMBER, _SHAPE_DATE, _SHAPE_NEWLINE = 256, 512, 1024
_ALL_BITS = _BITS + (_SHAPE_NUMBER, _SHAPE_DATE, _SHAPE_NEWLINE)
# word classes the grammar adds for itself
_SENTENCE_END = "_SENTENCE_END"
_QUESTION = "_QUESTION"
_QUOTE = "_QUOTE"
_INTERNAL = frozenset({_SENTENCE_END, _QUESTION, _QUOTE})
_DATE_STARTS = frozenset({"MONTH", "WEEKDAY", "DATE_WORD", "DATE_MODIFIER", "PERIOD"})
_FIGURE_STARTS = frozenset({"NUMBER", "VAGUE", "MULTIPLIER", "FRACTION"})
_CUES = frozenset({"SOURCE_BEFORE", "SOURCE_AFTER"})


def _mask(labels: frozenset[str]) -> int:
    mask = 0
    if not labels.isdisjoint(_DATE_STARTS):
        mask |= _BIT_DATE
    if not labels.isdisjoint(_FIGURE_STARTS):
        mask |= _BIT_FIGURE
    if not labels.isdisjoint(_CUES):
        mask |= _BIT_CUE
    if "AGO" in labels:
        mask |= _BIT_AGO
    if "NUMBER" in labels:
        mask |= _BIT_NUMBER
    if _SENTENCE_END in labels:
        mask |= _BIT_END
    if _QUOTE in labels:
        mask |= _BIT_QUOTE
    if _QUESTION in labels:
        mask |= _BIT_QUESTION
    if any(label not in CATEGORIES and label not in _INTERNAL for label in labels):
        mask |= _BIT_DIRECT
    return mask


class _Tokens:
    """A read-only view of one document's tokens for the grammar.

    The Doc is read once with ``Doc.to_array``; each token's word is looked
    up in the lexicon's per-word table (one set lookup for most), and its
    text only where a rule looks (creating Token objects, or even reading
    ``doc.text``, would cost more than tokenizing).
    """

    __slots__ = ("n", "orths", "idx", "spaces", "text_of", "lows", "numbers", "classes", "stops",
                 "anchors", "newlines", "openers", "sentences", "_kinds", "_lexicon")

    def __init__(self, doc: Doc, lexicon: Lexicon) -> None:
        self.n = len(doc)
        self._lexicon = lexicon
        array = doc.to_array([ORTH, IDX, SPACY])
        self.orths = orths = array[:, 0].tolist()
        self.idx = array[:, 1].tolist()
        self.spaces = array[:, 2].tolist()
        self.stops = lexicon.stops
        self._kinds: dict[int, str | None] = {}
        # word classes and anchors of the tokens that have some (a word seen
        # for the first time is learnt here)
        plain = lexicon.plain
        classes_of = lexicon.classes_of
        marks = lexicon.marks
        classes: dict[int, frozenset[str]] = {}
        anchors: dict[int, list[int]] = {bit: [] for bit in _ALL_BITS}
        for i in [i for i, orth in enumerate(orths) if orth not in plain]:
            orth = orths[i]
            labels = classes_of.get(orth)
            if labels is None and orth not in marks:
                lexicon.learn(orth)
                if orth in plain:
                    continue
                labels = classes_of.get(orth)
            if labels is not None:
                classes[i] = labels
            for bit in marks.get(orth, ()):
                anchors[bit].append(i)
        self.classes = classes
        # every word is known now
        self.text_of = lexicon.text_of
        lower_of = lexicon.lower_of
        # two blanks after the words: lows[i] is lower(i) for -2 <= i <= n + 1
        self.lows = [lower_of[orth] for orth in orths]
        self.lows += ("", "")
        # multi-token matches add their class to each of their tokens
        added: set[int] = set()
        for label, start, end in lexicon.hits(doc):
            for i in range(start, end):
                labels = classes.get(i, _EMPTY)
                if label not in labels:
                    classes[i] = more = labels | {label}
                    before = lexicon.bits(labels) if labels else ()
                    for bit in lexicon.bits(more):
                        if bit not in before:
                            anchors[bit].append(i)
                            added.add(bit)
        for bit in added:
            anchors[bit].sort()
        numbers = set(anchors[_SHAPE_NUMBER]).union(anchors[_BIT_NUMBER])
        self.numbers = numbers
        anchors[_BIT_DATE] = sorted(set(anchors[_BIT_DATE]).union(anchors[_SHAPE_DATE]))
        anchors[_BIT_FIGURE] = sorted(numbers.union(anchors[_BIT_FIGURE]))
        self.newlines = anchors[_SHAPE_NEWLINE]
        self.anchors = anchors
        self.sentences: list[tuple[int, int]] = []
        self.openers: set[int] = set()
        """The first token of each sentence."""

    def word(self, i: int) -> str:
        return self.text_of[self.orths[i]]

    def lower(self, i: int) -> str:
        """The lower-case word at i (spaCy's LOWER); "" outside the document."""
        return self.lows[i] if 0 <= i < self.n else ""

    def cats(self, i: int) -> frozenset[str]:
        return self.classes.get(i, _EMPTY)

    def has(self, i: int, category: str) -> bool:
        return category in self.classes.get(i, _EMPTY)

    def stop(self, i: int) -> bool:
        return self.orths[i] in self.stops

    def num(self, i: int) -> bool:
        return i in self.numbers

    def form(self, i: int) -> int:
        """The _FORM_* bits of the number word at i."""
        return self._lexicon.number_form(self.orths[i])

    # spaCy's IS_TITLE, IS_ALPHA, IS_SPACE and IS_LOWER are these str methods
    def title(self, i: int) -> bool:
        return 0 <= i < self.n and self.word(i).istitle()

    def alpha(self, i: int) -> bool:
        return 0 <= i < self.n and self.word(i).isalpha()

    def is_lower(self, i: int) -> bool:
        return self.word(i).islower()

    def joined(self, i: int) -> bool:
        """No whitespace between token i and the next."""
        return 0 <= i < self.n and not self.spaces[i]

    def text(self, start: int, end: int) -> str:
        """The text of tokens [start, end), as the document has it."""
        parts = []
        for k in range(start, end):
            parts.append(self.word(k))
            if k + 1 < end and self.spaces[k]:
                parts.append(" ")
        return "".join(parts)


class RedlineRules:
    """The spaCy component: sets sentences and puts figure, date, source and
    claim spans in ``doc.spans["redline"]``."""

    def __init__(self, nlp: Language, name: str = COMPONENT, patterns: str | None = None) -> None:
        self.name = name
        self.patterns_path = Path(patterns) if patterns else PATTERNS_PATH
        self.lexicon = Lexicon(nlp, read_patterns(self.patterns_path))
        self.label_hashes = _LabelHashes(nlp.vocab.strings)

    def __call__(self, doc: Doc) -> Doc:
        tokens, found = suggest_spans(doc, self.lexicon)
        if tokens is not None:
            _set_sentences(doc, tokens.sentences)
        labels = self.label_hashes
        doc.spans[SPANS_KEY] = SpanGroup(
            doc, name=SPANS_KEY, spans=[Span(doc, start, end, label=labels[label]) for label, start, end in found]
        )
        return doc

    def char_spans(self, doc: Doc) -> list[tuple[str, int, int]]:
        """The suggestions as (label, start_char, end_char), without touching the doc:
        what ``redline suggest`` stores, computed without building Span objects."""
        tokens, found = suggest_spans(doc, self.lexicon)
        if tokens is None:
            return []
        idx, orths, text_of = tokens.idx, tokens.orths, tokens.text_of
        return [(label, idx[start], idx[end - 1] + len(text_of[orths[end - 1]])) for label, start, end in found]


class _LabelHashes(dict):  # type: ignore[type-arg]
    """Label name to string-store hash, filled on first use."""

    def __init__(self, strings: Any) -> None:
        super().__init__()
        self.strings = strings

    def __missing__(self, label: str) -> int:
        value = self[label] = self.strings.add(label)
        return value


@Language.factory(COMPONENT, default_config={"patterns": None})
def _make_rules(nlp: Language, name: str, patterns: str | None) -> RedlineRules:
    return RedlineRules(nlp, name, patterns)


def build_pipeline(patterns: Path | str | None = None) -> Language:
    """spaCy's blank English pipeline with the rules (which set sentences too).

    Its tokenizer is the one import uses (``annotations.nlp.news_english``),
    so suggestions fall on the token boundaries stored with each document.
    """
    from annotations.nlp import news_english

    nlp = news_english()
    nlp.add_pipe(COMPONENT, config={"patterns": None if patterns is None else str(patterns)})
    return nlp


# -- the grammar --------------------------------------------------------------


def suggest_spans(doc: Doc, lexicon: Lexicon) -> tuple[_Tokens | None, list[tuple[str, int, int]]]:
    """(label, start, end) token ranges of the suggestions in ``doc``, end
    exclusive, with the token view they were read from."""
    if not len(doc):
        return None, []
    tokens = _Tokens(doc, lexicon)
    taken = [False] * tokens.n
    spans: list[tuple[str, int, int]] = []
    # the user's own spans first: the grammar does not overlap them
    for label, start, end in _direct_spans(tokens):
        if label in ("figure", "date", "source") and not _take(taken, start, end):
            continue
        spans.append((label, start, end))
    sentences = tokens.sentences = _sentences(tokens)
    tokens.openers = {start for start, _ in sentences}
    spans.extend(_dates(tokens, taken))
    sources, attributed = _sources(tokens, taken, sentences)
    spans.extend(sources)
    spans.extend(_figures(tokens, taken))
    spans.extend(_claims(tokens, sentences, spans, attributed))
    return tokens, spans


def _direct_spans(tokens: _Tokens) -> list[tuple[str, int, int]]:
    """Runs of tokens matched by patterns labelled with a label of the database."""
    found: list[tuple[str, int, int]] = []
    for i in tokens.anchors[_BIT_DIRECT]:
        for label in sorted(tokens.cats(i) - CATEGORIES - _INTERNAL):
            if found and found[-1][0] == label and found[-1][2] == i:
                found[-1] = (label, found[-1][1], i + 1)
            else:
                found.append((label, i, i + 1))
    return found


def _take(taken: list[bool], start: int, end: int) -> bool:
    """Mark tokens [start, end) as used by a span, unless one of them already is."""
    if True in taken[start:end]:
        return False
    taken[start:end] = [True] * (end - start)
    return True


# -- sentences ----------------------------------------------------------------


def _sentences(tokens: _Tokens) -> list[tuple[int, int]]:
    """Sentences as token ranges [start, end), trimmed of whitespace.

    spaCy's sentencizer rule (a sentence starts at the first word after
    ". ! ?" and their kin), plus a line break, with an opening quote moved to
    the sentence it opens, and a quoted question or exclamation kept with its
    tag ("…?" she asked.).
    """
    n = tokens.n
    orths = tokens.orths
    text_of = tokens.text_of
    spaces = tokens.spaces
    is_punct = tokens._lexicon.is_punct
    starts = [0]
    for p in tokens.anchors[_BIT_END]:
        if p < starts[-1]:
            continue
        k = p + 1
        while k < n and is_punct(orths[k]):
            k += 1
        if k < n:
            starts.append(k)
    newlines = tokens.newlines
    starts.extend(i + 1 for i in newlines if i + 1 < n)
    for k, start in enumerate(starts):
        # an opening quote (joined to the word after it, not to the one before) opens the sentence
        while start > 0 and text_of[orths[start - 1]] in QUOTES and not spaces[start - 1] and (
            start - 1 == 0 or spaces[start - 2]
        ):
            start -= 1
        starts[k] = start
    starts = sorted(set(starts))
    sentences: list[tuple[int, int]] = []
    last = len(starts) - 1
    for k, start in enumerate(starts):
        end = starts[k + 1] if k < last else n
        while start < end and text_of[orths[start]].isspace():
            start += 1
        while end > start and text_of[orths[end - 1]].isspace():
            end -= 1
        if start >= end:
            continue
        if sentences and text_of[orths[start]].islower():
            previous_start, previous_end = sentences[-1]
            if not any(previous_end <= i < start for i in newlines):
                sentences[-1] = (previous_start, end)
                continue
        sentences.append((start, end))
    return sentences


def _set_sentences(doc: Doc, sentences: list[tuple[int, int]]) -> None:
    """Record the sentence boundaries on the doc, so that ``doc.sents`` works."""
    flags = numpy.full((len(doc), 1), numpy.iinfo("uint64").max, dtype="uint64")  # -1: not a start
    flags[0, 0] = 1
    for start, _ in sentences:
        flags[start, 0] = 1
    doc.from_array([SENT_START], flags)


# -- dates --------------------------------------------------------------------

_DATE_HEADS = frozenset({"MONTH", "WEEKDAY", "DATE_WORD", "PERIOD", "YEAR", "DECADE", "TIME"})
_ALWAYS_READ = frozenset({"MONTH", "WEEKDAY", "YEAR", "DECADE"})
_DATE_KINDS = ("MONTH", "WEEKDAY", "DATE_WORD", "PERIOD", "DATE_MODIFIER", "PART_OF_DAY", "TIME_MARK")
_NEEDS_OF = frozenset({"end", "start", "beginning", "middle"})
_COMMON_DATE_WORDS = frozenset({"today", "tonight", "yesterday", "tomorrow", "noon", "midday", "midnight"})
_MONTH_PREPOSITIONS = frozenset(
    "in on since until till by from of before after during through to and or between early mid late last next"
    " this".split()
)


def _date_kind(tokens: _Tokens, i: int) -> str | None:
    """What token i can be inside a date, or None."""
    kinds = tokens._kinds
    if i in kinds:
        return kinds[i]
    kind = kinds[i] = _date_kind_of(tokens, i)
    return kind


def _date_kind_of(tokens: _Tokens, i: int) -> str | None:
    if i >= tokens.n:
        return None
    cats = tokens.classes.get(i)
    if cats:
        kind = _first_date_kind(cats)
        if kind is not None:
            word = tokens.lows[i]
            if kind == "MONTH" and word == "may" and not _may_is_month(tokens, i):
                return None
            if kind == "MONTH" and _after_a_first_name(tokens, i):
                return None  # "Jill June": a surname
            if kind == "PERIOD" and word == "fall" and not _fall_is_season(tokens, i):
                return None  # "the fall in prices", "prices fall"
            if kind == "DATE_MODIFIER" and word in _NEEDS_OF and tokens.lower(i + 1) != "of":
                return None  # "the year beginning July 1": not "beginning July"
            if kind == "DATE_WORD" and word in _COMMON_DATE_WORDS and tokens.title(i) and tokens.alpha(i - 1):
                return None  # "Estravia Today": a name
            return kind
    if i in tokens.numbers:
        form = tokens.form(i)
        if form & _FORM_YEAR:
            return "YEAR"
        if form & _FORM_CLOCK:
            return "TIME"
        if form & _FORM_HOUR and tokens.has(i + 1, "TIME_MARK"):
            return "TIME"
        if form & _FORM_DECADE:
            return "DECADE"
        if form & _FORM_DAY and (tokens.has(i - 1, "MONTH") or tokens.has(i + 1, "MONTH")):
            return "DAY"
    return None


_FIRST_DATE_KINDS: dict[frozenset[str], str | None] = {}


def _first_date_kind(cats: frozenset[str]) -> str | None:
    """The first of _DATE_KINDS among a token's classes, or None."""
    try:
        return _FIRST_DATE_KINDS[cats]
    except KeyError:
        kind = _FIRST_DATE_KINDS[cats] = next((kind for kind in _DATE_KINDS if kind in cats), None)
        return kind


def _after_a_first_name(tokens: _Tokens, i: int) -> bool:
    """A month after a capitalised word with no date meaning, and no day after it: a name."""
    before = i - 1
    return (
        before >= 0 and tokens.title(before) and tokens.alpha(before) and before not in tokens.openers
        and not tokens.classes.get(before) and not tokens.num(i + 1)
    )


def _fall_is_season(tokens: _Tokens, i: int) -> bool:
    """"fall" the season: "last fall", "the fall of 2015", "in the fall."; not "prices fall"."""
    before = tokens.lower(i - 1)
    if before in ("this", "last", "next", "early", "late", "mid"):
        return True
    if tokens.lower(i + 1) == "of" and i + 2 in tokens.numbers and tokens.form(i + 2) & _FORM_YEAR:
        return True
    return before == "the" and tokens.lower(i - 2) in ("in", "by", "until", "since", "during", "through") and (
        i + 1 >= tokens.n or not tokens.alpha(i + 1)
    )


def _may_is_month(tokens: _Tokens, i: int) -> bool:
    """"May" the month, not the verb or a name: a number, a preposition or a date word next to it."""
    before = tokens.lower(i - 1)
    if tokens.num(i + 1):
        return True
    return before in _MONTH_PREPOSITIONS or tokens.num(i - 1)


def _dates(tokens: _Tokens, taken: list[bool]) -> list[tuple[str, int, int]]:
    lows = tokens.lows
    get = tokens.classes.get
    found = []
    for ago in tokens.anchors[_BIT_AGO]:
        # "two weeks ago", "a year ago"
        start = ago - 2
        if start >= 0 and "AGO_UNIT" in get(ago - 1, _EMPTY) and (
            tokens.num(start) or "NUMBER" in get(start, _EMPTY) or lows[start] in ("a", "an", "several")
        ) and _take(taken, start, ago + 1):
            found.append(("date", start, ago + 1))
    resume = 0
    for i in tokens.anchors[_BIT_DATE]:
        if i < resume or taken[i]:
            continue
        kind = _date_kind(tokens, i)
        if kind is None or kind == "TIME_MARK":
            continue
        span = _best_date(tokens, _date_atoms(tokens, i, kind, taken))
        if span is not None and _take(taken, *span):
            found.append(("date", *span))
            resume = span[1]
    return found


def _date_atoms(tokens: _Tokens, i: int, kind: str, taken: list[bool]) -> list[tuple[int, str]]:
    """The run of date words from token i, with the words that join them."""
    lows = tokens.lows
    n = tokens.n
    atoms = [(i, kind)]
    j = i + 1
    while j < n and not taken[j]:
        kind = _date_kind(tokens, j)
        if kind is not None:
            if kind == "TIME_MARK" and atoms[-1][1] != "TIME":
                break
            atoms.append((j, kind))
            j += 1
            continue
        word = lows[j]
        following = _date_kind(tokens, j + 1)
        last = atoms[-1][1]
        # "end of the year", "second half of 2026", "mid-November", "March 14, 2025", "Friday, May 9"
        joins = (
            word in ("of", "the") and following in ("PERIOD", "YEAR", "MONTH", "DATE_MODIFIER")
            or word == "of" and following is None and lows[j + 1] == "the"
            and _date_kind(tokens, j + 2) in ("PERIOD", "YEAR", "MONTH")
            or word == "-" and last == "DATE_MODIFIER" and following in ("MONTH", "YEAR") and tokens.joined(j - 1)
            or word == "," and following == "YEAR" and last in ("DAY", "MONTH")
            or word == "," and last == "WEEKDAY" and following in ("MONTH", "DAY")
        )
        if not joins:
            break
        atoms.append((j, "CONNECTOR"))
        j += 1
    return atoms


def _best_date(tokens: _Tokens, atoms: list[tuple[int, str]]) -> tuple[int, int] | None:
    """The longest run of atoms that normalise can read, leftmost first."""
    count = len(atoms)
    for size in range(count, 0, -1):
        for first in range(0, count - size + 1):
            part = atoms[first:first + size]
            if part[0][1] in ("CONNECTOR", "TIME_MARK", "PART_OF_DAY") or part[-1][1] in ("CONNECTOR",
                                                                                        "DATE_MODIFIER"):
                continue
            if not any(kind in _DATE_HEADS for _, kind in part):
                continue
            start, end = part[0][0], part[-1][0] + 1
            if size == 1 and part[0][1] in _ALWAYS_READ:
                return start, end  # "Monday", "2024", "9:30": no need to ask normalise
            if readable_date(tokens.text(start, end)):
                return start, end
    return None


# -- figures ------------------------------------------------------------------


def _figures(tokens: _Tokens, taken: list[bool]) -> list[tuple[str, int, int]]:
    found = []
    resume = 0
    lows = tokens.lows
    classes = tokens.classes
    for i in tokens.anchors[_BIT_FIGURE]:
        if i < resume or taken[i]:
            continue
        if lows[i - 1] in ("a", "an") and not classes.get(i, _EMPTY).isdisjoint(("MULTIPLIER", "FRACTION")):
            i -= 1  # "a dozen", "a quarter"
        span = _figure_at(tokens, i, taken)
        if span is not None and _take(taken, *span):
            found.append(("figure", *span))
            resume = span[1]
    return found


def _is_digits(tokens: _Tokens, i: int) -> bool:
    return i in tokens.numbers and bool(tokens.form(i) & _FORM_DIGITS)


def _number_core(tokens: _Tokens, i: int) -> tuple[int, int, str] | None:
    """The number starting at token i as (start, end, kind); kind is
    "digits", "words", "fraction" or "vague"."""
    # the hottest path of the figures: token lookups are inlined (tokens.lows[k] is tokens.lower(k))
    n = tokens.n
    lows = tokens.lows
    get = tokens.classes.get
    word = lows[i]
    cats = get(i, _EMPTY)
    if "VAGUE" in cats:
        end = i + 1
        while "VAGUE" in get(end, _EMPTY):
            end += 1
        return i, end, "vague"
    if word in ("a", "an"):
        following = lows[i + 1]
        if following in ("dozen", "hundred", "thousand", "million", "billion", "trillion"):
            start, end, kind = i, i + 1, "words"
        elif "FRACTION" in get(i + 1, _EMPTY) and following not in ("half", "halves"):
            if tokens.alpha(i + 2) and lows[i + 2] not in _AFTER_A_FRACTION:
                return None  # "a third party", "a fourth term": an ordinal
            return i, i + 2, "fraction"
        else:
            return None
    elif _is_digits(tokens, i):
        start, end, kind = i, i + 1, "digits"
        if tokens.form(i) & _FORM_ATTACHED_SCALE:
            return start, end, kind
        if lows[i + 1] in ("in", "out"):
            fraction = _proportion(tokens, i)
            if fraction is not None:
                return fraction  # "3 in 10"
    elif "NUMBER" in cats:
        start, end, kind = i, i + 1, "words"
        following = lows[i + 1]
        if word == "one" and lows[i - 1] == "no":
            return None  # "no one": a pronoun
        if following in ("in", "out"):
            fraction = _proportion(tokens, i)
            if fraction is not None:
                return fraction
        if following == "-" and "FRACTION" in get(i + 2, _EMPTY) and tokens.joined(i) and tokens.joined(i + 1):
            return i, i + 3, "fraction"  # "two-thirds"
        if "FRACTION" in get(i + 1, _EMPTY) and following.endswith("s"):
            return i, i + 2, "fraction"  # "three quarters"
    elif word in ("hundred", "thousand", "dozen") and "QUALIFIER" in get(i - 1, _EMPTY):
        start, end, kind = i, i + 1, "words"  # "several hundred"
    elif word == "half" and ("QUALIFIER" in get(i - 1, _EMPTY) or lows[i + 1] == "of"):
        return i, i + 1, "fraction"  # "nearly half", "half of all income"
    else:
        return None
    # more number words and multipliers: "twenty-five", "one hundred and twenty", "4.6 million", "190m"
    while end < n:
        following = lows[end]
        cats = get(end, _EMPTY)
        if "MULTIPLIER" in cats:
            if following in ("m", "k") and not (kind == "digits" and tokens.joined(end - 1)):
                break
            end += 1
        elif kind != "words":
            break
        elif "NUMBER" in cats:
            end += 1
        elif following == "-" and tokens.joined(end - 1) and "NUMBER" in get(end + 1, _EMPTY):
            end += 2
        elif following == "and" and lows[end - 1] == "hundred" and "NUMBER" in get(end + 1, _EMPTY):
            end += 2
        else:
            break
    return start, end, kind


# words after "a third" and the like that show it is a fraction ("a third of", "a fifth more")
_AFTER_A_FRACTION = frozenset("of more less fewer to in on at and or since from as than over by for with".split())


def _proportion(tokens: _Tokens, i: int) -> tuple[int, int, str] | None:
    """"one in five", "3 in 10", "two out of three": a number in or out of a larger one."""
    lows = tokens.lows
    k = i + 2 if lows[i + 1] == "in" else i + 3
    if lows[i + 1] == "out" and lows[i + 2] != "of":
        return None
    if k >= tokens.n:
        return None
    if "NUMBER" in tokens.classes.get(k, _EMPTY) or (_is_digits(tokens, k) and not tokens.form(k) & _FORM_YEAR):
        first, second = _small_value(tokens, i), _small_value(tokens, k)
        if first is not None and second is not None and first < second:
            return i, k + 1, "fraction"
    return None


_WORD_VALUES = {word: value for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
    " seventeen eighteen nineteen twenty".split()
)} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def _small_value(tokens: _Tokens, i: int) -> float | None:
    """The value of the one-token number at i ("five", "10"), or None."""
    word = tokens.lows[i]
    if word in _WORD_VALUES:
        return _WORD_VALUES[word]
    try:
        return float(word.replace(",", ""))
    except ValueError:
        return None


def _figure_at(tokens: _Tokens, i: int, taken: list[bool]) -> tuple[int, int] | None:
    """The figure whose number starts at token i, as a token range, or None."""
    lows = tokens.lows
    get = tokens.classes.get
    core = _number_core(tokens, i)
    if core is None:
        return None
    start, end, kind = core
    n = tokens.n
    if True in taken[start:end]:
        return None
    if kind != "vague" and "NOT_FIGURE" in get(end, _EMPTY):
        return None
    first = lows[start]
    needs_unit = False
    if start > 0 and kind == "digits":
        before = start - 1
        previous = tokens.word(before)
        # a number named by what precedes it ("Terminal 3", "Phase 3") must count something
        if tokens.title(before) and before not in tokens.openers and not (
            "CURRENCY" in get(before, _EMPTY) or "QUALIFIER" in get(before, _EMPTY)
        ):
            needs_unit = True
        # an age between commas after a name: "Hale, 47,"
        if previous == "," and tokens.title(before - 1) and end < n and tokens.word(end) == ",":
            return None
        # part of an identifier: "A-4", "F-35", "No. 2" (a range or a score, "3-4%", "52-48", is two figures)
        if previous in ("-", "/") and tokens.joined(before) and not tokens.num(before - 1):
            return None
        if previous in ("#", "No.", "no.") or previous == "." and tokens.word(before - 1) in ("No", "no", "Nos"):
            return None
        # an age: "at age 94", "aged 60"
        if previous in ("age", "aged", "ages"):
            return None
    # a list's numbering: "11. Rick Santorum", "2) the second point"
    if kind == "digits" and start in tokens.openers and end < n and tokens.word(end) in (".", ")") and (
        tokens.joined(start) and (end + 1 >= n or not tokens.num(end + 1))
    ):
        return None
    # left: the currency, then the qualifier
    left = start
    currency = False
    if "CURRENCY" in get(left - 1, _EMPTY) and not taken[left - 1]:
        left -= 1
        currency = True
    qualifier_start = left
    k = left - 1
    while k >= 0 and "QUALIFIER" in get(k, _EMPTY) and not taken[k]:
        k -= 1
    if k + 1 < left and lows[k + 1] not in ("to", "than", "least", "most", "of", "many", "much"):
        qualifier_start = k + 1  # a qualifier phrase is whole: "up to", not "to"
    # right: a unit, money, a multiple, a hyphenated adjective or a counted noun
    right = end
    has_unit = True
    if kind == "vague":
        noun_end = _counted_noun(tokens, right + 1, plural_only=True) if lows[right] == "of" else None
        right = noun_end or right
    elif kind == "fraction":
        pass
    elif "UNIT" in get(right, _EMPTY):
        while "UNIT" in get(right, _EMPTY):
            right += 1
        right = _rate(tokens, right)
    elif currency:
        right = _rate(tokens, right)
    elif "CURRENCY_WORD" in get(right, _EMPTY):
        while "CURRENCY_WORD" in get(right, _EMPTY):
            right += 1
        right = _rate(tokens, right)
    elif "CURRENCY" in get(right, _EMPTY) and kind == "digits" and tokens.word(right).isupper():
        right += 1  # "5 million EUR"
    elif "TIMES" in get(right, _EMPTY):
        right += 1
    elif tokens.word(right) == "-" if right < n else False:
        if tokens.joined(right - 1) and tokens.joined(right) and tokens.alpha(right + 1):
            right += 2  # "19-day", "151-seat"
            while right + 1 < n and tokens.word(right) == "-" and tokens.joined(right - 1) and tokens.joined(
                right
            ) and tokens.alpha(right + 1) and lows[right + 1] != "old":
                right += 2  # "5,125-square-foot"
        else:
            has_unit = False
    else:
        noun_end = _counted_noun(tokens, right, plural_only=first not in _ONE)
        has_unit = noun_end is not None
        if noun_end is not None:
            right = _rate(tokens, noun_end, time_only=True)
    if needs_unit and not has_unit:
        return None
    if not has_unit and kind == "words" and first == "one" and end - start == 1:
        return None  # the pronoun "one"
    if True in taken[qualifier_start:right]:
        return None
    # "a 9% rise over two years": "over" a duration is not "more than"
    if lows[qualifier_start] == "over" and lows[right - 1] in TIME_UNITS:
        qualifier_start = left
    return qualifier_start, right


def _rate(tokens: _Tokens, i: int, time_only: bool = False) -> int:
    """The end of a rate's denominator at token i ("a day", "per household"), or i."""
    if i >= tokens.n:
        return i
    if tokens.has(i, "RATE"):
        end = i
        while tokens.has(end, "RATE"):
            end += 1
        if end - i >= 2 and tokens.lower(end - 1) not in ("a", "an", "per"):
            return end
    if not time_only and tokens.lower(i) == "per" and tokens.alpha(i + 1) and not tokens.stop(i + 1):
        end = i + 1
        while tokens.has(end, "UNIT"):
            end += 1
        return max(end, i + 2)  # "per household", "per square foot"
    return i


def _is_plural(word: str) -> bool:
    if word in IRREGULAR_PLURALS:
        return True
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))


_NOT_IN_COUNTED_NOUN = frozenset(
    ("MONTH", "WEEKDAY", "DATE_WORD", "SOURCE_BEFORE", "SOURCE_AFTER", "QUALIFIER", "CURRENCY_WORD", "TIMES", "AGO")
)


def _counted_noun(tokens: _Tokens, i: int, plural_only: bool) -> int | None:
    """The end of the counted noun that starts at token i ("shipping containers"), or None.

    With no tagger: up to five words, none a function word, verb, adverb or
    date word; the noun ends at the first plural (after "one", the first word).
    """
    lows = tokens.lows
    get = tokens.classes.get
    n = tokens.n
    j = i
    words = 0
    while j < n and words < 5:
        word = lows[j]
        if word == "-" and j > i and tokens.joined(j - 1) and tokens.joined(j) and tokens.alpha(j + 1):
            j += 1  # "active-duty", "air-defence"
            continue
        words += 1
        if not tokens.alpha(j) or tokens.stop(j) or word.endswith("ly"):
            return None
        cats = get(j, _EMPTY)
        if cats and not cats.isdisjoint(_NOT_IN_COUNTED_NOUN):
            return None
        if j == i and j in tokens.openers:
            return None
        if _is_plural(word) or "UNIT" in cats:
            return j + 1
        if not plural_only and not word.endswith(("ed", "ing")):
            return j + 1  # "one person"
        j += 1
    return None


# -- sources ------------------------------------------------------------------


def _sources(
    tokens: _Tokens, taken: list[bool], sentences: list[tuple[int, int]]
) -> tuple[list[tuple[str, int, int]], set[int]]:
    """Source spans, and the sentences (by index) that attribute something."""
    lows = tokens.lows
    get = tokens.classes.get
    found = []
    attributed: set[int] = set()
    sentence_starts = [start for start, _ in sentences]
    resume = 0
    for i in tokens.anchors[_BIT_CUE]:
        if i < resume:
            continue
        cats = get(i, _EMPTY)
        if "SOURCE_BEFORE" in cats and tokens.title(i) and not (i in tokens.openers and lows[i] in INVERTING):
            continue  # a capitalised "States" is a name, not a verb ("Said Comey, …" opens a sentence)
        sentence = bisect.bisect_right(sentence_starts, i) - 1
        if sentence < 0 or i >= sentences[sentence][1]:
            continue
        sent_start, sent_end = sentences[sentence]
        if "SOURCE_AFTER" in cats:
            end = i
            while "SOURCE_AFTER" in get(end, _EMPTY):
                end += 1
            span = _np_forward(tokens, end, sent_end, taken)
            attributed.add(sentence)
            resume = end
        else:
            word = lows[i]
            if word == "called" and lows[i + 1] in ("for", "on", "off", "up", "in", "out"):
                continue  # "called for": a demand
            if word in NOUN_OR_VERB and (lows[i + 1] in AFTER_A_PLURAL_NOUN or _counted_before(tokens, i)):
                continue  # "member states of", "reports were", "six states": a noun, not a verb
            if lows[i + 1] in REFLEXIVES:
                continue  # "the bank has found itself": no report
            if word in PARTICIPLES and lows[i + 1] in ("in", "at", "on", "as", "during", "above", "earlier"):
                continue  # "the bureau cited in the tweet": a participle, whose source is elsewhere
            span = _source_of_verb(tokens, i, sent_start, sent_end, taken)
            if span is not None or _pronoun_before(tokens, i, sent_start):
                attributed.add(sentence)
        if span is not None and _take(taken, *span):
            found.append(("source", *span))
            if span[1] <= i:
                # "Lind and the union's lawyers said": each of the coordinated sources
                other = _coordinated(tokens, span[0], sent_start, taken)
                if other is not None and _take(taken, *other):
                    found.append(("source", *other))
    for k, (start, end) in enumerate(sentences):
        span = _speaker_label(tokens, start, end, taken)
        if span is not None and _take(taken, *span):
            found.append(("source", *span))
            attributed.add(k)
    return found, attributed


def _coordinated(tokens: _Tokens, start: int, sent_start: int, taken: list[bool]) -> tuple[int, int] | None:
    """The source coordinated before the one at ``start`` ("Lind and …"), when it opens the sentence."""
    if start - 2 < sent_start or tokens.lows[start - 1] != "and":
        return None
    span = _np_backward(tokens, start - 2, sent_start, taken)
    if span is None or not all(tokens.word(m) in QUOTES for m in range(sent_start, span[0])):
        return None
    # a name ("Lind", "Sen. Ann Vey"), not a clause that ends in a noun ("The court heard from Ames")
    first = span[0] + (tokens.lows[span[0]] in DETERMINERS)
    names = all(tokens.word(m)[:1].isupper() or tokens.lows[m] in POSSESSIVES for m in range(first, span[1]))
    return span if names and first < span[1] else None


def _speaker_label(tokens: _Tokens, start: int, end: int, taken: list[bool]) -> tuple[int, int] | None:
    """The name before a colon that opens a headline or a transcript's line ("Pike: Tolls must fall")."""
    k = start
    while k < end and k - start < 6 and tokens.lows[k] != ":":
        k += 1
    if k == start or k >= end - 1 or tokens.lows[k] != ":":
        return None
    if tokens.lows[start] in LABEL_WORDS or not (tokens.title(k + 1) or tokens.word(k + 1) in QUOTES or
                                                  tokens.word(k + 1).isupper()):
        return None
    for m in range(start, k):
        word = tokens.word(m)
        if not (word[:1].isupper() and (tokens.alpha(m) or tokens._lexicon.name_word(tokens.orths[m]))
                or tokens.lows[m] in POSSESSIVES) or taken[m] or tokens.cats(m):
            return None
    return start, k


def _counted_before(tokens: _Tokens, i: int) -> bool:
    """A number or a quantifier before token i: "six states", "many reports"."""
    before = tokens.lows[i - 1] if i > 0 else ""
    return i - 1 in tokens.numbers or tokens.has(i - 1, "NUMBER") or before in (
        "many", "several", "other", "some", "all", "both", "few", "these", "those", "two"
    )


def _pronoun_before(tokens: _Tokens, verb: int, sent_start: int) -> bool:
    lows = tokens.lows
    j = _skip_back(tokens, verb - 1, sent_start)
    return j >= sent_start and lows[j] in PRONOUNS


def _adverb(tokens: _Tokens, i: int) -> bool:
    """A lower-case -ly word that is not a noun: "bluntly", "repeatedly"."""
    word = tokens.lows[i]
    return len(word) > 4 and word.endswith("ly") and word not in LY_NOUNS and tokens.is_lower(i)


_DATE_WORDS = frozenset(("WEEKDAY", "DATE_WORD", "PERIOD", "MONTH", "PART_OF_DAY"))
_DATE_PARTS = frozenset(("DATE_MODIFIER", "WEEKDAY", "MONTH", "PERIOD", "DATE_WORD"))


def _skip_back(tokens: _Tokens, j: int, sent_start: int) -> int:
    """Move left over adverbs, auxiliaries, a date and a parenthesis between a
    source and its verb ("Sen. Ann Vey (R-Ohio) told", "Lind — who chairs it — said")."""
    lows = tokens.lows
    get = tokens.classes.get
    while j >= sent_start:
        word = lows[j]
        if word in BETWEEN_SOURCE_AND_VERB or _adverb(tokens, j):
            j -= 1
            continue
        if word in (")", "—", "--"):
            opener = "(" if word == ")" else word
            k = j - 1
            while k > sent_start and j - k <= 30 and lows[k] != opener and tokens.word(k) not in QUOTES:
                k -= 1
            if k > sent_start and lows[k] == opener and _np_word(tokens, k - 1):
                return k - 1
            break
        if not get(j, _EMPTY).isdisjoint(_DATE_WORDS):
            k = j - 1
            while k >= sent_start and not get(k, _EMPTY).isdisjoint(_DATE_PARTS):
                k -= 1
            if k >= sent_start and lows[k] in ("on", "in", "at", "earlier", "late", "early"):
                k -= 1
            j = k
            continue
        break
    return j


def _source_of_verb(
    tokens: _Tokens, verb: int, sent_start: int, sent_end: int, taken: list[bool]
) -> tuple[int, int] | None:
    """The source of the reporting verb at token ``verb``, or None."""
    lows = tokens.lows
    if lows[verb].endswith("ed"):
        by = _passive_by(tokens, verb, sent_end)
        if by is not None:
            # "the $240 million reported earlier this month by Meridian Wire"
            return _np_forward(tokens, by + 1, sent_end, taken)
    j = verb - 1
    if j < sent_start or all(tokens.word(m) in QUOTES for m in range(sent_start, verb)):
        # 'Said Comey, "…"': a sentence that opens with the verb names its source next
        span = _np_forward(tokens, verb + 1, sent_end, taken)
        if span is not None and lows[verb] in INVERTING and _ends_clause(tokens, span[1], sent_end):
            return span
        return None
    if tokens.word(j) in QUOTES or (tokens.word(j) == "," and j - 1 >= sent_start and tokens.word(j - 1) in QUOTES):
        # '"…," said Professor Leon Baptiste': the source follows
        return _np_forward(tokens, verb + 1, sent_end, taken)
    if tokens.word(j) == "," and lows[verb] in INVERTING:
        # "Tariffs will not help, said Ana Ruiz, an economist.": the source follows, and ends its clause
        span = _np_forward(tokens, verb + 1, sent_end, taken)
        if span is not None and _ends_clause(tokens, span[1], sent_end) and (
            tokens.title(span[0]) or lows[span[0]] in DETERMINERS or tokens.title(span[0] + 1)
        ):
            return span
    j = _skip_back(tokens, j, sent_start)
    if j < sent_start:
        return None
    word = lows[j]
    if word in PRONOUNS:
        return None
    if word == ",":
        return _source_before_appositives(tokens, j, sent_start, taken)
    if word == "and":
        # "Hale … has worked at the port for 22 years and says": the sentence's subject
        return _subject(tokens, sent_start, verb, taken)
    return _np_backward(tokens, j, sent_start, taken)


def _ends_clause(tokens: _Tokens, i: int, sent_end: int) -> bool:
    """Token i ends a clause: the sentence's end, its punctuation, or a relative pronoun."""
    return i >= sent_end or tokens.lows[i] in (",", ".", ";", ":", "(", "who", "—", "--") or tokens.word(i) in QUOTES


def _passive_by(tokens: _Tokens, verb: int, sent_end: int) -> int | None:
    """The "by" of a passive reporting verb, past an adverb or a date, or None."""
    lows = tokens.lows
    get = tokens.classes.get
    k = verb + 1
    while k < sent_end and k <= verb + 6:
        word = lows[k]
        if word == "by":
            return k
        if word in BETWEEN_SOURCE_AND_VERB or word in ("on", "in", "at", "afterwards") or tokens.num(k) or (
            not get(k, _EMPTY).isdisjoint(_DATE_PARTS)
        ):
            k += 1
            continue
        return None
    return None


def _source_before_appositives(
    tokens: _Tokens, comma: int, sent_start: int, taken: list[bool]
) -> tuple[int, int] | None:
    """"A spokesman for the company, Pieter Vos, said": the phrase before the appositives."""
    commas = [comma]
    k = comma - 1
    while k >= sent_start and comma - k <= 40 and len(commas) < 4:
        word = tokens.word(k)
        if word == ",":
            commas.append(k)
        elif word in QUOTES or word in (";", ":", "(", ")"):
            break
        k -= 1
    if len(commas) < 2:
        return None  # "The decision, announced at 2 p.m.": a participle, not an appositive
    # the phrase that opens the sentence, before all the appositives; else the one before the last
    first_comma = commas[-1]
    if all(tokens.word(m) != "," for m in range(sent_start, first_comma)):
        span = _np_backward(tokens, first_comma - 1, sent_start, taken)
        opens = span is not None and all(tokens.word(m) in QUOTES for m in range(sent_start, span[0]))
        if opens and span is not None and not (span[1] - span[0] == 1 and tokens.lows[span[0]] in DISCOURSE):
            return span
    # "Sen. Ann Vey (R-Ohio), a member of the panel, said": past the parenthesis
    return _np_backward(tokens, _skip_back(tokens, commas[1] - 1, sent_start), sent_start, taken)


def _subject(tokens: _Tokens, sent_start: int, limit: int, taken: list[bool]) -> tuple[int, int] | None:
    """The noun phrase that opens the sentence, when a comma follows it."""
    start = sent_start
    while start < limit and tokens.word(start) in QUOTES:
        start += 1
    span = _np_forward(tokens, start, limit, taken)
    if span is None or not tokens.title(span[0]):
        return None
    return span if span[1] < tokens.n and tokens.word(span[1]) == "," else None


_NOT_IN_SOURCE = frozenset(
    ("SOURCE_BEFORE", "SOURCE_AFTER", "DATE_WORD", "WEEKDAY", "MONTH", "MULTIPLIER", "CURRENCY_WORD", "UNIT")
)


def _np_word(tokens: _Tokens, i: int) -> bool:
    """A word that can be part of a source's noun phrase."""
    lows = tokens.lows
    get = tokens.classes.get
    if not tokens.alpha(i):
        return 0 <= i < tokens.n and tokens._lexicon.name_word(tokens.orths[i])
    word = lows[i]
    if word in PRONOUNS or word in DETERMINERS or word in NP_PREPOSITIONS or word == "in":
        return False
    if tokens.stop(i):
        # "said Will Doyle": a capitalised verb inside a name, not at a sentence's start
        return word in _NAME_STOPS and tokens.title(i) and tokens.title(i + 1) and i not in tokens.openers
    cats = get(i, _EMPTY)
    if cats and not cats.isdisjoint(_NOT_IN_SOURCE):
        return tokens.title(i) and "SOURCE_BEFORE" not in cats  # "Estravia Today", "Labour Day Committee"
    return not _adverb(tokens, i)


def _np_backward(tokens: _Tokens, end: int, sent_start: int, taken: list[bool]) -> tuple[int, int] | None:
    """The source noun phrase that ends at token ``end`` (inclusive), read leftwards."""
    lows = tokens.lows
    get = tokens.classes.get
    if end < sent_start or taken[end] or not _np_word(tokens, end):
        return None
    k = start = end
    while k > sent_start and end - k < 12:
        p = k - 1
        if taken[p]:
            break
        word = lows[p]
        if _np_word(tokens, p):
            start = k = p
            continue
        if word in POSSESSIVES or (word == "-" and tokens.joined(p) and tokens.joined(p - 1)):
            if p - 1 >= sent_start and (_np_word(tokens, p - 1) or tokens.word(p - 1).endswith("s")):
                k = p
                continue
            break
        if word == "that":
            break  # "said that satellite images showed": a conjunction
        if word in DETERMINERS or tokens.num(p) or "NUMBER" in get(p, _EMPTY):
            start = p
            # "A spokesman for the company": carry on through a post-modifier
            q = p - 1
            if q - 1 >= sent_start and lows[q] in NP_PREPOSITIONS and _np_word(tokens, q - 1):
                start = k = q - 1
                continue
            break
        if (word in NP_PREPOSITIONS or word == "in") and p - 1 >= sent_start and _np_word(tokens, p - 1):
            start = k = p - 1  # "Analysts at Brandt & Co", "One broker in Aldenburg"
            continue
        if word == "on" and tokens.title(p - 1) and tokens.title(p + 1) and p - 1 >= sent_start:
            start = k = p - 1  # "the Committee on Benghazi"
            continue
        break
    if start > sent_start and lows[start - 1] in PREPOSITIONS:
        # "people familiar with the talks said", "officials briefed on the plan said": the
        # phrase before the modifier; otherwise ("patients on velorstat reported") the object
        # of a preposition is not the subject
        modifier = start - 2
        if modifier > sent_start and not taken[modifier]:
            if lows[modifier] in ("familiar", "close") or (
                lows[modifier].endswith("ed") and tokens.is_lower(modifier) and lows[modifier] not in _STOP_PAST
            ):
                head = _np_backward(tokens, modifier - 1, sent_start, taken)
                if head is not None:
                    return (head[0], end + 1) if lows[modifier] in ("familiar", "close") else head
        return None
    for m in range(start + 1, end):
        # "satellite images reviewed by the Ledger": a participle clause is not part of the source
        word = lows[m]
        if word.endswith("ed") and tokens.is_lower(m) and lows[m + 1] in NP_PREPOSITIONS:
            return start, m
    return start, end + 1


# stop words that are also first names ("Will Doyle", "Hope Hicks")
_NAME_STOPS = frozenset("will hope may rose grant bill mark joy faith major".split())
# past tenses that end a clause rather than start a participle ("he worked on the plan")
_STOP_PAST = frozenset("worked voted served lived used needed wanted planned started continued failed".split())


def _np_forward(tokens: _Tokens, start: int, limit: int, taken: list[bool]) -> tuple[int, int] | None:
    """The source noun phrase that starts at token ``start``, read rightwards."""
    lows = tokens.lows
    get = tokens.classes.get
    n = min(limit, tokens.n)
    k = start
    if k < n and (lows[k] in DETERMINERS or "NUMBER" in get(k, _EMPTY)):
        k += 1
    content = 0
    last = None
    while k < n and k - start < 14 and not taken[k]:
        word = lows[k]
        if _np_word(tokens, k):
            if content and tokens.is_lower(k) and word.endswith(("ed", "ing")):
                break  # "results … released at", "images reviewed by"
            content += 1
            last = k
            k += 1
        elif content and word in POSSESSIVES:
            k += 1
        elif content and word == "-" and tokens.joined(k - 1) and tokens.joined(k):
            k += 1
        elif content and word in NP_PREPOSITIONS:
            nxt = k + 1
            if lows[nxt] in DETERMINERS:
                nxt += 1
            if nxt >= n or not _np_word(tokens, nxt):
                break
            k = nxt
        else:
            break
    if last is None:
        return None
    return start, last + 1


# -- claims -------------------------------------------------------------------


def _quoted_with(tokens: _Tokens, sentences: list[tuple[int, int]], attributed: set[int]) -> set[int]:
    """The sentences of the quotations that attributed sentences tag, where they name something.

    '"Rates will rise. Jobs will go," she said.' attributes both sentences;
    so does a quotation that goes on after its tag in the same paragraph
    ('"…," Vey said. "The port will close."').
    """
    quotes = tokens.anchors[_BIT_QUOTE]
    count = len(sentences)
    open_after = [False] * count
    """A quotation is open at the end of each sentence."""
    opens = [False] * count
    """Each sentence starts with an opening quotation mark."""
    has_quote = [False] * count
    state = False
    q = 0
    for k, (start, end) in enumerate(sentences):
        first = True
        while q < len(quotes) and quotes[q] < end:
            i = quotes[q]
            q += 1
            if i < start:
                continue
            mark = tokens.word(i)
            opening = mark in OPENING_QUOTES or (mark not in CLOSING_QUOTES and not state)
            if first and i == start and opening:
                opens[k] = True
            first = False
            has_quote[k] = True
            state = opening
        open_after[k] = state
    paragraph_breaks = tokens.newlines

    def same_paragraph(k: int) -> bool:
        """Sentences k and k + 1 are in one paragraph."""
        low = bisect.bisect_left(paragraph_breaks, sentences[k][1])
        return not (low < len(paragraph_breaks) and paragraph_breaks[low] < sentences[k + 1][0])

    def names_something(k: int) -> bool:
        """A capitalised word after the first (not "I"): a quoted sentence about someone or
        something in particular, which can be checked, unlike "Nobody likes a tax increase." """
        start, end = sentences[k]
        first = start
        while first < end and not tokens.alpha(first):
            first += 1
        return any(tokens.title(m) and tokens.lows[m] != "i" for m in range(first + 1, end))

    found: set[int] = set()
    for k in sorted(attributed):
        if not has_quote[k]:
            continue
        j = k
        while j + 1 < count and (open_after[j] or opens[j + 1]) and same_paragraph(j):
            j += 1
            found.add(j)
        j = k
        while j > 0 and open_after[j - 1] and same_paragraph(j - 1):
            j -= 1
            found.add(j)
    return {k for k in found if names_something(k)}


def _claims(
    tokens: _Tokens,
    sentences: list[tuple[int, int]],
    spans: list[tuple[str, int, int]],
    attributed: set[int],
) -> list[tuple[str, int, int]]:
    """Sentences that hold a figure, a date or an attribution, except questions."""
    starts = sorted(start for label, start, _ in spans if label in ("figure", "date", "source"))
    questions = tokens.anchors[_BIT_QUESTION]
    if attributed and tokens.anchors[_BIT_QUOTE]:
        attributed = attributed | _quoted_with(tokens, sentences, attributed)
    claims = []
    for k, (start, end) in enumerate(sentences):
        first = bisect.bisect_left(starts, start)
        if not (first < len(starts) and starts[first] < end) and k not in attributed:
            continue
        question = bisect.bisect_left(questions, start)
        if question < len(questions) and questions[question] < end:
            continue
        claims.append(("claim", start, end))
    return claims
