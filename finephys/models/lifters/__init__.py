from .estimator_3d_lifter import Estimator3DLifter
from .in_context_lifter import InContextLifter
from .temporal_conv_lifter import TemporalConvLifter

__all__ = ['Estimator3DLifter', 'TemporalConvLifter', 'InContextLifter']
