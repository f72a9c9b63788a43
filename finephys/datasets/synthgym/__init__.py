"""SynthGym: a physics-true synthetic gymnastics world (the embedded default dataset)."""
from .actions import ACTIONS, SUBSETS, describe, list_actions
from .body import GRAVITY, BodyModel
from .camera import project
from .generate import generate_clip, simulate_world
from .noise import KeypointNoise

__all__ = ['ACTIONS', 'SUBSETS', 'list_actions', 'describe', 'generate_clip', 'simulate_world',
           'BodyModel', 'KeypointNoise', 'GRAVITY', 'project']
