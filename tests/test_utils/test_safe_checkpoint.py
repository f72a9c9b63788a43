import io
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from finephys.utils import from_safe_state, to_safe_state


def _hub_state():
    hub = MessageHub.get_instance('test-safe-ckpt')
    for v in (1.0, 0.5, 0.25):
        hub.update_scalar('train/loss', v)
    hub.update_info('iter', 3, resumed=True)
    hub.update_info('dataset_meta', dict(classes=['a'], fps=np.float64(30.0)), resumed=True)
    hub.update_info('array', np.arange(4.0), resumed=True)
    return hub.state_dict()


def _roundtrip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def test_raw_mmengine_state_is_refused_by_the_safe_loader():
    # the upstream problem this module solves (mmengine#1655)
    with pytest.raises(pickle.UnpicklingError):
        _roundtrip(dict(message_hub=_hub_state()))


def test_converted_state_loads_safely_and_restores_history_buffers():
    state = _hub_state()
    loaded = from_safe_state(_roundtrip(to_safe_state(state)))
    buf = loaded['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    np.testing.assert_array_equal(buf.data[0], state['log_scalars']['train/loss'].data[0])
    assert buf.mean() == pytest.approx(np.mean([1.0, 0.5, 0.25]))
    assert loaded['runtime_info']['iter'] == 3
    assert loaded['runtime_info']['dataset_meta']['fps'] == 30.0
    np.testing.assert_array_equal(loaded['runtime_info']['array'], np.arange(4.0))
    hub = MessageHub.get_instance('test-safe-ckpt-restore')
    hub.load_state_dict(loaded)
    assert hub.get_scalar('train/loss').current() == 0.25


def test_unsafe_objects_are_dropped_with_a_warning():
    class Custom:
        pass
    out = to_safe_state(dict(ok=1, bad=Custom()))
    assert out == dict(ok=1, bad=None)
