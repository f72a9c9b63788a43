"""Global random states: capture, restore, and a per-sample seeded scope.

Exact resume needs two things from randomness (docs/reliability.md):

* the **training stream** (dropout, diffusion noise, timesteps) must continue after a resume
  exactly where it stopped: :func:`capture_random_state` / :func:`restore_random_state` save and
  restore python's, numpy's and torch's (CPU and every CUDA device) global generators, in a form
  ``torch.load(weights_only=True)`` accepts (tensors and ints only);
* **data augmentation** must not depend on which worker, rank or resume a sample happened to be
  loaded in: a sampler hands out :class:`SeededIndex` (an ``int`` carrying a seed derived from the
  run's seed, the epoch and the index) and the dataset runs its pipeline inside
  :func:`seeded_random_state`.
"""
import random
from contextlib import contextmanager
from typing import Optional

import numpy as np
import torch


class SeededIndex(int):
    """A dataset index that carries the seed of its sample's augmentation randomness.

    It *is* the index (``data_list[idx]`` works unchanged), so a dataset that ignores the seed
    still loads the right sample. Pickles across DataLoader worker queues.

    Args:
        index (int): The dataset index.
        seed (int): Seed for the sample's random transforms, in ``[0, 2**32)``.
    """

    def __new__(cls, index: int, seed: int):
        obj = super().__new__(cls, int(index))
        obj.seed = int(seed)
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.seed)

    def __repr__(self):
        return f'SeededIndex({int(self)}, seed={self.seed})'


def sample_augmentation_seed(seed: int, epoch: int, index: int) -> int:
    """The augmentation seed of sample ``index`` in ``epoch`` of a run seeded with ``seed``:
    the same on every rank, worker and resume; different across epochs."""
    return int(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(epoch), int(index)])
               .generate_state(1)[0])


def capture_random_state() -> dict:
    """The state of every global generator, as tensors and ints only.

    Returns:
        dict: ``python`` (version, 625-int tensor, gauss), ``numpy`` (key tensor, pos, has_gauss,
        cached_gaussian), ``torch`` (ByteTensor) and ``cuda`` (list of ByteTensors, one per
        device; empty without CUDA).
    """
    version, internal, gauss = random.getstate()
    name, key, pos, has_gauss, cached = np.random.get_state()
    return dict(
        python=dict(version=int(version), internal=torch.tensor(internal, dtype=torch.int64),
                    gauss=gauss),
        numpy=dict(name=str(name), key=torch.from_numpy(np.asarray(key, np.int64).copy()),
                   pos=int(pos), has_gauss=int(has_gauss), cached_gaussian=float(cached)),
        torch=torch.get_rng_state(),
        cuda=[s for s in torch.cuda.get_rng_state_all()] if torch.cuda.is_available() else [])


def restore_random_state(state: dict) -> None:
    """Inverse of :func:`capture_random_state`.

    Raises:
        ValueError: ``state`` holds CUDA states for more devices than this machine has.
    """
    py = state['python']
    random.setstate((py['version'], tuple(int(v) for v in py['internal'].tolist()), py['gauss']))
    npy = state['numpy']
    np.random.set_state((npy['name'], npy['key'].numpy().astype(np.uint32), npy['pos'],
                         npy['has_gauss'], npy['cached_gaussian']))
    torch.set_rng_state(state['torch'])
    cuda = state.get('cuda') or []
    if cuda and torch.cuda.is_available():
        if len(cuda) > torch.cuda.device_count():
            raise ValueError(f'random state holds {len(cuda)} CUDA generators; this machine has '
                             f'{torch.cuda.device_count()} devices')
        for i, s in enumerate(cuda):
            torch.cuda.set_rng_state(s, i)


@contextmanager
def seeded_random_state(seed: Optional[int]):
    """Run a block with python/numpy/torch global generators seeded from ``seed``, then put the
    previous states back (so a main-process data load leaves the training stream untouched).
    ``seed=None`` runs the block unchanged."""
    if seed is None:
        yield
        return
    saved = (random.getstate(), np.random.get_state(), torch.get_rng_state())
    try:
        random.seed(seed)
        np.random.seed(seed)
        # the CPU generator only: torch.manual_seed would also reseed (and so clobber) every
        # CUDA generator of a main-process data load (num_workers=0)
        torch.default_generator.manual_seed(seed)
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        torch.set_rng_state(saved[2])
