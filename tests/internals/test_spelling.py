"""The "did you mean" hint: the letter-count bound that skips most names never changes the answer."""

from __future__ import annotations

import random

from cilint.spelling import closest, edit_distance


def _closest_by_comparing_all(word: str, names: list[str]) -> str | None:
    best, best_distance = None, max(1, len(word) // 3) + 1
    for name in names:
        distance = edit_distance(word.lower(), name.lower())
        if distance < best_distance:
            best, best_distance = name, distance
    return best


def test_the_bound_gives_the_answer_comparing_every_name_gives():
    rng = random.Random(21)
    alphabet = "abcdest_-:"
    for _ in range(400):
        names = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(30)]
        word = rng.choice(names)
        word = "".join(c if rng.random() > 0.2 else rng.choice(alphabet) for c in word)
        assert closest(word, names) == _closest_by_comparing_all(word, names), (word, names)


def test_typical_typos():
    assert closest("scirpt", ["script", "stage", "services"]) == "script"
    assert closest("tset", ["build", "test", "deploy"]) == "test"
    assert closest("kuberentes", ["kubernetes", "docker", "shell"]) == "kubernetes"
    assert closest("zzzz", ["build", "test"]) is None
