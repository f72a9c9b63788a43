from .temporal_conv_lifter import TemporalConvLifter

__all__ = ['TemporalConvLifter']
