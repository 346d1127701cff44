"""Where a column's values contradict its documented unit: a share above 100 %, a rate "per 1000" above
1000, a population's average BMI no population has.

Pure Python (no numpy, no pandas): `lifeexp features` shows the notes without loading the data stack.
`contradiction` computes a note from a column's statistics (`data describe`, `features --data`);
`WHO_NOTES` are the notes for the published WHO file, as facts (`lifeexp features` without --data), and
tests/system/test_who_data.py checks that the data gives exactly these.
"""

from __future__ import annotations

# unit -> the largest value a quantity in that unit can take
UPPER_BOUNDS = {"%": 100.0, "per 1000 population": 1000.0, "per 1000 live births": 1000.0, "index 0-1": 1.0}
# National average BMIs lie between about 19 and 33 kg/m² (WHO GHO, 1975-2016); a median beyond this
# range says the column is not an average BMI in kg/m².
AVERAGE_BMI = (15.0, 40.0)


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:.3g}"


def contradiction(name: str, unit: str, stats: dict) -> str | None:
    """A note when the statistics (`summary.describe`: min, 50%, max) contradict the documented unit."""
    if not stats.get("count"):
        return None
    low, median, high = stats["min"], stats["50%"], stats["max"]
    bound = UPPER_BOUNDS.get(unit)
    if bound is not None and (high > bound or low < 0):
        worst = high if high > bound else low
        return f"documented as {unit}, yet values reach {_number(worst)}: not a {unit} value"
    if name == "bmi" and unit == "kg/m²" and not AVERAGE_BMI[0] <= median <= AVERAGE_BMI[1]:
        return (f"documented as a population's average in kg/m², yet the median is {_number(median)} "
                f"(national averages lie between about 19 and 33)")
    return None


# What `contradiction` says of the published WHO file (2938 rows), checked by tests/system/test_who_data.py.
WHO_NOTES = {
    "infant_deaths": "documented as per 1000 population, yet values reach 1800: not a per 1000 population value",
    "percentage_expenditure": "documented as %, yet values reach 19480: not a % value",
    "measles": "documented as per 1000 population, yet values reach 212183: not a per 1000 population value",
    "bmi": "documented as a population's average in kg/m², yet the median is 43.5 (national averages lie "
           "between about 19 and 33)",
    "under_five_deaths": "documented as per 1000 population, yet values reach 2500: not a per 1000 population "
                         "value",
}
