"""Physical constants shared by the solvers, the datasets and the evaluation."""
import numpy as np

#: Standard gravity, m/s² (ISO 80000-3).
STANDARD_GRAVITY = 9.80665

#: "Up" of a level camera in the camera frame (x right, y down, z forward); read-only.
LEVEL_UP = np.array([0.0, -1.0, 0.0])
LEVEL_UP.setflags(write=False)

#: A level camera's gravity in the camera frame, m/s² (what a solver assumes without one);
#: read-only (take a ``.copy()`` to change it).
LEVEL_GRAVITY = np.array([0.0, STANDARD_GRAVITY, 0.0])
LEVEL_GRAVITY.setflags(write=False)
