from . import (fusion, generators, guidance, lifters, losses, physics,  # noqa: F401
               pose_estimators)
from .pose_lifting_model import PoseLiftingModel

__all__ = ['PoseLiftingModel']
