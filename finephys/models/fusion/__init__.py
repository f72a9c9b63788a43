"""Registry folder for fusion (modules land with the skeleton-pipeline / generation issues)."""
