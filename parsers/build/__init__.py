"""Build-time tools that convert reference data into the parser's shipped data files."""
