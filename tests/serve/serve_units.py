"""The responsible units of the demo workspace that the tests edit: unit1 edits UNIT_A's projects, unit2 UNIT_B's."""

from lifecircle.serve.demo import DEMO_UNITS

UNIT_A = DEMO_UNITS[0][0]
UNIT_B = DEMO_UNITS[1][0]
