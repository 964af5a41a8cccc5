"""Metres and degrees: the one equirectangular convention every grid, circle and public point uses."""

from __future__ import annotations

#: Metres per degree of latitude, and of longitude at the equator (scale longitude by cos(latitude) elsewhere).
METRES_PER_DEGREE = 111_320.0
