"""An example third-party finephys plugin: registers ``FrameMLPLifter`` in finephys' LIFTERS."""
from .frame_mlp_lifter import FrameMLPLifter

__all__ = ['FrameMLPLifter']
