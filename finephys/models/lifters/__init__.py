from .in_context_lifter import InContextLifter
from .temporal_conv_lifter import TemporalConvLifter

__all__ = ['TemporalConvLifter', 'InContextLifter']
