"""Tests of the terminal UI: Pilot journeys (behaviour) and snapshots (looks)."""
