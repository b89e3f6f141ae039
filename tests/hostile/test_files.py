"""The user's files: symlinks, FIFOs, devices, hard links, owners, and files that change under cilint."""

from __future__ import annotations

import json
import os

import pytest

from cilint import filesystem
from cilint.results import Options
from cilint.fixes import loop
from tests.hostile.measure import run_bounded

# NET003's fix (a safe `alias:`) applies with a plain --fix
FIXABLE = "test:\n  services:\n    - name: registry.example.com/team/postgres-custom:16\n  script:\n    - psql -h postgres-custom -c 'select 1'\n"


def fixable_text() -> str:
    return FIXABLE


@pytest.fixture
def fixable(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(FIXABLE)
    proc = run_bounded(["check", "--diff"], tmp_path, seconds=5)
    assert proc.returncode == 1 and "+" in proc.stdout, "the example must have a safe fix"
    return tmp_path


# -- reports -------------------------------------------------------------------------------------


def test_report_never_written_through_a_symlink(fixable, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "victim.txt"
    outside.write_text("precious\n")
    link = fixable / "gl-code-quality-report.json"
    link.symlink_to(outside)
    measured = run_bounded(["check", "--format", "codequality", "--output", "gl-code-quality-report.json"],
                           fixable, seconds=5)
    assert measured.returncode == 1
    assert outside.read_text() == "precious\n"
    assert not link.is_symlink() and json.loads(link.read_text())


def test_a_crash_while_writing_a_report_keeps_the_previous_one(tmp_path, monkeypatch):
    report = tmp_path / "report.json"
    report.write_text("previous\n")

    def crash(fd):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(filesystem.os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        filesystem.write_report(report, "[]\n")
    assert report.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


# -- fixes ---------------------------------------------------------------------------------------


def test_fix_edits_the_target_of_a_symlink_inside_the_project(tmp_path):
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "main.yml").write_text(FIXABLE)
    (tmp_path / ".gitlab-ci.yml").symlink_to("ci/main.yml")
    run_bounded(["check", "--fix"], tmp_path, seconds=5)
    assert (tmp_path / ".gitlab-ci.yml").is_symlink()
    assert "alias:" in (tmp_path / "ci" / "main.yml").read_text()


def test_fix_never_writes_outside_the_project(tmp_path, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "main.yml"
    outside.write_text(FIXABLE)
    (tmp_path / ".gitlab-ci.yml").symlink_to(outside)
    measured = run_bounded(["check", "--fix", "--format", "json"], tmp_path, seconds=5)
    assert outside.read_text() == FIXABLE and (tmp_path / ".gitlab-ci.yml").is_symlink()
    rules = {(f["rule"], f["severity"]) for f in json.loads(measured.stdout)["findings"]}
    assert rules == {("CIL002", "blocker")}


def test_fix_keeps_hard_links_owner_and_mode(fixable):
    main = fixable / ".gitlab-ci.yml"
    other = fixable / "copy-of-ci.yml.bak"
    os.link(main, other)
    main.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(main, 1234, 2345)
    inode = main.stat().st_ino
    run_bounded(["check", "--fix"], fixable, seconds=5)
    assert "alias:" in main.read_text() and other.read_text() == main.read_text()
    info = main.stat()
    assert info.st_ino == inode and info.st_nlink == 2 and (info.st_mode & 0o777) == 0o640
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (1234, 2345)


def test_fix_keeps_the_owner_of_a_replaced_file(fixable):
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    main = fixable / ".gitlab-ci.yml"
    os.chown(main, 1234, 2345)
    inode = main.stat().st_ino
    run_bounded(["check", "--fix"], fixable, seconds=5)
    info = main.stat()
    assert "alias:" in main.read_text() and info.st_ino != inode  # replaced atomically...
    assert (info.st_uid, info.st_gid) == (1234, 2345)  # ...with its owner


def test_fix_skips_a_file_edited_while_cilint_ran(fixable):
    main = fixable / ".gitlab-ci.yml"
    options = Options(paths=(fixable,))
    outcome = loop.fix(options, unsafe=False)
    assert outcome.changed
    edited = FIXABLE + "# the user's edit\n"
    main.write_text(edited)
    (written,) = loop.write(outcome, options)
    assert not written.written and "changed while cilint ran" in written.reason
    assert main.read_text() == edited


def test_cli_reports_the_skipped_file_and_no_phantom_fix(fixable, monkeypatch):
    """The whole command: the file changes between analysis and writing."""
    real_write = loop.write

    def edit_then_write(outcome, options):  # type: ignore[no-untyped-def]
        (fixable / ".gitlab-ci.yml").write_text(FIXABLE + "# edited\n")
        return real_write(outcome, options)

    monkeypatch.setattr(loop, "write", edit_then_write)
    monkeypatch.chdir(fixable)
    from cilint.check_command import CheckRequest, run_check

    import io
    import contextlib

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run_check(CheckRequest(paths=(fixable,), fix=True))
    assert code == 1
    assert "not fixed: .gitlab-ci.yml: it changed while cilint ran" in err.getvalue()
    assert "Fixed" not in err.getvalue()


# -- what is read --------------------------------------------------------------------------------


def test_links_to_devices_and_fifos_are_never_opened(tmp_path, tmp_path_factory):
    (tmp_path / ".gitlab-ci.yml").write_text("job:\n  script: echo hi\n")
    fifo_outside = tmp_path_factory.mktemp("fifo") / "pipe"
    os.mkfifo(fifo_outside)
    (tmp_path / "values.yaml").symlink_to(fifo_outside)  # opening it would block: no writer
    (tmp_path / "kmsg.yml").symlink_to("/proc/kmsg")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "config.toml")
    os.mkfifo(tmp_path / "other.gitlab-ci.yml")
    measured = run_bounded(["check", "--format", "json", "--fail-on", "info"], tmp_path, seconds=3)
    paths = {f["path"] for f in json.loads(measured.stdout)["findings"]}
    assert paths <= {"other.gitlab-ci.yml", "config.toml"}


@pytest.mark.parametrize("name", ["pipe.gitlab-ci.yml", "config.toml", "values.yaml"])
def test_a_fifo_named_on_the_command_line_is_refused_at_once(tmp_path, name):
    os.mkfifo(tmp_path / name)
    measured = run_bounded(["check", "--format", "json", name], tmp_path, seconds=3)
    (finding,) = json.loads(measured.stdout)["findings"]
    assert finding["rule"] in ("CIL001", "CIL002") and "FIFO" in finding["message"]


def test_a_fifo_given_as_runner_config_is_a_usage_error(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text("job:\n  script: echo hi\n")
    os.mkfifo(tmp_path / "fifo.toml")
    measured = run_bounded(["check", "--runner-config", "fifo.toml"], tmp_path, seconds=3)
    assert measured.returncode == 2 and "fifo.toml" in measured.stderr


def test_an_unreadable_runner_config_in_a_scan_is_reported(tmp_path, monkeypatch):
    (tmp_path / ".gitlab-ci.yml").write_text("job:\n  script: echo hi\n")
    config = tmp_path / "config.toml"
    config.write_text('[[runners]]\n  name = "x"\n  executor = "docker"\n')
    config.chmod(0o000)
    if os.geteuid() == 0:  # root reads any file: make the read fail as it does for anyone else
        from cilint.loading import discover

        real = discover.read_regular

        def denied(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if path.endswith("config.toml"):
                raise PermissionError(13, "Permission denied")
            return real(path, *args, **kwargs)

        monkeypatch.setattr(discover, "read_regular", denied)
    from cilint.engine import run

    (finding,) = run(Options(paths=(tmp_path,))).findings
    assert finding.rule_id == "CIL002" and finding.path == "config.toml"
    assert "was not checked" in finding.message and "Permission denied" in finding.message
