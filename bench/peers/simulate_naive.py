"""The numpy script a researcher would write first for the projected model (SPEC 2.1), for the bench.

Explicit A(t) (N×M) with the M×M projection P = A(0)ᵀA(0)/N formed once, and explicit Gaussian batches
ψ = Λ^{1/2} z (B×M) each step:
  v = w* - Aᵀw/√N;  ĝ = Ψᵀ(Ψ v)/B;  w ← w + (η/√N) A ĝ;  A ← A + (ηγ/√N) w (P ĝ)ᵀ·... (old w)
i.e. A(t+1) = A(t) + (ηγ/√N) w ĝᵀ A(0)ᵀA(0) = A(t) + (ηγ√N) w (P ĝ)ᵀ. Same JSON interface as simulate_projected.py.
"""
import json
import os
import sys

cfg = json.loads(sys.argv[1])
threads = str(cfg.get("threads", 1))
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = threads
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def run(N, M, B, gamma, eta, steps, seed=1):
    rng = np.random.default_rng(seed)
    k = np.arange(1, M + 1, dtype=np.float64)
    lam = k ** -2.0
    wstar = np.sqrt(k ** (-2.0 * 0.5 - 1 + 2.0))
    sl = np.sqrt(lam)
    A0 = rng.standard_normal((N, M))
    P = A0.T @ A0 / N
    A = A0.copy()
    w = np.zeros(N)
    sqrtN = np.sqrt(N)
    times = []
    for _ in range(steps):
        t_step = time.perf_counter()
        v = wstar - A.T @ w / sqrtN
        if B is None:
            g = lam * v
        else:
            psi = rng.standard_normal((B, M)) * sl
            g = psi.T @ (psi @ v) / B
        dw = (eta / sqrtN) * (A @ g)
        A = A + (eta * gamma * sqrtN) * np.outer(w, P @ g)
        w = w + dw
        times.append(time.perf_counter() - t_step)
    return times


def main():
    N, M = int(cfg["N"]), int(cfg["M"])
    B = None if cfg.get("B") in (None, "inf") else int(cfg["B"])
    gamma, eta = float(cfg.get("gamma", 1.0)), float(cfg.get("eta", 0.05))
    steps = int(cfg.get("steps", 10))
    out = run(N, M, B, gamma, eta, steps + 1)[1:]  # the first step (warm-up) is dropped
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"seconds_per_step": out, "peak_rss_mib": rss, "numpy": np.__version__}))


main()
