from pathlib import Path

from tests.conftest import FIXED_NOW, Run


def test_example_builds(example_repo: Path, run: Run) -> None:
    result = run(example_repo, "build", "--now", FIXED_NOW)
    assert result.exit_code == 0, result.output
    index = (example_repo / "site" / "index.html").read_text()
    assert "Campus server upgrade" in index
    assert "banner-maintenance" in index
