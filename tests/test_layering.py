"""The package's layers (docs/architecture.md): every import inside ``finephys/`` points down.

Static (ast): nested imports count as much as top-level ones, since an import inside a function
closes a circle at run time all the same. The one exception is ``register_all_modules``, whose
whole job is to import every registering package when it is called.
"""
import ast
import os.path as osp
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / 'finephys'

#: Bottom to top; a module may import its own layer and the layers below it.
LAYERS = ('structures', 'utils', 'visualization', 'datasets', 'models', 'evaluation', 'engine',
          'apis', 'app')
#: Importable from anywhere: the registries and the version (no finephys imports of their own
#: at module level beyond mmengine).
NEUTRAL = ('registry', 'version', '')
EXCEPTIONS = {'finephys.utils.setup_env'}


def finephys_imports(path: Path):
    """``(line, imported module)`` of every ``finephys`` import in one file, relative imports
    resolved."""
    module = '.'.join(path.relative_to(ROOT.parent).with_suffix('').parts)
    package = module if path.name == '__init__.py' else module.rsplit('.', 1)[0]
    if path.name == '__init__.py':
        module = package = module[:-len('.__init__')]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')[:len(package.split('.')) - node.level + 1]
                target = '.'.join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ''
            if target.startswith('finephys'):
                yield node.lineno, target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith('finephys'):
                    yield node.lineno, alias.name


def layer_of(module: str) -> str:
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else ''


def test_layer_rule_resolves_relative_imports():
    """The checker itself: a relative import two levels up is seen as the absolute module."""
    file = ROOT / 'evaluation' / 'metrics' / 'motion_plausibility_metric.py'
    targets = {t for _, t in finephys_imports(file)}
    assert 'finephys.evaluation.functional' in targets
    assert 'finephys.models.skeleton_pipeline' in targets


def test_every_import_points_down_the_layers():
    violations = []
    for path in sorted(ROOT.rglob('*.py')):
        module = '.'.join(path.relative_to(ROOT.parent).with_suffix('').parts)
        module = module[:-len('.__init__')] if path.name == '__init__.py' else module
        if module in EXCEPTIONS:
            continue
        src = layer_of(module)
        if src in NEUTRAL:
            continue
        assert src in LAYERS, f'{path}: package {src!r} has no layer in docs/architecture.md'
        for line, target in finephys_imports(path):
            dst = layer_of(target)
            if dst in NEUTRAL:
                continue
            if LAYERS.index(dst) > LAYERS.index(src):
                violations.append(f'{osp.relpath(path, ROOT.parent)}:{line} ({src}) imports '
                                  f'{target} ({dst})')
    assert not violations, 'imports that point up the layers:\n' + '\n'.join(violations)


@pytest.mark.parametrize('package', ['evaluation', 'models', 'datasets'])
def test_nothing_below_apis_reaches_into_apis(package):
    hits = [f'{p}:{line}' for p in (ROOT / package).rglob('*.py')
            for line, target in finephys_imports(p) if target.startswith('finephys.apis')]
    hits += [f'{p}' for p in (ROOT / package).rglob('*.py') if 'finephys.apis' in p.read_text()]
    assert not hits
