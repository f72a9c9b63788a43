"""Registry folder for guidance (modules land with the skeleton-pipeline / generation issues)."""
