"""finephys: physics-aware generation of fine-grained human action videos (FinePhys, CVPR 2025)."""
from .version import __version__, short_version

__all__ = ['__version__', 'short_version']
