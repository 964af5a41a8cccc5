"""Sensing: what the city's sensors measure, and air quality by HJ 633-2012 (``aqi``, ``air_report``, ``air_files``)."""
