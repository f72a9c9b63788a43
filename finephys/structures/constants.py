"""Physical constants shared by the solvers, the datasets and the evaluation."""

#: Standard gravity, m/s² (ISO 80000-3).
STANDARD_GRAVITY = 9.80665
