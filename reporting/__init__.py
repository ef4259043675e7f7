"""What managers and `stagewise kpi` read from the published marts, with no Dagster: the queries (`queries`), the
one number formatter (`formatting`), the terminal summaries (`terminal`), the HTML report (`html`) and the ingest
load summary printed after a run (`load_summary`)."""
