"""The stage_config step warns, by name, about every delivery outside the extract contract."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.defs.ingest.assets import stage_config
from orchestration.settings import StagewiseSettings


def test_stage_config_logs_each_unknown_delivery(tmp_path: Path) -> None:
    extracts = tmp_path / "extracts"
    for relative in ("crm/quotes/a.csv", "wecom/foo/a.jsonl", "crm/fx_rates/a.csv", "crm/users/a.csv"):
        (extracts / relative).parent.mkdir(parents=True, exist_ok=True)
        (extracts / relative).write_text("x\n", encoding="utf-8")
    instance = dg.DagsterInstance.ephemeral()
    settings = StagewiseSettings(extracts_dir=str(extracts), warehouse=str(tmp_path / "w.duckdb"))
    result = dg.materialize([stage_config], resources={"settings": settings}, instance=instance)
    warnings = [
        record.user_message
        for record in instance.all_logs(result.run_id)
        if record.level == 30 and record.step_key == "stage_config"
    ]
    assert warnings == [
        "crm/quotes/: not part of the extract contract: not read",
        "wecom/foo/: not part of the extract contract: not read",
    ]
    metadata = result.asset_materializations_for_node("stage_config")[0].metadata
    assert metadata["deliveries_not_read"].value == 2
    assert metadata["reporting_currency"].value == "CNY"
