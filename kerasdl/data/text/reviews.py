"""The embedded default data: short film reviews the project writes itself, labelled by construction.

Each review strings together a few sentences about a film's parts ("the plot was truly
gripping."), verdicts ("There is nothing to like in this movie.") and neutral remarks,
most of them with the review's polarity and sometimes one against it, so a classifier
has to weigh the evidence; negations ("the acting was not bad at all.") flip a phrase's
polarity, which a bag of single words cannot see but word pairs can. Seeded and small:
enough to show training, evaluation, export and prediction in a minute, not a benchmark.
"""

from __future__ import annotations

import csv
import pathlib

import numpy as np

from kerasdl.data.embedded import cache_dir
from kerasdl.files import atomic_path

COUNTS = {"train": 2000, "test": 500}
SEEDS = {"train": 0, "test": 1}
VERSION = 1  # bump when the generator changes, so cached files are written again

PARTS = [
    "the acting",
    "the plot",
    "the story",
    "the script",
    "the dialogue",
    "the soundtrack",
    "the cinematography",
    "the direction",
    "the pacing",
    "the ending",
    "the cast",
    "the lead actress",
    "the lead actor",
    "the villain",
    "the special effects",
    "the editing",
    "the humour",
    "the music",
    "the camera work",
    "the characters",
]
GOOD = [
    "wonderful",
    "brilliant",
    "superb",
    "moving",
    "gripping",
    "delightful",
    "excellent",
    "beautiful",
    "clever",
    "charming",
    "powerful",
    "fantastic",
    "memorable",
    "hilarious",
    "touching",
    "stunning",
    "engaging",
    "refreshing",
    "great",
    "outstanding",
]
BAD = [
    "awful",
    "boring",
    "dull",
    "terrible",
    "clumsy",
    "predictable",
    "painful",
    "lifeless",
    "ridiculous",
    "weak",
    "bland",
    "forgettable",
    "annoying",
    "confusing",
    "flat",
    "tedious",
    "poor",
    "horrible",
    "embarrassing",
    "lazy",
]
INTENSIFIERS = ["", "", "really ", "truly ", "absolutely ", "quite ", "so ", "incredibly ", "rather "]
FILMS = ["movie", "film", "picture", "thriller", "comedy", "drama", "western", "musical"]
# {part}, {good}/{bad}, {very} and {film} are filled in; the first list's sentences praise.
SENTENCES = {
    1: [
        "{part} was {very}{good}.",
        "{part} is {good} and {good2}.",
        "I loved every minute of this {film}.",
        "This is one of the best {film}s I have seen in years.",
        "A {good} {film} that I would happily watch again.",
        "I would recommend it to anyone.",
        "Ten out of ten.",
        "{part} was not {bad} at all.",
        "There is a lot to like in this {film}.",
        "It never gets {bad}.",
        "What a surprise: it is {very}{good}!",
        "I left the cinema smiling.",
    ],
    0: [
        "{part} was {very}{bad}.",
        "{part} is {bad} and {bad2}.",
        "There is nothing to like in this {film}.",
        "This is one of the worst {film}s I have ever seen.",
        "A {bad} {film} that I would not watch again.",
        "Avoid it.",
        "One out of ten.",
        "{part} was not {good} at all.",
        "I could not wait for it to end.",
        "It never gets {good}.",
        "What a waste of time: it is {very}{bad}!",
        "I wanted my money back.",
    ],
}
NEUTRAL = [
    "I saw it last {day}.",
    "It runs for about two hours.",
    "The {film} is set in {place}.",
    "My {friend} picked it.",
    "I watched it on {medium}.",
    "It is based on a novel.",
]
FILLS = {
    "day": ["week", "weekend", "Friday", "night", "summer"],
    "place": ["Paris", "a small town", "New York", "the desert", "space", "the nineteenth century"],
    "friend": ["sister", "brother", "friend", "partner", "father", "mother"],
    "medium": ["a plane", "television", "a laptop", "the big screen", "a rainy afternoon"],
}


def _sentence(template: str, rng: np.random.Generator) -> str:
    good, good2 = rng.choice(GOOD, 2, replace=False)
    bad, bad2 = rng.choice(BAD, 2, replace=False)
    values = {
        "part": str(rng.choice(PARTS)),
        "good": str(good),
        "good2": str(good2),
        "bad": str(bad),
        "bad2": str(bad2),
        "very": str(rng.choice(INTENSIFIERS)),
        "film": str(rng.choice(FILMS)),
        **{k: str(rng.choice(v)) for k, v in FILLS.items()},
    }
    text = template.format(**values)
    return text[0].upper() + text[1:]


def generate_review(label: int, rng: np.random.Generator) -> str:
    """One review of the given polarity (1 positive, 0 negative)."""
    sentences = [_sentence(str(rng.choice(SENTENCES[label])), rng) for _ in range(rng.integers(2, 5))]
    if rng.random() < 0.35:  # a dissenting remark
        sentences.insert(
            int(rng.integers(0, len(sentences) + 1)), _sentence(str(rng.choice(SENTENCES[1 - label])), rng)
        )
    if rng.random() < 0.5:
        sentences.insert(0, _sentence(str(rng.choice(NEUTRAL)), rng))
    return " ".join(sentences)


def generate_reviews(count: int, *, seed: int) -> list[tuple[str, int]]:
    """``count`` ``(text, label)`` pairs, half of each polarity, in seeded random order."""
    rng = np.random.default_rng(seed)
    labels = np.array([i % 2 for i in range(count)])
    rng.shuffle(labels)
    return [(generate_review(int(label), rng), int(label)) for label in labels]


def embedded_reviews() -> dict[str, pathlib.Path]:
    """The embedded review set as CSV files (``text,label``), written once under :func:`cache_dir`.

    Returns:
        ``{"train": path, "test": path}``: 2,000 and 500 reviews, balanced, with labels
        ``negative``/``positive``.
    """
    root = cache_dir() / f"sentiment_reviews_v{VERSION}"
    paths = {part: root / f"{part}.csv" for part in COUNTS}
    for part, path in paths.items():
        if path.is_file():
            continue
        with atomic_path(path) as tmp:
            with tmp.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["text", "label"])
                for text, label in generate_reviews(COUNTS[part], seed=SEEDS[part]):
                    writer.writerow([text, ("negative", "positive")[label]])
    return paths
