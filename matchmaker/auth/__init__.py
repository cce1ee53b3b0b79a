"""Log in, log out, change password."""

from matchmaker.auth.views import bp

__all__ = ["bp"]
