"""The README stays true to the code: two set-up commands, every column in the data model."""

from pathlib import Path

from geo.schema import TABLES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CI = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")


def test_two_setup_commands_and_ci_runs_the_test_command():
    assert "make run " in README and "make test " in README
    assert "make test" in CI


def test_data_model_lists_every_column():
    missing = [f"{t}.{c.name}" for t, cols in TABLES.items() for c in cols if f"`{c.name}`" not in README]
    assert not missing, f"README data model misses: {missing}"
