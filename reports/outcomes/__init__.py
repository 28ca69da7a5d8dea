"""Outcome and equity analytics (issue 21, points 4 and 5): how young people are doing, and
whether that differs between groups of young people.

- ``dimensions``: the groups of each young person (race and ethnicity, age band at opening,
  gender), and how each is worked out.
- ``measures``: what each measure counts: the records in one query, and the one function that
  puts each record in a category; the numbers and the lists behind them both use it.
- ``report``: the tables: overall and by each group, small cells withheld (R22), the gap
  between groups, and how each table reconciles with its base.
"""
