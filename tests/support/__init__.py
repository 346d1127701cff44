"""Helpers the tests share (imported as `support.<module>`: tests/ is on sys.path, as for conftest)."""
