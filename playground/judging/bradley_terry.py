"""The sparse Bradley–Terry fit behind the leaderboard, and its bootstrap.

Why sparse: a ranking only ever compares the few models in its panes, so the data is a short
list of (pair, outcome) rows — never a models × models matrix. The earlier fit built one dense
N×N matrix per vote and per resample (2,000 models asked for 43.8 GiB); here memory and time
grow with the number of distinct rows and models, not with their square.

* **Rows**: every pair of panes with different models, from every vote that is not all-bad,
  becomes one (i, j, outcome) entry with i < j and outcome "i won", "j won" or "tie". Equal
  entries are merged into unique rows with a count (what LMArena's rating code does).
* **Fit**: maximum likelihood of P(i beats j) = σ(θᵢ − θⱼ), a tie counting half a win each way,
  with a small ridge penalty ``alpha/2·Σθ²`` (a weak prior centred on the average model) that
  keeps θ finite for a model that always wins or never met another; Newton's method, whose
  Hessian is a sparse weighted graph Laplacian (solved by conjugate gradients when large).
  θ is returned centred on its mean.
* **Bootstrap over votes**: a resample draws as many votes as there are, with replacement (the
  pairs of one ranking stay together). A sparse votes × rows matrix turns those vote weights
  into row counts in one product, and each refit starts from the full-data θ.

numpy and scipy are imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

I_WON, J_WON, TIE = 0, 1, 2
# Outcome → credit to i (y in the likelihood y·log σ(d) + (1−y)·log σ(−d)).
_CREDIT = (1.0, 0.0, 0.5)


@dataclass
class PairRows:
    """Unique (i, j, outcome) rows and which votes gave them."""

    k: int  # models
    i: Any  # int arrays, one entry per unique row (i < j)
    j: Any
    outcome: Any
    counts: Any  # float array: how many pairs of panes gave the row
    by_vote: Any  # scipy CSR (rows × votes): row counts = by_vote @ vote weights
    n_votes: int


def pair_rows(k: int, votes: Sequence[Sequence[tuple[int, int, int]]]) -> PairRows:
    """`votes`: for each vote, its (i, j, outcome) entries (i < j, model indices < k)."""
    import numpy as np
    from scipy import sparse

    vote_of = np.fromiter((n for n, entries in enumerate(votes) for _ in entries), dtype=np.int64)
    flat = np.fromiter((x for entries in votes for entry in entries for x in entry), dtype=np.int64)
    flat = flat.reshape(-1, 3)
    key = (flat[:, 0] * k + flat[:, 1]) * 3 + flat[:, 2]
    unique, inverse = np.unique(key, return_inverse=True)
    by_vote = sparse.csr_matrix((np.ones(len(key)), (inverse.ravel(), vote_of)),
                                shape=(len(unique), len(votes)))
    by_vote.sum_duplicates()
    counts = np.asarray(by_vote.sum(axis=1)).ravel()
    pair, outcome = np.divmod(unique, 3)
    i, j = np.divmod(pair, k)
    return PairRows(k=k, i=i, j=j, outcome=outcome, counts=counts, by_vote=by_vote, n_votes=len(votes))


def fit(rows: PairRows, counts: Any = None, alpha: float = 0.1, initial: Any = None) -> Any:
    """θ (centred) maximising the penalised likelihood of `counts` (default: the rows' own).

    Newton's method: the Hessian is a weighted graph Laplacian (plus alpha·I), sparse, solved
    exactly (dense) for small boards and by preconditioned conjugate gradients for large ones.
    Each model moves at most MAX_MOVE per step; should that ever fail to settle, the fit is
    redone with a backtracking line search (monotone, always converges)."""
    import numpy as np

    w_all = rows.counts if counts is None else np.asarray(counts, dtype=float)
    keep = np.nonzero(w_all > 0)[0]  # a resample leaves about a third of the rows out
    w, i, j, k = w_all[keep], rows.i[keep], rows.j[keep], rows.k
    y = np.asarray(_CREDIT)[rows.outcome[keep]]
    h_all = np.zeros(len(w_all))

    def loss(theta):
        d = theta[i] - theta[j]
        # −[y·log σ(d) + (1−y)·log σ(−d)] = softplus(d) − y·d, without overflow
        return float(np.dot(w, np.logaddexp(0.0, d) - y * d)) + 0.5 * alpha * float(np.dot(theta, theta))

    def newton_step(theta, clip=True):
        d = theta[i] - theta[j]
        p = _sigmoid(d)
        g = w * (p - y)
        grad = np.bincount(i, g, minlength=k) - np.bincount(j, g, minlength=k) + alpha * theta
        h_all[keep] = w * p * (1.0 - p)
        # a model with most of its votes left out of a resample starts far from its optimum:
        # it moves at most MAX_MOVE per step, the others take their full Newton step
        step = -_solve(rows, h_all, alpha, grad)
        return grad, np.clip(step, -MAX_MOVE, MAX_MOVE) if clip else step

    start = np.zeros(k) if initial is None else np.array(initial, dtype=float)
    if initial is not None:
        # A model with no pair left in this resample has θ = 0 exactly (only the prior speaks):
        # start it there rather than walk it back from its full-data strength.
        seen = np.zeros(k, dtype=bool)
        seen[i] = seen[j] = True
        start[~seen] = 0.0
    theta = start.copy()
    for _ in range(MAX_NEWTON_STEPS):
        _, step = newton_step(theta)
        theta += step
        if float(np.max(np.abs(step))) < STEP_TOLERANCE:
            return theta - theta.mean()
    # Did not settle (never seen in practice): the safe, monotone way from the same start.
    theta, current = start, loss(start)
    for _ in range(MAX_NEWTON_STEPS):
        grad, step = newton_step(theta, clip=False)  # the true Newton direction: a descent one
        scale = 1.0
        for _ in range(30):
            trial = theta + scale * step
            value = loss(trial)
            if value <= current + 1e-4 * scale * float(np.dot(grad, step)):
                break
            scale *= 0.5
        else:
            break  # no decrease left to find: at the optimum up to rounding
        theta, current = trial, value
        if float(np.max(np.abs(scale * step))) < STEP_TOLERANCE:
            break
    return theta - theta.mean()


MAX_NEWTON_STEPS = 50
STEP_TOLERANCE = 1e-4  # in θ (×174 for Elo points): the step after it is ~1e-8 (quadratic convergence)
MAX_MOVE = 2.0  # θ (about 350 Elo points): the most one model moves in one Newton step
DENSE_UP_TO = 400  # models: below this a dense solve is faster than conjugate gradients


def _solve(rows: PairRows, h: Any, alpha: float, b: Any) -> Any:
    """x with (L_h + alpha·I)·x = b, L_h the graph Laplacian of the pairs weighted by h."""
    import numpy as np

    k = rows.k
    if k <= DENSE_UP_TO:
        matrix = np.zeros((k, k))
        np.add.at(matrix, (rows.i, rows.j), -h)
        matrix += matrix.T
        matrix[np.diag_indices(k)] = -matrix.sum(axis=1) + alpha
        return np.linalg.solve(matrix, b)
    from scipy.sparse.linalg import LinearOperator, cg

    pattern = _pattern(rows)
    # off-diagonal cells −h (both triangles), diagonal cells the sum of h over the row's pairs
    matrix = pattern.matrix  # one CSR structure per rows: only its values change
    matrix.data[:] = np.bincount(pattern.off, weights=np.concatenate([-h, -h]), minlength=pattern.size)
    diagonal = np.bincount(rows.i, h, minlength=k) + np.bincount(rows.j, h, minlength=k) + alpha
    matrix.data[pattern.diagonal] = diagonal
    inverse_diagonal = 1.0 / diagonal
    preconditioner = LinearOperator((k, k), matvec=lambda v: inverse_diagonal * v, dtype=float)
    # Inexact Newton: a relative residual of 1e-6 keeps the convergence and halves the work.
    x, _ = cg(matrix, b, M=preconditioner, rtol=1e-6, atol=0.0, maxiter=10 * k)
    return x


@dataclass
class _Pattern:
    """Where each pair's weight lands in the CSR arrays of the Laplacian (built once per rows)."""

    off: Any  # CSR slot of each pair's (i, j) then (j, i) cell
    indices: Any
    indptr: Any
    diagonal: Any
    size: int
    matrix: Any = None  # the CSR matrix built on this structure (values refilled per solve)


def _pattern(rows: PairRows) -> _Pattern:
    import numpy as np

    cached = getattr(rows, "_pattern", None)
    if cached is not None:
        return cached
    k, i, j = rows.k, rows.i, rows.j
    r = np.concatenate([i, j])
    c = np.concatenate([j, i])
    full = np.concatenate([r * k + c, np.arange(k) * (k + 1)])  # every diagonal cell exists
    unique, inverse = np.unique(full, return_inverse=True)
    inverse = inverse.ravel()
    row_of, col_of = np.divmod(unique, k)
    pattern = _Pattern(off=inverse[:len(r)], indices=col_of.astype(np.int32),
                       indptr=np.searchsorted(row_of, np.arange(k + 1)).astype(np.int32),
                       diagonal=inverse[len(r):], size=len(unique))
    from scipy import sparse

    pattern.matrix = sparse.csr_matrix((np.zeros(pattern.size), pattern.indices, pattern.indptr), shape=(k, k))
    rows._pattern = pattern
    return pattern


def _sigmoid(d):
    import numpy as np

    return 0.5 * (1.0 + np.tanh(0.5 * d))  # = 1/(1+e^−d), without overflow warnings


def bootstrap(rows: PairRows, theta: Any, resamples: int, seed: int, alpha: float = 0.1) -> Any:
    """A (resamples × k) array of refitted θ, votes drawn with replacement (fixed seed)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = rows.n_votes
    draws = np.empty((resamples, rows.k))
    for r in range(resamples):
        weights = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        draws[r] = fit(rows, rows.by_vote @ weights, alpha=alpha, initial=theta)
    return draws


def components(rows: PairRows) -> Any:
    """Connected components of the comparison graph: an edge wherever two models met, a tie
    included (models linked only through ties are compared)."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    graph = sparse.coo_matrix((np.ones(len(rows.i)), (rows.i, rows.j)), shape=(rows.k, rows.k))
    return connected_components(graph, directed=False)[1]
