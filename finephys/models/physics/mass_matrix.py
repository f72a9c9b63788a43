"""Inverse mass matrices that are symmetric positive definite by construction.

``M⁻¹ = L Lᵀ + εI`` from an unconstrained head output, in three structures:

* ``'full'``  — one dense ``D × D`` matrix (``D = 3J``): ``D(D+1)/2`` numbers per frame;
* ``'block'`` — one ``3 × 3`` block per joint (no coupling between joints): ``6J`` numbers;
* ``'diag'``  — a positive diagonal: ``D`` numbers.

The noise term ``N`` of FinePhys has the same structure and is symmetric: ``N = σ ⊙ sym(E)``
with ``E ~ 𝒩(0, 1)`` sampled in training and σ predicted.
"""
import torch
import torch.nn.functional as F

STRUCTURES = ('full', 'block', 'diag')


def num_params(structure: str, num_joints: int) -> int:
    """Head outputs needed per frame for ``M⁻¹`` of a structure."""
    d = 3 * num_joints
    if structure == 'full':
        return d * (d + 1) // 2
    if structure == 'block':
        return 6 * num_joints
    if structure == 'diag':
        return d
    raise ValueError(f'mass_structure={structure!r}: expected one of {STRUCTURES}')


def _lower_triangular(raw, n):
    """``(..., n(n+1)/2)`` → ``(..., n, n)`` lower-triangular with a softplus diagonal."""
    rows, cols = torch.tril_indices(n, n, device=raw.device)
    out = raw.new_zeros(raw.shape[:-1] + (n, n))
    out[..., rows, cols] = raw
    diag = torch.diagonal(out, dim1=-2, dim2=-1)
    out = out - torch.diag_embed(diag) + torch.diag_embed(F.softplus(diag))
    return out


def build_inverse_mass(raw, structure, num_joints, eps=1e-3, max_entry=None):
    """SPD ``M⁻¹`` from head outputs.

    Args:
        raw: ``(..., num_params)``.
        structure (str): ``'full'`` | ``'block'`` | ``'diag'``.
        num_joints (int): J.
        eps (float): Added to the diagonal: the smallest eigenvalue is ≥ ``eps``.
        max_entry (float, optional): Head outputs are clamped to ``±max_entry`` (identity
            inside), which bounds the largest eigenvalue and so the condition number
            (:func:`inverse_mass_condition_bound`). None: unbounded.

    Returns:
        Tensor: ``full``: ``(..., D, D)``; ``block``: ``(..., J, 3, 3)``; ``diag``: ``(..., D)``.
    """
    if max_entry is not None:
        raw = raw.clamp(-max_entry, max_entry)
    if structure == 'diag':
        return F.softplus(raw) + eps
    if structure == 'block':
        low = _lower_triangular(raw.reshape(raw.shape[:-1] + (num_joints, 6)), 3)
        return low @ low.transpose(-1, -2) + eps * torch.eye(3, dtype=raw.dtype, device=raw.device)
    if structure == 'full':
        d = 3 * num_joints
        low = _lower_triangular(raw, d)
        return low @ low.transpose(-1, -2) + eps * torch.eye(d, dtype=raw.dtype, device=raw.device)
    raise ValueError(f'mass_structure={structure!r}: expected one of {STRUCTURES}')


def inverse_mass_condition_bound(structure, num_joints, eps=1e-3, max_entry=30.0):
    """Upper bound on the condition number of :func:`build_inverse_mass`'s output.

    ``M⁻¹ = L Lᵀ + εI`` has eigenvalues in ``[ε, ‖L‖_F² + ε]``; with entries clamped to
    ``±c`` (the diagonal through softplus, ``softplus(c) ≥ c``) ``‖L‖_F² ≤ n · softplus(c)²``,
    ``n`` the number of entries of one factor: 6 (``'block'``, per 3×3 block), ``D(D+1)/2``
    (``'full'``); ``'diag'``: the largest entry is ``softplus(c) + ε``.

    Returns:
        float: ``(λ_max bound) / ε``.
    """
    s = float(F.softplus(torch.tensor(float(max_entry), dtype=torch.float64)))
    d = 3 * num_joints
    if structure == 'diag':
        return (s + eps) / eps
    n = 6 if structure == 'block' else d * (d + 1) // 2
    if structure not in STRUCTURES:
        raise ValueError(f'mass_structure={structure!r}: expected one of {STRUCTURES}')
    return (n * s * s + eps) / eps


def sample_noise(scale, structure, num_joints):
    """Symmetric noise of the structure's shape with per-frame scale ``(..., 1)``."""
    d = 3 * num_joints
    if structure == 'diag':
        return scale * torch.randn(scale.shape[:-1] + (d,), dtype=scale.dtype, device=scale.device)
    shape = (num_joints, 3, 3) if structure == 'block' else (d, d)
    e = torch.randn(scale.shape[:-1] + shape, dtype=scale.dtype, device=scale.device)
    sym = 0.5 * (e + e.transpose(-1, -2))
    return scale.reshape(scale.shape[:-1] + (1,) * len(shape)) * sym


def apply_inverse_mass(m_inv, force, structure, num_joints):
    """``M⁻¹ f`` for a structure; ``force`` is ``(..., D)`` → ``(..., D)``."""
    if structure == 'diag':
        return m_inv * force
    if structure == 'block':
        f = force.reshape(force.shape[:-1] + (num_joints, 3, 1))
        return (m_inv @ f).reshape(force.shape)
    return (m_inv @ force.unsqueeze(-1)).squeeze(-1)


def frobenius_norm(matrix, structure):
    """``||N||_F`` per frame for any structure."""
    if structure == 'diag':
        return matrix.norm(dim=-1)
    if structure == 'block':
        return matrix.flatten(-3).norm(dim=-1)
    return matrix.flatten(-2).norm(dim=-1)
