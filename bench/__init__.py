"""Benchmarks: a data generator at realistic scale and the measurements run against it.

``python -m bench.generate`` fills a database named for benchmarks; ``python -m bench.query_counts``
counts the queries of every API and page route at two scales. BENCHMARKS.md says how to run them.
"""
