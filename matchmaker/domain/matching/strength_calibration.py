"""Written by bench/calibrate_strength.py: do not edit by hand (see matching.strength)."""

SIMILAR_SENTENCE_Z = 2.5
GOOD_FIT = 35.0
STRONG_FIT = 95.0
