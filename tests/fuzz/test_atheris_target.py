"""The atheris target, run without atheris: its seeds, then byte mutations of them and of corpus
files (deterministic, a few hundred). Any exception is a bug in a reader."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.fuzz.atheris_target import LAYERS, test_one_input as one_input

SEEDS = sorted((Path(__file__).parent / "seeds").iterdir())


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        action = rng.randint(0, 3)
        at = rng.randint(0, len(out))
        if action == 0 and out:
            del out[at : at + rng.randint(1, 16)]
        elif action == 1:
            out[at:at] = bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 8)))
        elif action == 2:
            out[at:at] = rng.choice([b"\n  - ", b": ", b"[", b"{", b"&a ", b"*a", b"!reference [", b'"\\u', b"'''",
                                     b"[[", b"= ", b"$(", b"`", b"<<EOF\n", b"\t", b"\r\n", b"\xef\xbb\xbf"])
        elif out:
            start = rng.randint(0, len(out) - 1)
            out[at:at] = out[start : start + rng.randint(1, 64)]
    return bytes(out)


@pytest.mark.parametrize("seed", SEEDS, ids=[s.name for s in SEEDS])
def test_seeds(seed: Path):
    one_input(seed.read_bytes())


def test_mutations_of_seeds_and_corpus_files():
    rng = random.Random(20261202)
    corpus = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".toml")
                    and p.stat().st_size < 20_000)
    bases = [s.read_bytes() for s in SEEDS] + [bytes([i % LAYERS]) + p.read_bytes() for i, p in
                                                enumerate(rng.sample(corpus, min(40, len(corpus))))]
    for _ in range(600):
        one_input(mutate(rng.choice(bases), rng))
