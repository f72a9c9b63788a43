"""Run with ``torchrun --nproc_per_node 2``: checks ``average_gradients`` against the mean of the
ranks' gradients computed independently (gathered), including a parameter whose gradient exists
on one rank only and one that has none anywhere. Prints ``OK <rank>`` or raises."""
import os

import torch
import torch.distributed as dist

from finephys.models.wrappers import average_gradients

dist.init_process_group('gloo')
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)
model = torch.nn.ModuleDict(dict(a=torch.nn.Linear(5, 3), b=torch.nn.Linear(3, 1),
                                 c=torch.nn.Linear(2, 2), d=torch.nn.Linear(2, 2)))
g = torch.Generator().manual_seed(100 + rank)
x = torch.randn(4, 5, generator=g)
loss = model['b'](model['a'](x)).square().mean()
if rank == 0:
    loss = loss + model['c'](x[:, :2]).sum()   # c has a gradient on rank 0 only; d on none
loss.backward()
local = {n: (p.grad.clone() if p.grad is not None else torch.zeros_like(p))
         for n, p in model.named_parameters()}
gathered = [None] * world
dist.all_gather_object(gathered, local)
count = average_gradients(model, bucket_numel=7)   # tiny buckets: several all-reduces
assert count == 6, count                            # a.w, a.b, b.w, b.b, c.w, c.b
for n, p in model.named_parameters():
    if n.startswith('d.'):
        assert p.grad is None, n
        continue
    expected = sum(gr[n] for gr in gathered) / world
    assert torch.allclose(p.grad, expected, atol=1e-7), n
# one write per line: writes up to PIPE_BUF bytes to a shared pipe are atomic, so two ranks'
# lines never interleave (print('OK', rank) writes its parts separately)
os.write(1, f'OK {rank}\n'.encode())
# leave the group before the interpreter exits: gloo's threads still running at exit abort the
# process ("terminate called without an active exception", SIGABRT) — seen under load
dist.barrier()
dist.destroy_process_group()
