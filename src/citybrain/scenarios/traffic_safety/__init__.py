"""Traffic safety (交通安全): large vehicles' right-turn blind zones (右转盲区) at intersections, from collisions."""
