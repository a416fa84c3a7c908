"""numpy peer of richscale's projected simulator step (SPEC 2.1 in the G-representation of SPEC 8.2).

Same algorithm as native/simulate/simulate.cc: b = A0 g, Δw = (η/√N) G b, G += (ηγ/√N) w bᵀ, z = Gᵀ w,
β = A0ᵀ z / √N, v = w* - β, and the batch gradient from the same sampler (population g = Λv, the exact O(M)
sampler of SPEC 8.2, or an explicit B×M batch). Random numbers come from numpy's default_rng (not bit-identical
to richscale's xoshiro stream; the work per step is the same).

Usage: python3 simulate_projected.py '{"N":1024,"M":8192,"B":256,"sampler":"exact","gamma":1,"steps":10,
        "threads":1,"dtype":"float64"}'
Prints JSON {"seconds_per_step": [...], "peak_rss_mib": ...}: the wall time of each of `steps` steps (after one
warm-up step; set-up is not timed).
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


def run(N, M, B, sampler, gamma, eta, steps, dtype, seed=1):
    rng = np.random.default_rng(seed)
    k = np.arange(1, M + 1, dtype=np.float64)
    alpha, beta_src = 2.0, 0.5
    lam = k ** -alpha
    wstar = np.sqrt(k ** (-alpha * beta_src - 1 + alpha))
    lam_t, sl = lam.astype(dtype), np.sqrt(lam).astype(dtype)
    wstar_t = wstar.astype(dtype)
    A0 = rng.standard_normal((N, M), dtype=dtype)
    G = np.eye(N, dtype=dtype)
    w = np.zeros(N, dtype=dtype)
    sqrtN = np.sqrt(N)
    c1, c2 = eta / sqrtN, eta * gamma / sqrtN
    loss = 0.0
    times = []
    for _ in range(steps):
        t_step = time.perf_counter()
        z = G.T @ w
        v = wstar_t - (A0.T @ z) / sqrtN
        loss = float(np.dot(lam_t * v, v))
        if B is None:
            g = lam_t * v
        elif sampler == "exact":
            S = float(np.sum(rng.standard_normal(B) ** 2))
            xi = rng.standard_normal(M, dtype=dtype)
            a = sl * v
            r = float(np.sqrt(np.dot(a, a)))
            u = a / r
            c = float(np.dot(u, xi))
            y = S * u + np.sqrt(S) * (xi - c * u)
            g = (r / B) * sl * y
        else:
            psi = rng.standard_normal((B, M), dtype=dtype) * sl
            g = psi.T @ (psi @ v) / B
        b = A0 @ g
        dw = c1 * (G @ b)
        if gamma != 0:
            G += c2 * np.outer(w, b)  # the outer product a researcher writes; same bytes as BLAS dger
        w = w + dw
        times.append(time.perf_counter() - t_step)
    return times


def main():
    N, M = int(cfg["N"]), int(cfg["M"])
    B = None if cfg.get("B") in (None, "inf") else int(cfg["B"])
    sampler = cfg.get("sampler", "exact")
    gamma, eta = float(cfg.get("gamma", 1.0)), float(cfg.get("eta", 0.05))
    dtype = np.float32 if cfg.get("dtype") == "float32" else np.float64
    steps = int(cfg.get("steps", 10))
    out = run(N, M, B, sampler, gamma, eta, steps + 1, dtype)[1:]  # the first step (warm-up) is dropped
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"seconds_per_step": out, "peak_rss_mib": rss, "numpy": np.__version__}))


main()
