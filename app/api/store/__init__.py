"""SQLite storage of networks, their history, uploaded data sets and jobs."""

from app.api.store.db import Database

__all__ = ["Database"]
