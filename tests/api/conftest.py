"""Fixtures the API tests share (plain helpers live in api_world.py)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.api.api_world import ApiWorld, make_world


@pytest.fixture
def world(app: Flask) -> ApiWorld:
    return make_world(app)
