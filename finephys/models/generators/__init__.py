"""Registry folder for generators (modules land with the skeleton-pipeline / generation issues)."""
