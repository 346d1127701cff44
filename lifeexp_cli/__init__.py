"""lifeexp: predict life expectancy with linear regression and small neural networks."""

__version__ = "0.1.0"
