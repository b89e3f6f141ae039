"""The closest of some names to a misspelled one, for "did you mean ...?" hints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def closest(word: str, names: Iterable[str]) -> str | None:
    """The name at the smallest edit distance from `word` (a swap of two neighbours counts once, as
    in `tsets` for `tests`), if it is close enough to be a typo: at most a third of the word's length."""
    best, best_distance = None, max(1, len(word) // 3) + 1
    lowered = word.lower()
    letters = Counter(lowered)
    for name in names:
        if abs(len(name) - len(word)) >= best_distance:
            continue
        other = name.lower()
        # the letters one has and the other lacks bound the distance from below (a swap moves none):
        # a cheap test that spares the full comparison for most names of a long list
        theirs = Counter(other)
        if max(sum((letters - theirs).values()), sum((theirs - letters).values())) >= best_distance:
            continue
        distance = edit_distance(lowered, other)
        if distance < best_distance:
            best, best_distance = name, distance
    return best


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[len(b)]
