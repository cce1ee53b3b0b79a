"""Pure domain logic: matching, scheduling, importing.

Nothing under this package may import flask, sqlalchemy or celery, so that the web layer, the
command line and the workers all call the same functions (a test enforces it).
"""
