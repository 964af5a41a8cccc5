"""City scenarios on sensing and analytics.

Barrier-free car parks (无杆停车, ``parking``) and right-turn blind zones (右转盲区, ``traffic_safety``).
"""
