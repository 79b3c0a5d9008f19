"""recapture engine: loads law from rules/ and tables/, runs it on durable-rules, reports.

The engine knows no law. Every rate, threshold, period, table and ordering is
data under rules/ and tables/; this package only loads, validates, compiles,
runs, traces and reports.
"""
__version__ = "0.1.0"
