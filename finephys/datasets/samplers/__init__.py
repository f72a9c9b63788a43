from .resumable_samplers import ResumableInfiniteSampler, ResumableSampler

__all__ = ['ResumableSampler', 'ResumableInfiniteSampler']
