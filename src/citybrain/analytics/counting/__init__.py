"""The heavy counting, in one place: cases → counts per cell × time window × category, in portable SQL.

Each module here takes a DuckDB connection holding the view ``cases`` (see ``analytics.io``) and returns small numpy
arrays with their labels. Only standard SQL (GROUP BY, window-free arithmetic on columns) is used, so the same
queries run on Spark SQL when a city outgrows one machine. The statistics never touch the rows themselves.
"""
