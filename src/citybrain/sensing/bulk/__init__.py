"""Bulk import of sensor files (传感器数据批量导入) into the SensorThings tables: ``air`` (Beijing multi-site layout)
and ``parking`` (Birmingham layout). Streaming, all or nothing per file, idempotent; docs/sensing.md, "Importing
sensor files". Modules import pyarrow and numpy: load them only when a command runs.
"""
