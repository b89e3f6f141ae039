"""A coverage-guided fuzz target for cilint's readers: YAML, TOML, shell and embedded TOML.

Every input is turned into text and read by one layer, chosen by its first byte; any exception
is a bug (each layer reports bad input as a problem value, never by raising). Run it for longer
with atheris (`pip install atheris`):

    python -m tests.fuzz.atheris_target -max_total_time=600 tests/fuzz/seeds

The suite runs the same function without atheris on generated and mutated inputs
(tests/fuzz/test_atheris_target.py), so the target cannot rot.
"""

from __future__ import annotations

import sys

from cilint.shell.bash import analyse
from cilint.shell.network import command_targets, hosts_in_text
from cilint.source import DecodeError, SourceFile
from cilint.syntax.embedded import neutralise_templates, scalar_offsets
from cilint.syntax.toml import parse_toml
from cilint.syntax.yaml import parse_yaml, walk
from cilint.syntax.tree import ScalarNode

LAYERS = 4


def test_one_input(data: bytes) -> None:
    if not data:
        return
    layer, body = data[0] % LAYERS, data[1:]
    try:
        source = SourceFile.from_bytes("fuzz.yml", body)
    except DecodeError:
        return  # reported as CIL001 by the workspace, never read further
    if layer == 0:
        parsed = parse_yaml(source)
        if parsed.problem is None:
            for document in parsed.documents:
                if document.root is not None:
                    for node in walk(document.root):
                        if isinstance(node, ScalarNode):
                            scalar_offsets(source, node)
    elif layer == 1:
        parse_toml(source.text, "fuzz.toml")
    elif layer == 2:
        for command in analyse(source.text).commands:
            list(command_targets(command))
        list(hosts_in_text(source.text))
    else:
        parse_toml(neutralise_templates(source.text).text, "values.yaml")


def main() -> None:
    import atheris

    atheris.instrument_all()  # coverage for every module loaded so far: cilint's readers and ruamel
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
