"""Alerts (预警): every early-warning signal as a record a person acknowledges, snoozes or closes; notifications."""
