"""Service-continuity analytics for supervisors (issue 7): figures over a period, per
organization and per primary advocate, weekly trends, and the lists behind every figure.

- ``period``: the chosen dates, validated, and their bounds in the organization's time zone.
- ``median``: a one-query ``Median`` aggregate on PostgreSQL and SQLite.
- ``figures``: what each figure counts, written once as conditions on indexed columns.
- ``metrics``: the numbers (per advocate, per organization, per partner), a fixed number of
  aggregate queries.
- ``trends``: the weekly series, one ``GROUP BY`` query each.
- ``drilldown``: the rows behind each figure, through the access policy.
"""
