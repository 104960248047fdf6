"""Generated news-like articles for benchmarks: deterministic, varied, no I/O."""

from __future__ import annotations

import random
from collections.abc import Iterator

SUBJECTS = ["The defence ministry", "A senior alliance official", "The Baltic Institute", "Meridian Wire",
            "Finance Minister Aldo Brenn", "Two diplomats", "The port authority", "Local officials"]
VERBS = ["said", "reported", "estimated", "told reporters", "claimed", "confirmed"]
FIGURES = ["{n:,} troops", "${m} million", "€{m} million", "about {n:,} shipping containers", "{p}.{q}%",
           "up to {n:,} soldiers", "{k} artillery battalions", "several hundred vehicles"]
DATES = ["last November", "on Friday", "by mid-2026", "14 March 2025", "next week", "in August 2023", "May 9"]
FILLER = ["Residents described long queues at the crossing.", "The talks were described as constructive.",
          "Markets reacted calmly to the news.", "Observers urged caution over the numbers."]


def article(rng: random.Random, words: int = 450) -> str:
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            figure = rng.choice(FIGURES).format(
                n=rng.randint(100, 9000), m=rng.randint(10, 900), p=rng.randint(0, 9), q=rng.randint(0, 9),
                k=rng.randint(2, 30),
            )
            if rng.random() < 0.3:
                sentence = rng.choice(FILLER)
            else:
                sentence = (f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} that {figure} had moved "
                            f"{rng.choice(DATES)}, citing satellite images.")
            sentences.append(sentence)
            count += len(sentence.split())
        paragraphs.append(" ".join(sentences))
    return "Report " + str(rng.random())[2:10] + "\n\n" + "\n\n".join(paragraphs) + "\n"


def articles(n: int, seed: int = 7) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(n):
        yield article(rng)
