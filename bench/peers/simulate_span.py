"""numpy peer of richscale's sampler 'span' (native/simulate/span_model.h, docs/algorithm.md section 5b).

Same algorithm: the projected model stepped in the eigenbasis of K = A0 Λ A0ᵀ = Q D Qᵀ, with H = G Q,
z̃ = Hᵀw, L = c0 - 2 p̃·z̃/√N + Σ D z̃²/N, b̃ = p̃ - D z̃/√N, the exact batch sampler of SPEC 8.2 drawn from the
arrowhead Cholesky factor of the covariance of (QᵀA0Λ^{1/2}ξ, w*·Λ^{1/2}ξ), Δw = (η/√N) H b̃,
H += (ηγ/√N) w b̃ᵀ. Written the way numpy is normally used (H.T @ w, H @ b, np.outer). Random numbers come from
numpy's default_rng (not richscale's stream; the work per step is the same).

Usage: python3 simulate_span.py '{"N":1024,"M":8192,"B":256,"gamma":1,"steps":10,"threads":1}'
Prints JSON {"seconds_per_step": [...], "setup_seconds": ..., "peak_rss_mib": ...}: the wall time of each of
`steps` steps after one warm-up step, and of the set-up (A0, K, eigh).
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
    t0 = time.perf_counter()
    A0 = rng.standard_normal((N, M))
    K = (A0 * lam) @ A0.T
    p = A0 @ (lam * wstar)
    c0 = float(np.dot(lam * wstar, wstar))
    D, Q = np.linalg.eigh(K)
    pt = Q.T @ p
    rootD = np.sqrt(D)
    last = pt / rootD
    s_last = float(np.sqrt(max(c0 - float(np.dot(last, last)), 0.0)))
    H = Q.copy()
    setup = time.perf_counter() - t0
    w = np.zeros(N)
    sqrtN = np.sqrt(N)
    c1, c2 = eta / sqrtN, eta * gamma / sqrtN
    times = []
    for _ in range(steps):
        t_step = time.perf_counter()
        zt = H.T @ w
        L = c0 - 2.0 * float(pt @ zt) / sqrtN + float(D @ (zt * zt)) / N
        bt = pt - D * zt / sqrtN
        if B is not None:
            S = float(np.sum(rng.standard_normal(B) ** 2))
            e = rng.standard_normal(N + 1)
            yt = rootD * e[:N]
            yN = float(last @ e[:N]) + s_last * e[N]
            r = np.sqrt(max(L, 0.0))
            c = (yN - float(zt @ yt) / sqrtN) / r
            bt = ((S - np.sqrt(S) * c) / B) * bt + (r * np.sqrt(S) / B) * yt
        dw = c1 * (H @ bt)
        if gamma != 0:
            H += c2 * np.outer(w, bt)
        w = w + dw
        times.append(time.perf_counter() - t_step)
    return times, setup


def main():
    N, M = int(cfg["N"]), int(cfg["M"])
    B = None if cfg.get("B") in (None, "inf") else int(cfg["B"])
    gamma, eta = float(cfg.get("gamma", 1.0)), float(cfg.get("eta", 0.05))
    steps = int(cfg.get("steps", 10))
    times, setup = run(N, M, B, gamma, eta, steps + 1)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"seconds_per_step": times[1:], "setup_seconds": setup, "peak_rss_mib": rss, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
