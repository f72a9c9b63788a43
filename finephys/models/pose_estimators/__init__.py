"""Registry folder for pose estimators (modules land with the skeleton-pipeline / generation issues)."""
