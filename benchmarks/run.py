"""Benchmark cilint against the parse floor and against peer tools, in one run on this machine.

    python benchmarks/run.py              # full run; writes BENCHMARKS.md
    python benchmarks/run.py --quick      # tiny inputs, no peers: shows the script still works (CI)
    python benchmarks/run.py --instructions [--against DIR]
        # instructions (valgrind) of the parse floor and of cilint's analysis on every third corpus
        # project: a noise-free figure for comparing two versions (DIR: another checkout) on a
        # machine whose speed drifts; prints a table, writes nothing

Every figure is the median (and min-max) of repeated runs, and every ratio is taken pair by pair in
the same run, because these machines are shared and noisy. Peers are installed into the benchmark's
own environment (benchmarks/.peers, gitlab-ci-local under .cache/) on first use.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
PEERS = REPO / "benchmarks" / ".peers"
INSTALL = REPO / "benchmarks" / ".install"
SEED = REPO / "examples" / "seed"
DEV_CILINT = [sys.executable, "-m", "cilint"]


def installed_cilint() -> tuple[list[str], str]:
    """cilint as users get it: a regular (not editable) install of this checkout, byte-compiled by pip,
    in the benchmark's own environment. Returns the command and that environment's Python."""
    python = INSTALL / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(INSTALL)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(REPO)], check=True)
    else:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(REPO)], check=True)
    return [str(INSTALL / "bin" / "cilint")], str(python)


@dataclass
class Timing:
    label: str
    runs: list[float]
    command: str
    rss_mb: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def cell(self) -> str:
        return f"{self.median * 1000:.0f} ms ({min(self.runs) * 1000:.0f}-{max(self.runs) * 1000:.0f})"


def timed(label: str, command: list[str], runs: int, cwd: Path | None = None, env: dict | None = None) -> Timing:
    samples = []
    rss = None
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", *command] if Path("/usr/bin/time").exists() else command,
                              cwd=cwd, capture_output=True, text=True, env=env)
        samples.append(time.perf_counter() - start)
        last = proc.stderr.strip().splitlines()[-1:] if proc.stderr else []
        if last and last[0].isdigit():
            rss = max(rss or 0, int(last[0]) / 1024)
    return Timing(label, samples, " ".join(command), rss)


def file_lists(directory: Path, yaml_files: list[Path], toml_files: list[Path]) -> list[str]:
    """The floor script's arguments: two files listing the YAML and the TOML files, one per line."""
    lists = []
    for name, files in (("yaml", yaml_files), ("toml", toml_files)):
        path = directory / name
        path.write_text("\n".join(map(str, files)))
        lists.append(str(path))
    return lists


def parse_floor(files_yaml: list[Path], files_toml: list[Path], runs: int) -> Timing:
    code = (
        "import sys, tomllib\nfrom ruamel.yaml import YAML\n"
        "y, t = [[p for p in open(f).read().split('\\n') if p] for f in sys.argv[1:3]]\n"
        "import time; s = time.perf_counter()\n"
        "for p in y:\n"
        "    try: list(YAML(typ='safe', pure=False).compose_all(open(p, encoding='utf-8', errors='replace').read()))\n"
        "    except Exception: pass\n"
        "for p in t:\n"
        "    try: tomllib.loads(open(p, encoding='utf-8', errors='replace').read())\n"
        "    except Exception: pass\n"
        "print(time.perf_counter() - s)\n"
    )
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        lists = file_lists(Path(tmp), files_yaml, files_toml)
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", code, *lists], capture_output=True, text=True, check=True).stdout
            samples.append(float(out.strip()))
    return Timing("parse floor (compose all YAML, parse all TOML, in-process)", samples,
                  "ruamel.yaml C compose_all + tomllib.loads over the corpus")


# What cilint imports on first use rather than at start-up (the libraries, the runner models):
# imported before the in-process measures start, as the floor imports ruamel.yaml and tomllib first.
# A module an older checkout (--against) does not have is skipped.
_FIRST_USE_IMPORTS = (
    "import importlib\n"
    "for _m in ('json', 'tomllib', 'difflib', 'ipaddress', 'pathspec', 'tree_sitter', 'ruamel.yaml.cyaml',"
    " 'ruamel.yaml.constructor', 'cilint.loading.runner_files', 'cilint.models.runner_files', 'cilint.syntax.toml', 'cilint.catalog'):\n"
    "    try: importlib.import_module(_m)\n"
    "    except ImportError: pass\n"
)
# The command line runs without the cyclic collector (cilint.cli.console); older checkouts turned it
# off inside engine.run. Either way the measured run has it off. (`cilint.engine` imports `Options`
# from `cilint.results`; older checkouts define it in the engine: one import serves both.)
_RUN_IMPORTS = "import gc\ngc.disable()\nfrom cilint.engine import Options, run\n"


def in_process_cilint(projects: list[Path], runs: int, python: str) -> Timing:
    code = (
        "import sys, time\nfrom pathlib import Path\n" + _RUN_IMPORTS + _FIRST_USE_IMPORTS +
        "paths = tuple(Path(p) for p in sys.argv[1:])\ns = time.perf_counter()\nrun(Options(paths=paths))\n"
        "print(time.perf_counter() - s)\n"
    )
    samples = []
    # Run outside the checkout: `python -c` imports from its working directory first, which would
    # read the source tree instead of the install (and byte-compile anything imported on first use
    # inside the timed part, whenever the tree's bytecode is stale).
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            out = subprocess.run([python, "-c", code, *map(str, projects)], capture_output=True, text=True,
                                 check=True, cwd=tmp).stdout
            samples.append(float(out.strip()))
    return Timing("cilint analysis of the whole corpus (in-process, after imports, first-use ones included)", samples,
                  "cilint.engine.run(Options(paths=all projects))")


_FLOOR_CODE = (
    "import sys, tomllib\nfrom ruamel.yaml import YAML\n"
    "y, t = [[p for p in open(f).read().split('\\n') if p] for f in sys.argv[1:3]]\n"
    "if sys.argv[3] == 'work':\n"
    "    for p in y:\n"
    "        try: list(YAML(typ='safe', pure=False).compose_all(open(p, encoding='utf-8', errors='replace').read()))\n"
    "        except Exception: pass\n"
    "    for p in t:\n"
    "        try: tomllib.loads(open(p, encoding='utf-8', errors='replace').read())\n"
    "        except Exception: pass\n"
)
_ANALYSIS_CODE = (
    "import sys\nfrom pathlib import Path\n" + _RUN_IMPORTS + _FIRST_USE_IMPORTS +
    "if sys.argv[1] == 'work':\n    run(Options(paths=tuple(Path(p) for p in sys.argv[2:])))\n"
)


def instructions(command: list[str], env: dict[str, str], cwd: str) -> int:
    """Instructions valgrind counts for `command` doing its work, minus the same start-up without it
    ('work' in the arguments replaced by 'skip'). Deterministic with a fixed hash seed. `cwd` must
    not hold a `cilint` package: `python -c` imports from the working directory first."""
    work, skip = ([mode if a == "work" else a for a in command] for mode in ("work", "skip"))
    return process_instructions(work, env, cwd) - process_instructions(skip, env, cwd)


def process_instructions(command: list[str], env: dict[str, str], cwd: str) -> int:
    """Instructions valgrind counts for a whole process (start-up, imports, work and exit)."""
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                          capture_output=True, text=True, env={**env, "PYTHONHASHSEED": "0"}, cwd=cwd)
    found = [line for line in proc.stderr.splitlines() if "refs:" in line]
    if proc.returncode != 0 or not found:
        raise SystemExit(f"{command[0]} failed under valgrind: {proc.stderr[-500:]}")
    return int(found[-1].split()[-1].replace(",", ""))


def instruction_table(against: Path | None) -> str:
    """The floor and cilint's analysis in instructions on every third corpus project."""
    projects = sorted(p for p in CORPUS.iterdir() if p.is_dir())[::3]
    yaml_files = [p for d in projects for p in d.rglob("*") if p.suffix in (".yml", ".yaml") and ".git" not in p.parts]
    toml_files = [p for d in projects for p in d.rglob("*.toml")]
    python = str(INSTALL / "bin" / "python") if (INSTALL / "bin" / "python").exists() else sys.executable
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    rows = ["| instructions (every third corpus project) | count | ratio |", "|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        lists = file_lists(Path(tmp), yaml_files, toml_files)
        floor = instructions([sys.executable, "-c", _FLOOR_CODE, *lists, "work"], env, tmp)
        rows.append(f"| parse floor | {floor:,} | 1.0 |")
        for label, checkout in (("cilint analysis (this checkout)", REPO), ("cilint analysis (--against)", against)):
            if checkout is None:
                continue
            run_env = {**env, "PYTHONPATH": str(checkout)}
            command = [python, "-c", _ANALYSIS_CODE, "work", *map(str, projects)]
            subprocess.run(command, env=run_env, capture_output=True, check=True, cwd=tmp)  # byte-compiles first
            count = instructions(command, run_env, tmp)
            rows.append(f"| {label} | {count:,} | {count / floor:.2f}x floor |")
        # The cold start, whole processes: cilint as the `cilint` command runs it.
        seed = [python, "-c", "import sys; from cilint import cli; sys.argv[0] = 'cilint'; getattr(cli, 'console', cli.main)()",
                "check", "--exit-zero", str(SEED)]  # (`console` is the command's entry point since 2026-11-22)
        bare = process_instructions([python, "-c", "pass"], env, tmp)
        rows += ["", "| instructions of a whole process | count | ratio |", "|---|---|---|",
                 f"| python -c pass | {bare:,} | - |"]
        for label, checkout in (("cilint check examples/seed (this checkout)", REPO),
                                ("cilint check examples/seed (--against)", against)):
            if checkout is not None:
                seed_env = {**env, "PYTHONPATH": str(checkout)}
                subprocess.run(seed, env=seed_env, capture_output=True, check=True, cwd=tmp)  # byte-compiles first
                count = process_instructions(seed, seed_env, tmp)
                rows.append(f"| {label} | {count:,} | {count / bare:.1f}x python -c pass |")
        peer = PEERS / "bin" / "check-jsonschema"
        if peer.exists():
            count = process_instructions([str(peer), "--builtin-schema", "vendor.gitlab-ci", str(SEED / ".gitlab-ci.yml")],
                                         {**env, "HOME": tmp}, tmp)
            rows.append(f"| check-jsonschema --builtin-schema vendor.gitlab-ci (seed) | {count:,} | "
                        f"{count / bare:.1f}x python -c pass |")
    return "\n".join(rows)


def ensure_peers() -> dict[str, Path]:
    if not (PEERS / "bin" / "yamllint").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(PEERS / "bin" / "pip"), "install", "-q", "yamllint", "check-jsonschema"], check=True)
    sys.path.insert(0, str(REPO))
    from tests.support.gcl import gcl_binary

    return {"yamllint": PEERS / "bin" / "yamllint", "check-jsonschema": PEERS / "bin" / "check-jsonschema",
            "gitlab-ci-local": gcl_binary()}


def git_copy(source: Path, dest: Path) -> Path:
    sys.path.insert(0, str(REPO))
    from tests.support.gcl import make_git_project

    make_git_project(source, dest)
    return dest


def generated_pipeline(root: Path, jobs: int) -> Path:
    """A pipeline of `jobs` jobs with extends chains, anchors, !reference, includes and variables."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "ci").mkdir(exist_ok=True)
    parts = ["include:\n"] + [f"  - local: ci/part{i}.yml\n" for i in range(jobs // 500 + 1)]
    parts += ["variables:\n  REGISTRY: registry.example.com\n  KUBE_URL: https://k8s.example.com:6443\n",
              ".defaults: &defaults\n  image: alpine:3.20\n  tags: [docker]\n",
              ".base:\n  <<: *defaults\n  variables: {LEVEL: base}\n  before_script: [echo base]\n",
              ".mid:\n  extends: .base\n  variables: {LEVEL: mid}\n",
              ".top:\n  extends: .mid\n  script: [echo top]\n"]
    (root / ".gitlab-ci.yml").write_text("".join(parts))
    for part in range(jobs // 500 + 1):
        lines = []
        for index in range(part * 500, min(jobs, (part + 1) * 500)):
            lines.append(
                f"job{index}:\n  extends: .top\n  variables:\n    JOB_URL: \"$KUBE_URL/api/{index}\"\n"
                f"  services:\n    - name: postgres:15\n      alias: db{index}\n"
                f"  script:\n    - !reference [.top, script]\n    - curl -sf \"$JOB_URL\" || true\n"
                f"    - docker build -t $REGISTRY/app{index} .\n"
            )
        (root / "ci" / f"part{part}.yml").write_text("".join(lines))
    return root


def generated_dind_pipeline(root: Path, jobs: int) -> Path:
    """A pipeline of `jobs` dind jobs, each with findings that carry fixes (NET001, NET002, NET007)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".gitlab-ci.yml").write_text("".join(
        f"job{n}:\n  image: docker:27\n  services:\n    - docker:27-dind\n  variables:\n"
        f"    DOCKER_HOST: tcp://docker:2375\n  script:\n    - docker build -t app{n} .\n" for n in range(jobs)))
    return root


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu or platform.machine()}), Python {platform.python_version()}, {platform.system()}"


def lsp_section(output: Path, quick: bool) -> int:
    """The language server's latency and memory, as the section "Language server" of BENCHMARKS.md."""
    sys.path.insert(0, str(Path(__file__).parent))
    from lsp import lsp_rows

    rows = lsp_rows(CORPUS / "gitlabhq__gitlabhq" / ".gitlab-ci.yml", SEED / ".gitlab-ci.yml", quick)
    return write_section(output, "Language server", "`benchmarks/run.py --lsp` (benchmarks/lsp.py: JSON-RPC over stdio)", rows)


def scan_section(output: Path, quick: bool) -> int:
    """`cilint scan` against the tests' fake GitLab, as the section "Scan" of BENCHMARKS.md."""
    sys.path.insert(0, str(Path(__file__).parent))
    from scan import scan_rows

    rows = scan_rows(quick)
    return write_section(output, "Scan", "`benchmarks/run.py --scan` (benchmarks/scan.py: HTTP to a fake GitLab on "
                         "127.0.0.1)", rows)


def write_section(output: Path, title: str, how: str, rows: list[str]) -> int:
    """Replace (or add) the section `title` of BENCHMARKS.md; the full run keeps it."""
    section = "\n".join([f"## {title}", "", f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
                         f"{machine()}, by {how}.", "", *rows, ""])
    text = output.read_text(encoding="utf-8") if output.exists() else ""
    start = text.find(f"## {title}")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    output.write_text(text, encoding="utf-8")
    print(section)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny inputs, no peers (for CI)")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions with valgrind instead (noise-free; prints, writes nothing)")
    parser.add_argument("--against", type=Path, help="with --instructions: another checkout to compare")
    parser.add_argument("--lsp", action="store_true",
                        help="measure `cilint server` through the protocol and write its section of BENCHMARKS.md")
    parser.add_argument("--scan", action="store_true",
                        help="measure `cilint scan` against a fake GitLab and write its section of BENCHMARKS.md")
    args = parser.parse_args()
    if args.scan:
        return scan_section(args.output, args.quick)
    if args.lsp:
        return lsp_section(args.output, args.quick)
    if args.instructions:
        print(instruction_table(args.against.resolve() if args.against else None))
        return 0
    runs = 2 if args.quick else 10
    # --quick (CI) runs the development install; the full run measures a regular install.
    cilint, python = (DEV_CILINT, sys.executable) if args.quick else installed_cilint()
    rows: list[str] = []
    notes: list[str] = []

    projects = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    if args.quick:
        projects = projects[:3]
    yaml_files = [p for d in projects for p in d.rglob("*") if p.suffix in (".yml", ".yaml") and ".git" not in p.parts]
    toml_files = [p for d in projects for p in d.rglob("*.toml")]

    # Floor and analysis alternate, one run each, so that both see the same machine load; the ratio is
    # the median of the per-pair ratios.
    floor = parse_floor(yaml_files, toml_files, 1)
    analysis = in_process_cilint(projects, 1, python)
    for _ in range(runs - 1):
        floor.runs += parse_floor(yaml_files, toml_files, 1).runs
        analysis.runs += in_process_cilint(projects, 1, python).runs
    pair_ratio = statistics.median(a / f for a, f in zip(analysis.runs, floor.runs))
    one_call = timed("cilint check on the whole corpus, one invocation", [*cilint, "check", "--exit-zero", "-o", os.devnull, *map(str, projects)], max(2, runs // 3))
    start = time.perf_counter()
    for project in projects:
        subprocess.run([*cilint, "check", "--exit-zero", "-o", os.devnull, "."], cwd=project, capture_output=True)
    per_project = time.perf_counter() - start
    rows += [
        "| measure | median (min-max) | ratio |", "|---|---|---|",
        f"| {floor.label} | {floor.cell()} | 1.0 |",
        f"| {analysis.label} | {analysis.cell()} | {pair_ratio:.2f}x floor (median of {runs} paired runs) |",
        f"| {one_call.label} (with interpreter start and imports) | {one_call.cell()} | {one_call.median / floor.median:.2f}x floor |",
        f"| cilint check, one process per project ({len(projects)} processes, total) | {per_project * 1000:.0f} ms | {per_project / floor.median:.2f}x floor |",
    ]

    cold_runs = runs if args.quick else 2 * runs  # a short run: its median needs more samples on a noisy machine
    python_pass = timed("python -c pass", [python, "-c", "pass"], cold_runs)
    cold = timed("cilint check examples/seed", [*cilint, "check", "--exit-zero", str(SEED)], cold_runs)
    # what the CI/CD component runs: the Code Quality report reads the catalog entries of its findings
    cold_cq = timed("cilint check --format codequality examples/seed (the CI component's report)",
                    [*cilint, "check", "--exit-zero", "--format", "codequality", "-o", os.devnull, str(SEED)], cold_runs)
    rows += ["", "| cold start | median (min-max) | cilint vs this |", "|---|---|---|",
             f"| {cold.label} | {cold.cell()} | 1.0 |",
             f"| {cold_cq.label} | {cold_cq.cell()} | {cold_cq.median / cold.median:.2f}x the text report |",
             f"| {python_pass.label} | {python_pass.cell()} | {cold.median / python_pass.median:.2f}x slower than bare Python |"]
    if not args.quick:
        peers = ensure_peers()
        ci_file = str(SEED / ".gitlab-ci.yml")
        with tempfile.TemporaryDirectory() as tmp:
            seed_git = git_copy(SEED, Path(tmp) / "seed")
            for label, command, cwd in (
                ("yamllint", [str(peers["yamllint"]), ci_file], None),
                ("check-jsonschema --builtin-schema vendor.gitlab-ci", [str(peers["check-jsonschema"]), "--builtin-schema", "vendor.gitlab-ci", ci_file], None),
                ("gitlab-ci-local --preview", [str(peers["gitlab-ci-local"]), "--preview"], seed_git),
            ):
                peer = timed(label, command, runs, cwd=cwd, env={**os.environ, "HOME": tmp})
                rows.append(f"| {label} | {peer.cell()} | cilint {peer.median / cold.median:.1f}x faster |")
            gitlab_git = git_copy(CORPUS / "gitlabhq__gitlabhq", Path(tmp) / "gitlab")
            ours = timed("cilint check (gitlabhq__gitlabhq)", [*cilint, "check", "--exit-zero", "-o", os.devnull, "."], max(3, runs // 2), cwd=gitlab_git)
            theirs = timed("gitlab-ci-local --preview (gitlabhq__gitlabhq)", [str(peers["gitlab-ci-local"]), "--preview"], max(3, runs // 2), cwd=gitlab_git, env={**os.environ, "HOME": tmp})
            rows += ["", "| GitLab's own pipeline | wall median (min-max) | peak RSS |", "|---|---|---|",
                     f"| {ours.label} | {ours.cell()} | {ours.rss_mb or 0:.0f} MB |",
                     f"| {theirs.label} | {theirs.cell()} | {theirs.rss_mb or 0:.0f} MB |"]
    # Every output format on every input: a format that is quadratic cannot hide behind a fast text
    # report (the Code Quality report, which the CI component writes, once was).
    formats = ("text", "json", "codequality", "sarif")
    corpus_cells = []
    for fmt in formats:
        timing = timed(f"corpus, --format {fmt}", [*cilint, "check", "--exit-zero", "--format", fmt, "-o", os.devnull,
                                                     *map(str, projects)], max(2, runs // 3))
        corpus_cells.append(timing.cell())
    rows += ["", "| whole corpus, one invocation | " + " | ".join(f"--format {f}" for f in formats) + " |",
             "|---|" + "---|" * len(formats), "| wall median (min-max) | " + " | ".join(corpus_cells) + " |"]
    sizes = [50, 100, 200] if args.quick else [1000, 2000, 4000, 8000]
    with tempfile.TemporaryDirectory() as tmp:
        for kind, make in (("generated jobs", generated_pipeline),
                           ("generated dind jobs (findings with fixes)", generated_dind_pipeline)):
            rows += ["", f"| {kind} | " + " | ".join(f"--format {f} (vs half the jobs)" for f in formats) + " |",
                     "|---|" + "---|" * len(formats)]
            previous: dict[str, float] = {}
            for size in sizes:
                root = make(Path(tmp) / f"{kind[:5]}{size}", size)
                cells = []
                for fmt in formats:
                    timing = timed(f"{size} jobs", [*cilint, "check", "--exit-zero", "--format", fmt, "-o", os.devnull,
                                                    str(root)], max(2, runs // 2))
                    ratio = f" ({timing.median / previous[fmt]:.2f}x)" if fmt in previous else ""
                    cells.append(timing.cell() + ratio)
                    previous[fmt] = timing.median
                rows.append(f"| {size} | " + " | ".join(cells) + " |")
    header = [
        "# cilint benchmarks", "",
        f"Run on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {machine()}.",
        f"Command: `python benchmarks/run.py{' --quick' if args.quick else ''}`; corpus: {len(projects)} projects, "
        f"{len(yaml_files)} YAML and {len(toml_files)} TOML files. cilint is "
        + ("the development install." if args.quick else "a regular install of this checkout (benchmarks/.install), as users run it."),
        "",
    ]
    text = "\n".join(header + rows + [""] + notes) + "\n"
    print(text)
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    # sections measured on their own (--lsp, --scan) come last and are kept until measured again
    kept = [previous.index(title) for title in ("## Language server", "## Scan") if title in previous]
    if kept:
        text = text.rstrip() + "\n\n" + previous[min(kept):]
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
