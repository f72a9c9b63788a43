"""High-level APIs (inferencers land with the skeleton-pipeline and generation issues)."""
