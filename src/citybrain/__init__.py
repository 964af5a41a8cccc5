"""CityBrain 城市大脑 — an open-source city-governance platform."""

__version__ = "0.1.0"
