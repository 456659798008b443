"""``dosi rules ...`` on the embedded store, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dosi.cli import app

YAML = """
id: smoke
name: {en: Smoke, ko: 연기}
entity_type: https://smartdatamodels.org/dataModel.Environment/AirQualityObserved
attribute: https://smartdatamodels.org/dataModel.Environment/pm25
category: air
condition: {kind: held, value: 75, duration: 1h}
"""


def test_add_list_show_versions_delete(tmp_path: Path) -> None:
    runner = CliRunner()
    store = ["--data-dir", str(tmp_path / "data")]
    rule = tmp_path / "smoke.yaml"
    rule.write_text(YAML, encoding="utf-8")

    added = runner.invoke(app, ["rules", "add", str(rule), *store])
    assert added.exit_code == 0, added.output
    assert "added rule smoke (version 1)" in added.output
    rule.write_text(YAML.replace("value: 75", "value: 80"), encoding="utf-8")
    updated = runner.invoke(app, ["rules", "add", str(rule), *store])
    assert "updated rule smoke (version 2)" in updated.output

    listed = runner.invoke(app, ["rules", "list", *store])
    assert listed.exit_code == 0 and "smoke" in listed.output and "held" in listed.output
    shown = runner.invoke(app, ["rules", "show", "smoke", *store])
    assert json.loads(shown.output)["condition"]["value"] == 80
    versions = runner.invoke(app, ["rules", "versions", "smoke", *store])
    assert versions.exit_code == 0 and "1" in versions.output and "2" in versions.output

    other = runner.invoke(app, ["rules", "list", "--tenant", "other", *store])
    assert "smoke" not in other.output
    deleted = runner.invoke(app, ["rules", "delete", "smoke", *store])
    assert deleted.exit_code == 0 and "deleted rule smoke" in deleted.output
    missing = runner.invoke(app, ["rules", "show", "smoke", *store])
    assert missing.exit_code == 1 and "no rule 'smoke'" in missing.output


def test_bad_files_fail_cleanly(tmp_path: Path) -> None:
    runner = CliRunner()
    store = ["--data-dir", str(tmp_path / "data")]
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", "condition": {"kind": "teleport"}}', encoding="utf-8")
    result = runner.invoke(app, ["rules", "add", str(bad), *store])
    assert result.exit_code == 1 and "invalid rule" in result.output
    result = runner.invoke(app, ["rules", "add", str(tmp_path / "absent.json"), *store])
    assert result.exit_code == 1 and "cannot read" in result.output
