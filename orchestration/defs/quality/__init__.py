"""Great Expectations suites (expectations/) as blocking Dagster asset checks on raw, staging and marts."""
