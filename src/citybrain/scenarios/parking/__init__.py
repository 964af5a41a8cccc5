"""Barrier-free car parks (无杆停车: drive in, drive out, pay later) — gate reads paired into sessions, sessions
billed in fen to the plate's account, occupancy, its forecast and the nearest car park with space.

Pure parts (no I/O): :mod:`plates`, :mod:`pairing`, :mod:`tariff`, :mod:`forecast`, :mod:`generator`. Storage and
routes: :mod:`repository`, :mod:`service`, :mod:`api`.
"""
