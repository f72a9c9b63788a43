"""Text expansion: class names → richer descriptions for the video model's prompts.

FinePhys expands FineGym's terse class names with an LLM into descriptions of the element's body
shape, rotations, take-off and landing. finephys ships such descriptions for every
floor-exercise class of gym99, written for this project
(``finephys/datasets/texts/gym99_fx_descriptions.json``, keyed by gym99 ``Clabel``); a user's
JSON file of the same form (or ``{Clabel: description}``) overrides or adds entries.
A prompt template in the dataset config turns them into the text the generator reads.
"""
import json
import os.path as osp
from string import Formatter
from typing import Dict, Optional

from finephys.utils.errors import InputDataError

#: The shipped descriptions (gym99 FX classes 6–40).
GYM99_FX_DESCRIPTIONS = osp.join(osp.dirname(osp.abspath(__file__)), 'texts',
                                 'gym99_fx_descriptions.json')
#: Fields a template may use.
TEMPLATE_FIELDS = ('name', 'description', 'subset', 'label')


def load_descriptions(path: str = GYM99_FX_DESCRIPTIONS) -> Dict[int, dict]:
    """A description file → ``{Clabel: dict(name, subset, description)}``.

    Accepts ``{"classes": {"<Clabel>": {"description": ..., "name": ..., "subset": ...}}}``
    (the shipped form) or a flat ``{"<Clabel>": "description"}``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        InputDataError: not JSON, a key that is not an integer, or an entry without text.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'text description file not found: {path}')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except ValueError as err:
        raise InputDataError(f'{path}: not valid JSON ({err})') from err
    if not isinstance(data, dict):
        raise InputDataError(f'{path}: expected a JSON object, got {type(data).__name__}')
    classes = data['classes'] if 'classes' in data else data
    out = {}
    for key, value in classes.items():
        if key in ('format', 'about'):
            continue
        try:
            label = int(key)
        except ValueError:
            raise InputDataError(f'{path}: key {key!r} is not a class label (an integer)') from None
        entry = dict(description=value) if isinstance(value, str) else value
        if not isinstance(entry, dict) or not isinstance(entry.get('description'), str) \
                or not entry['description'].strip():
            raise InputDataError(f'{path}: class {key}: expected a description string or an '
                                 'object with a non-empty "description"')
        out[label] = dict(entry, description=entry['description'].strip())
    return out


class TextExpander:
    """Class label + name → prompt text.

    Args:
        template (str): ``str.format`` template over :data:`TEMPLATE_FIELDS`, e.g.
            ``'{description}'`` (default), ``'a gymnast performs a {name}. {description}'``,
            or ``'{name}'`` (no expansion).
        descriptions_file (str, optional): Shipped descriptions (None: none).
        override_file (str, optional): A user's file; its entries replace the shipped ones.
        missing (str): For a class without a description: ``'name'`` (use the class name as
            the description, logged once per class by the caller) or ``'raise'``.

    Raises:
        InputDataError: a template field outside :data:`TEMPLATE_FIELDS`.
    """

    def __init__(self, template: str = '{description}',
                 descriptions_file: Optional[str] = GYM99_FX_DESCRIPTIONS,
                 override_file: Optional[str] = None, missing: str = 'name'):
        fields = {f for _, f, _, _ in Formatter().parse(template) if f}
        bad = fields - set(TEMPLATE_FIELDS)
        if bad:
            raise InputDataError(f'text template {template!r}: unknown field(s) {sorted(bad)}; '
                                 f'valid: {list(TEMPLATE_FIELDS)}')
        if missing not in ('name', 'raise'):
            raise InputDataError(f"TextExpander missing={missing!r}: expected 'name' or 'raise'")
        self.template, self.missing = template, missing
        self.descriptions = load_descriptions(descriptions_file) if descriptions_file else {}
        if override_file:     # per class, the user's fields replace the shipped ones
            for label, entry in load_descriptions(override_file).items():
                self.descriptions[label] = dict(self.descriptions.get(label, {}), **entry)
        self.undescribed = set()

    def __call__(self, label: int, name: str, subset: Optional[str] = None) -> str:
        """The prompt for class ``label`` named ``name``."""
        entry = self.descriptions.get(int(label))
        if entry is None:
            if self.missing == 'raise':
                raise InputDataError(f'no text description for class {label} ({name!r}); add it '
                                     'to the override file or set missing="name"')
            self.undescribed.add(int(label))
            description = name
        else:
            description = entry['description']
        return self.template.format(name=name, description=description,
                                    subset=subset or (entry or {}).get('subset', ''),
                                    label=int(label))
