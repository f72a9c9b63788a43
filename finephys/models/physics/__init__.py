"""Registry folder for physics (modules land with the skeleton-pipeline / generation issues)."""
