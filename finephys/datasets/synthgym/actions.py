"""The SynthGym action catalogue: FineGym gym99 floor elements SynthGym can perform.

Names and labels are FineGym's own (gym99 ``Clabel`` and the text after ``(FX)``), so a model
trained on SynthGym speaks FineGym's label space. Each entry gives the element's family
(``jump`` with one- or two-foot take-off, ``turn``, ``salto``), the shape it holds in the air or
during the turn, and its rotation targets; :mod:`.elements` turns that into motion.
"""
from collections import OrderedDict

from finephys.utils.errors import InputDataError

from ..text_expansion import GYM99_FX_DESCRIPTIONS, load_descriptions

SUBSETS = ('FX-JUMP', 'FX-TURN', 'FX-SALTO')

# name: (gym99 Clabel, subset, spec)
_CATALOGUE = [
    ('switch leap (leap forward with leg change to cross split)', 10, 'FX-JUMP',
     dict(family='jump', takeoff='one_foot', shape='split', switch=True, turns=0.0)),
    ('switch leap with 0.5 turn', 6, 'FX-JUMP',
     dict(family='jump', takeoff='one_foot', shape='split', switch=True, turns=0.5)),
    ('split jump (leg separation 180 degree parallel to the floor)', 12, 'FX-JUMP',
     dict(family='jump', takeoff='two_feet', shape='split', switch=False, turns=0.0)),
    ('split jump with 1 turn', 11, 'FX-JUMP',
     dict(family='jump', takeoff='two_feet', shape='split', switch=False, turns=1.0)),
    ('straddle pike or side split jump with 1 turn', 14, 'FX-JUMP',
     dict(family='jump', takeoff='two_feet', shape='straddle', switch=False, turns=1.0)),
    ('stag jump', 16, 'FX-JUMP',
     dict(family='jump', takeoff='one_foot', shape='stag', switch=False, turns=0.0)),
    ('1 turn on one leg, free leg optional below horizontal', 21, 'FX-TURN',
     dict(family='turn', shape='passe', turns=1.0)),
    ('2 turn on one leg, free leg optional below horizontal', 20, 'FX-TURN',
     dict(family='turn', shape='passe', turns=2.0)),
    ('2 turn in tuck stand on one leg, free leg straight throughout turn', 18, 'FX-TURN',
     dict(family='turn', shape='tuck_stand', turns=2.0)),
    ('2 turn with free leg held upward in 180 split position throughout turn', 17, 'FX-TURN',
     dict(family='turn', shape='split_up', turns=2.0)),
    ('1 turn with heel of free leg forward at horizontal throughout turn', 23, 'FX-TURN',
     dict(family='turn', shape='heel_forward', turns=1.0)),
    ('salto forward tucked', 25, 'FX-SALTO',
     dict(family='salto', shape='tuck', saltos=1.0, twists=0.0)),
    ('salto forward stretched, feet land together', 30, 'FX-SALTO',
     dict(family='salto', shape='layout', saltos=1.0, twists=0.0)),
    ('salto forward stretched with 1 twist', 28, 'FX-SALTO',
     dict(family='salto', shape='layout', saltos=1.0, twists=1.0)),
    ('salto backward stretched with 1.5 twist', 35, 'FX-SALTO',
     dict(family='salto', shape='layout', saltos=-1.0, twists=1.5)),
    ('double salto backward tucked', 38, 'FX-SALTO',
     dict(family='salto', shape='tuck', saltos=-2.0, twists=0.0)),
    ('double salto backward piked', 40, 'FX-SALTO',
     dict(family='salto', shape='pike', saltos=-2.0, twists=0.0)),
]

ACTIONS = OrderedDict((name, dict(label=label, subset=subset, **spec))
                      for name, label, subset, spec in _CATALOGUE)


def list_actions() -> 'OrderedDict[str, str]':
    """Every SynthGym action name → its subset (``'FX-JUMP'``, ``'FX-TURN'``, ``'FX-SALTO'``)."""
    return OrderedDict((name, spec['subset']) for name, spec in ACTIONS.items())


def describe(name: str) -> str:
    """The action's description: the one finephys ships for its gym99 class (body shape,
    rotations, take-off and landing; ``finephys/datasets/texts/gym99_fx_descriptions.json``),
    the same text FineGym clips of that class get."""
    global _DESCRIPTIONS
    if _DESCRIPTIONS is None:
        _DESCRIPTIONS = load_descriptions(GYM99_FX_DESCRIPTIONS)
    return _DESCRIPTIONS[ACTIONS[check_action(name)]['label']]['description']


_DESCRIPTIONS = None


def check_action(name: str) -> str:
    if name not in ACTIONS:
        raise InputDataError(f'unknown SynthGym action {name!r}; valid actions: {list(ACTIONS)}')
    return name


def check_subsets(subsets):
    bad = [s for s in subsets if s not in SUBSETS]
    if bad:
        raise InputDataError(f'unknown SynthGym subset(s) {bad}; valid subsets: {list(SUBSETS)}')
    return list(subsets)
