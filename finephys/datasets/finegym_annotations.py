"""FineGym's annotation files: category lists (gym99 / gym288), element ids and timestamps.

FineGym (Shao et al., CVPR 2020) names every clip by its place in the source video::

    <youtube_id>_E_<event_start>_<event_end>_A_<action_start>_<action_end>
    0LtLS9wROrk_E_002407_002435_A_0003_0005

Event start/end are whole seconds of the source video (6 digits), action start/end whole
seconds relative to the event start (4 digits). Category files list one class a line::

    Clabel:   6; set: 21; Glabel:  67; (FX) switch leap with 0.5 turn

``set`` is the element-set id, the same in gym99 and gym288; the paper's floor-exercise subsets
are element sets (:data:`FINEGYM_SUBSETS`).
"""
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Tuple

from finephys.utils.errors import InputDataError

#: The paper's FX subsets as FineGym element-set ids: 21 leaps, jumps and hops; 22 turns;
#: 24 saltos forward and 25 saltos backward. gym99: 11 / 7 / 17 classes.
FINEGYM_SUBSETS: Dict[str, Tuple[int, ...]] = {
    'FX-JUMP': (21,),
    'FX-TURN': (22,),
    'FX-SALTO': (24, 25),
}

_CATEGORY = re.compile(r'Clabel:\s*(\d+)\s*;\s*set:\s*(\d+)\s*;\s*Glabel:\s*(\d+)\s*;\s*'
                       r'\((\w+)\)\s*(.+)')
_ELEMENT = re.compile(r'^(?P<yt>.+)_E_(?P<es>\d+)_(?P<ee>\d+)_A_(?P<as>\d+)_(?P<ae>\d+)$')
_EVENT = re.compile(r'^(?P<yt>.+)_E_(?P<es>\d+)_(?P<ee>\d+)$')


def parse_finegym_categories(path: str) -> Dict[int, dict]:
    """A FineGym category file (``gym99_categories.txt``, ``gym288_categories.txt``) →
    ``{Clabel: dict(set, glabel, event, text)}``.

    Lines read ``Clabel: 0; set: 1; Glabel: 1; (VT) round-off, flic-flac ...`` (any spacing);
    blank lines are ignored; any other line, or a Clabel given twice, is an error naming the
    line.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        InputDataError: a malformed or duplicate line, or no category at all.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'FineGym categories file not found: {path}')
    out = {}
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            m = _CATEGORY.match(line.strip())
            if m is None:
                raise InputDataError(f'{path}:{n}: expected "Clabel: N; set: N; Glabel: N; (EVENT) '
                                     f'text", got {line.strip()!r}')
            label = int(m[1])
            if label in out:
                raise InputDataError(f'{path}:{n}: Clabel {label} is given twice')
            out[label] = dict(set=int(m[2]), glabel=int(m[3]), event=m[4], text=m[5].strip())
    if not out:
        raise InputDataError(f'{path}: no category line (empty categories file)')
    return out


#: The name the first release used (gym99 only); the parser reads every FineGym category file.
parse_gym99_categories = parse_finegym_categories


def subset_labels(categories: Dict[int, dict], subset: str) -> List[int]:
    """Clabels of one of :data:`FINEGYM_SUBSETS`: the floor-exercise classes of its element sets.

    Raises:
        InputDataError: an unknown subset name.
    """
    if subset not in FINEGYM_SUBSETS:
        raise InputDataError(f'unknown FineGym subset {subset!r}; valid: {list(FINEGYM_SUBSETS)}')
    sets = FINEGYM_SUBSETS[subset]
    return sorted(c for c, v in categories.items() if v['event'] == 'FX' and v['set'] in sets)


class ElementId(NamedTuple):
    """A parsed FineGym clip id; times in seconds (see :func:`parse_element_id`)."""

    youtube_id: str
    event_start: int
    event_end: int
    action_start: int = None
    action_end: int = None

    @property
    def event_id(self) -> str:
        """``<youtube_id>_E_<s>_<e>``: the event clip's name."""
        return format_event_id(self.youtube_id, self.event_start, self.event_end)

    @property
    def absolute_span(self) -> Tuple[int, int]:
        """The clip's span in seconds of the source video (an element: event start + its
        relative times; an event id: the event's span)."""
        if self.action_start is None:
            return self.event_start, self.event_end
        return self.event_start + self.action_start, self.event_start + self.action_end


def parse_element_id(clip_id: str) -> ElementId:
    """``<yt>_E_<es>_<ee>_A_<as>_<ae>`` (an element) or ``<yt>_E_<es>_<ee>`` (an event) →
    :class:`ElementId`. YouTube ids may themselves contain ``_`` and ``-``.

    Raises:
        InputDataError: the id has neither form, or a span ends before it starts.
    """
    m = _ELEMENT.match(clip_id)
    if m is not None:
        out = ElementId(m['yt'], int(m['es']), int(m['ee']), int(m['as']), int(m['ae']))
    else:
        m = _EVENT.match(clip_id)
        if m is None:
            raise InputDataError(f'FineGym clip id {clip_id!r}: expected '
                                 '"<youtube_id>_E_<start>_<end>[_A_<start>_<end>]"')
        out = ElementId(m['yt'], int(m['es']), int(m['ee']))
    if out.event_end < out.event_start or (
            out.action_start is not None and out.action_end < out.action_start):
        raise InputDataError(f'FineGym clip id {clip_id!r}: a span ends before it starts')
    return out


def format_event_id(youtube_id: str, start: float, end: float) -> str:
    """The event's name: whole seconds (floored), 6 digits each."""
    return f'{youtube_id}_E_{int(start):06d}_{int(end):06d}'


def format_element_id(youtube_id: str, event_start: float, event_end: float,
                      action_start: float, action_end: float) -> str:
    """An element's name: the event's name + ``_A_`` + whole seconds relative to the event
    start (floored), 4 digits each."""
    return (f'{format_event_id(youtube_id, event_start, event_end)}'
            f'_A_{int(action_start):04d}_{int(action_end):04d}')
