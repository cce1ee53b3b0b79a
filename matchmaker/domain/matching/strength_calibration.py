"""Written by bench/calibrate_strength.py: do not edit by hand (see matching.strength)."""

SIMILAR_SENTENCE_Z = 2.35
GOOD_FIT = 31.0
STRONG_FIT = 83.0
