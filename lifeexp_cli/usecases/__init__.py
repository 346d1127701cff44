"""One function per thing a user does; the command line and the Python API (lifeexp_cli/api.py) both call
them. Each takes plain values and a `Spec`, returns typed values (a small frozen dataclass or the model
record) and words nothing: progress, warnings and what it is about to do reach the caller through
callbacks, and the caller (cli/ or the API) words them.

- fit.py: `fit_source` (fit a data source in memory, streamed or on Dask, and save it), `fit_record`.
- assess.py: `cross_validate`, `select`, `evaluate` (a saved model scored on data).
- predict.py: `predict_person` (one person: row, prediction, interval, domain), `predict_rows` (a CSV).
- compare.py: `compare` (saved models side by side for people; cross-validated again on the same folds).
- explore.py: `correlations`, `data_info`, `describe`, `features`.
- plot_data.py: `plot` (a saved model's plots, as the numbers each picture shows).
- backprop.py: `worked_example` (the lecture's backprop example, through a recorded graph).
- data_source.py: `install` (the WHO dataset into the user data folder), `where` (which data is read).

The modules are imported by name (`from lifeexp_cli.usecases import fit`), never from here, so that the
fast commands load only what they use.
"""
