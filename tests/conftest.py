import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


@pytest.fixture(scope='session', autouse=True)
def _registered():
    from finephys.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    yield


@pytest.fixture
def repo_root():
    return ROOT
