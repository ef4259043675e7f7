"""pipelines.yml settings reach dbt as vars, under the names dbt_project.yml declares."""

from __future__ import annotations

import yaml

from ingest.stages import parse_stage_config
from orchestration.lib.dbt import dbt_vars, profile_vars
from orchestration.settings import DBT_PROJECT_DIR

PIPELINES = "pipelines:\n  - key: default\n    stages: [{key: quote}]\n"


def test_business_timezone_and_reporting_currency_are_passed_to_dbt():
    config = parse_stage_config(f"business_timezone: America/Sao_Paulo\nreporting_currency: brl\n{PIPELINES}", "p")
    assert dbt_vars(config) == {"business_timezone": "America/Sao_Paulo", "reporting_currency": "BRL"}


def test_every_var_passed_has_a_default_in_dbt_project_yml():
    declared = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    defaults = dbt_vars(parse_stage_config(PIPELINES, "p"))
    assert (
        {name: declared[name] for name in defaults}
        == defaults
        == {
            "business_timezone": "Asia/Shanghai",
            "reporting_currency": "CNY",
        }
    )


def test_the_warehouse_reaches_profiles_yml_as_a_var(tmp_path):
    """The dbt asset passes the warehouse as a var (not through os.environ); profiles.yml reads that var first."""
    [(name, value)] = profile_vars(tmp_path / "w.duckdb").items()
    assert value == str(tmp_path / "w.duckdb")
    path = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    assert f"var('{name}'" in path["stagewise"]["outputs"]["duckdb"]["path"]
