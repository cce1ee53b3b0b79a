"""Written by bench/calibrate_strength.py: do not edit by hand (see matching.strength)."""

SIMILAR_SENTENCE_Z = 2.45
GOOD_FIT = 32.0
STRONG_FIT = 95.0
