"""The insight plane: pure algorithms over small count arrays, fed by one counting layer.

``io`` opens cases (a canonical CSV/Parquet file, or an Arrow table of the database's cases that ``insight``
reads) as a DuckDB view named ``cases``; ``counting`` turns that view into count arrays with portable SQL (the part
that moves to Spark unchanged); everything else is numpy on those arrays. Nothing here reads or writes the database.
"""
