"""The README's settings reference is generated from the schema and cannot drift."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.app import schema
from generator.config import schema as s
from generator.config import yamlnodes as yn
from generator.config.reference import END, START, _kind, _rows, reference, replace_section
from generator.config.settings import COMPONENT
from generator.docs import main

REPO = Path(__file__).resolve().parent.parent


def test_readme_settings_reference_is_current() -> None:
    readme = (REPO / "README.md").read_text()
    assert replace_section(readme, reference(schema().fields)) == readme, (
        "README.md's settings reference is out of date: run `python -m generator.docs`")


def test_every_setting_and_section_has_a_row() -> None:
    text = reference(schema().fields)
    for field in schema().fields:
        assert f"| `{field.name}` | {_kind(field).replace('|', chr(92) + '|')} |" in text
    for field in COMPONENT.fields:
        assert f"| `components[].{field.name}` |" in text


def test_rows_show_defaults_required_and_examples() -> None:
    fields = (
        s.Field("title", s.text, "text", "The title.", required=True, example="Acme"),
        s.Field("count", s.integer(1, 9), "number", "How many.", default=3),
        s.Field("flag", s.boolean, "true | false", "A flag.", default=False),
        s.Field("prefix", s.text, "text", "A prefix.", default=""),
        s.Field("items", s.list_of(s.record(COMPONENT)), "list of components", "Parts."),
    )
    lines = reference(fields).splitlines()[4:]
    assert lines[:4] == [
        "| `title` | text | required | The title. Example: `Acme`. |",
        "| `count` | number, 1 to 9 | `3` | How many. |",
        "| `flag` | true \\| false | `false` | A flag. |",
        '| `prefix` | text | `""` | A prefix. |',
    ]
    assert lines[4] == "| `items` | list of components |  | Parts. |"
    assert lines[5].startswith("| `items[].id` | id | required | Stable id")


def test_a_number_s_type_gives_the_values_check_accepts() -> None:
    """A newcomer reading 'history_days | days | 90' cannot guess that 5 or 400 is refused:
    the Type column gives the range, and it is the one the parser holds to."""
    rows = list(_rows(schema().fields, "", None, {}))
    ranged = {path: field for path, _, field in rows
              if re.search(r", [0-9.]+ to [0-9.]+$", _kind(field))}
    assert set(ranged) == {
        "stale_after", "feed_items", "closed_recent", "history_days", "recent_days",
        "publish[].retries", "publish[].keep", "publish[].jobs", "notify.smtp.port",
        "notify.smtp.timeout", "notify.webhooks[].timeout", "notify.webhooks[].retries",
        "notify.webhooks[].backoff"}
    text = reference(schema().fields)
    assert "| `history_days` | days, 7 to 365 | `90` |" in text
    assert "| `notify.webhooks[].timeout` | seconds, 0.1 to 120 | `10.0` |" in text
    for path, field in ranged.items():
        low, high = _kind(field).rsplit(", ", 1)[1].split(" to ")
        for accepted in (low, high):
            assert field.parse(yn.Scalar(accepted, 1, False), path) == float(accepted), path
        step = 0.1 if "." in low else 1
        for refused in (float(low) - step, float(high) + step):
            if refused < 0:
                continue
            written = f"{refused:g}" if step < 1 else str(int(refused))
            with pytest.raises(s.Expected):
                field.parse(yn.Scalar(written, 1, False), path)


def test_check_mode_reports_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{START}\nold table\n{END}\n\nMore.\n")
    assert main(["--check", str(readme)]) == 1
    assert capsys.readouterr().err == (
        f"{readme}: the settings reference is out of date; "
        "run `python -m generator.docs`\n")
    assert main([str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith(f"# Title\n\n{START}\nEvery key of `outpost.yaml`.")
    assert text.endswith(f"{END}\n\nMore.\n")
    assert main(["--check", str(readme)]) == 0


def test_missing_markers_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as caught:
        replace_section("# No markers\n", "table\n")
    assert str(caught.value) == f"README.md lacks the markers {START} ... {END}"


def test_module_runs_as_a_command(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"{START}\n{END}\n")
    done = subprocess.run([sys.executable, "-m", "generator.docs", str(readme)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Updated the settings reference in {readme}\n"


def test_missing_readme_is_a_message_not_a_traceback(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "README.md")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'README.md'}: No such file or directory\n"
    (tmp_path / "README.md").write_text("# No markers\n")
    assert main([str(tmp_path / "README.md")]) == 2
    assert capsys.readouterr().err == (
        f"{tmp_path / 'README.md'}: README.md lacks the markers {START} ... {END}\n")
