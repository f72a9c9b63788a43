"""``teardown_distributed``: the process group, and what holds it, go while the interpreter
is whole."""
import gc
import multiprocessing as mp
import weakref


def _teardown_in_a_process(store_path, queue):
    """One gloo rank (a file store): a DDP model held only by a reference cycle, as a runner
    holds it, then ``teardown_distributed``. Reports whether the model was still alive before
    and after, and whether the group is gone."""
    import torch
    import torch.distributed as dist

    from finephys.utils.launch import teardown_distributed
    dist.init_process_group('gloo', init_method=f'file://{store_path}', rank=0, world_size=1)
    holder = {'model': torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(3, 2))}
    holder['self'] = holder                        # a cycle: refcounting alone never frees it
    ref = weakref.ref(holder['model'])
    gc.disable()                                   # no automatic collection in between
    del holder
    alive_before = ref() is not None
    teardown_distributed()
    queue.put((alive_before, ref() is not None, dist.is_initialized()))


def test_teardown_frees_a_model_held_by_cycles_and_destroys_the_group(tmp_path):
    """The runner's cycles keep its DDP model (and the process group it holds) alive after
    ``del runner``; ``teardown_distributed`` collects them and destroys the group, so gloo's
    threads are not left to the interpreter's exit (where a rank could abort with "terminate
    called without an active exception" after its work was done)."""
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_teardown_in_a_process, args=(str(tmp_path / 'store'), queue))
    proc.start()
    alive_before, alive_after, initialized = queue.get(timeout=120)
    proc.join(60)
    assert proc.exitcode == 0
    assert alive_before and not alive_after and not initialized
    # and without a group it does nothing
    from finephys.utils.launch import teardown_distributed
    teardown_distributed()
