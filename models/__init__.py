"""The shipped models (installed as the package `lifeexp_cli.shipped`); rebuild them with `make models`."""
