# The verbs a newcomer types. Only Python 3.11+ and make are needed; everything else installs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo_extracts
WAREHOUSE ?= warehouse/stagewise.duckdb
SCALE ?= 1

export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DAGSTER_DISABLE_TELEMETRY := 1
export GX_ANALYTICS_ENABLED := False
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install run test dev lint bench docs clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "stagewise needs Python 3.11+"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# The instance settings have one home, orchestration/dagster.yaml (`stagewise run` uses it too).
$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $@

install: $(BIN)/.installed $(DAGSTER_HOME)/dagster.yaml

## run: demo extracts -> the whole asset graph -> warehouse/stagewise.duckdb, then the headline KPIs
run: install
	$(BIN)/stagewise demo --out $(DEMO_DIR) --scale $(SCALE)
	$(BIN)/stagewise run --extracts $(DEMO_DIR) --warehouse $(WAREHOUSE)
	$(BIN)/stagewise kpi --warehouse $(WAREHOUSE)

## test: the whole suite (unit, dbt unit tests, definitions, end to end)
test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto --dist loadgroup --durations=15

## dev: the Dagster UI on the demo extracts (http://127.0.0.1:3000)
dev: install
	PATH="$(CURDIR)/$(BIN):$$PATH" STAGEWISE_EXTRACTS_DIR=$(CURDIR)/$(DEMO_DIR) \
	STAGEWISE_WAREHOUSE=$(CURDIR)/$(WAREHOUSE) $(BIN)/dagster dev -w workspace.yaml

## docs: dbt's documentation site (lineage, column descriptions) as one offline page, <warehouse dir>/reports/dbt-docs.html
docs: install
	$(BIN)/python -m reporting.dbt_docs --warehouse $(WAREHOUSE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m bench --scale $(SCALE)

clean:
	rm -rf $(DEMO_DIR) warehouse dbt_project/target dbt_project/logs
