"""Every bound lifeexp holds to, in one place: what the data readers accept (data/), what a model file
may hold (model/store.py, model/fields.py), and the caps of the options whose values a model file keeps.

A bound that two modules share lives only here: the reader refuses a value the loader would refuse, the
fit refuses an option a model file could not hold. Pure Python and no imports: `predict` reads it on its
fast start-up path (the model loader), and so do the readers.
"""

# --- data (data/) ------------------------------------------------------------------------------------------

# |a value| in data or in a person's options: beyond this, squares overflow float64 in any least-squares method
LARGEST_VALUE = 1e100
# |a feature's or the target's value| in data read to fit, evaluate or describe: a model file keeps each
# feature's centre and scale for the domain check up to MAX_DOMAIN_VALUE, so a larger value (a BMI of 1e20)
# would be trained on and then be refused when saving. Named by its row when read (both readers).
MAX_DATA_VALUE = 1e15
MAX_HEADER_BYTES = 1 << 20  # a CSV's first line: longer is no header (100,000 columns of 10 bytes)
MAX_RECORD_BYTES = 8 << 20  # one record (line) of any CSV read: longer means unbalanced quotes or no line breaks
MAX_PEOPLE_BYTES = 1 << 20  # a --people file: people to compare are typed by hand (predict --input takes big files)
# one column of one Parquet row group, decoded (a 200 KB file of one 2000-character string repeated, stored
# once in a dictionary, decodes to gigabytes): larger is refused before it is decoded
MAX_PARQUET_COLUMN_BYTES = 256 << 20
MAX_PARTS = 100_000  # files a glob or a folder of data parts may name

# --- computing on the columns (evaluate/correlation.py, evaluate/selection.py) ------------------------------

MAX_COLUMNS = 2000  # a correlation matrix: a 2000 × 2000 matrix takes several 32 MB arrays while it is computed
MAX_PAIRWISE_RANK_COLUMNS = 300  # Spearman with missing values: 45 000 pairs ranked one by one, about a second
# Forward selection scores every remaining candidate at each step, so a full search is about p²/2
# cross-validated fits: 200 candidates is up to 20 100 × K fits; 5000 (a wide file's every column) 12.5 million.
MAX_CANDIDATES = 200

# --- the model file (model/store.py, model/fields.py, model/destination.py) --------------------------------

MAX_MODEL_BYTES = 64 * 1024 * 1024  # a model file, written or read
FLOAT_BYTES = 9  # one float in the file: the BINFLOAT opcode and its 8 bytes
MAX_NAME_CHARS = 200  # a model's --name
MAX_DEPTH = 32  # nesting of lists and mappings in a record
MAX_ELEMENTS = 10_000_000  # values in a record, references counted; a 64 MiB file holds at most ~7.5M floats
MAX_INT = 2**63 - 1  # an integer in a record: 64 bits (a 10⁴⁰⁰ integer would crash math.isfinite)
MAX_TEXT = 100_000  # characters in any one string of a record
MAX_LABEL_CHARS = 100  # lifeexp_version, created_at
MAX_COLUMN_CHARS = 1000  # a feature's, the target's or a term's name
MAX_SOURCE_CHARS = 4096  # where the data came from (data.source)
MAX_METHOD_CHARS = 200  # the calibration's normalizer
SHA256_CHARS = 64  # data.sha256, in hex
MAX_FEATURES = 10_000
MAX_FOLDS = 10_000
MAX_ROWS_COUNTED = 10 ** 12  # calibration.rows: rows of data a fit saw

# --- training options a model file keeps (optim/loop.py, nn/regressor.py, nn/ensemble.py) -----------------
# `compare --folds` trains again with the stored options: bounded, so that it ends.

MAX_EPOCHS = 1_000_000  # --epochs and --patience
MAX_WIDTH, MAX_LAYERS = 4096, 16  # --hidden: units per layer, hidden layers
MAX_MEMBERS = 20  # --ensemble: networks in an ensemble
MAX_STORED_PARAMETERS = MAX_MODEL_BYTES // FLOAT_BYTES // 2  # an ensemble's weights and biases: half a file

# --- prediction intervals (evaluate/conformal.py; checked at load by model/fields.py) ----------------------
# Bounds that keep a + bᵀ(g(x) − m)/s finite for every float x (|g(x)| < 710) and q·σ(x) finite.

MAX_CALIBRATION_SCORES = 4096  # stored scores: order statistics thinned evenly beyond this (bounded file size)
MAX_CALIBRATION_SCORE = 1e100  # one normalized residual
MAX_CALIBRATION_CENTER = 1e3  # |center| of the error-size model's inputs (and of the member spread's)
CALIBRATION_SCALE = (1e-9, 1e3)  # its scales, low and high (and the member spread's)
MAX_CALIBRATION_COEF = 1e15  # |a coefficient| of the error-size model: NIST Filip gives -5.4e6
MAX_SPREAD_COEF = 1e6  # |the member spread's coefficient|
MAX_LOG_SCALE = 50.0  # |log σ| of an interval's error size: beyond this no model's errors lie
MAX_DISTANCE_COEF = 1e6  # the shift calibration's distance coefficient c (evaluate/shift.py), c >= 0
MAX_DISTANCE_REFERENCE = 1e15  # its d₀ (a domain distance, in standard deviations: MAX_DOMAIN_VALUE's scale)

# --- the domain check (evaluate/domain.py; checked at load by model/fields.py) -----------------------------

MAX_DOMAIN_ROWS = 2000  # reference rows at most ...
MAX_DOMAIN_CELLS = 40_000  # ... and numbers at most (2000 × 20 features: about 360 KB in the model file)
MAX_DOMAIN_K = 5  # nearest rows: the check uses this many
MAX_DOMAIN_VALUE = MAX_DATA_VALUE  # |center|, scale and |standardized value| of the reference rows
# The smallest scale of a standardized input (the domain reference's, the model's scaler): an input within
# LARGEST_VALUE then stays below 1e150 standardized, so squares summed over MAX_FEATURES features stay finite.
# A column that varies less than this is constant to any data: it is fitted with scale 1.
MIN_INPUT_SCALE = 1e-50

# People files and data install:
MAX_DATASET_BYTES = 4 << 20  # data install: the WHO file is 0.3 MiB; a larger file is not it (read no further)
SHOWN_CHARS = 100  # of a value typed or read, shown in a message: a 5000-digit number is cut with "…"
