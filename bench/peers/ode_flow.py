"""numpy peer of richscale's N = B = ∞ rich ODE solver (native/theory/ode.cc RunFlow, SPEC 3.3 / 8.2), same method:
symmetric variables ũ = s∘v, E = s sᵀ∘(K - I) on log-binned modes; on each step of the log time grid H is frozen at
its extrapolated midpoint value and the step is exact for frozen H (eigendecomposition, exponential and φ1
integrals; S = ∫ũũᵀ = Q W Qᵀ).

Usage: python3 ode_flow.py INPUT.json  (lambda, wstar, mult, times, gamma, eta, threads); prints JSON
{"seconds": ..., "loss_final": ..., "peak_rss_mib": ...}.
"""
import json
import os
import sys

cfg = json.load(open(sys.argv[1]))
threads = str(cfg.get("threads", 1))
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = threads
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def phi1(x, h):
    r = x * h
    small = np.abs(r) < 1e-8
    safe = np.where(small, 1.0, r)
    return np.where(small, h * (1 - r / 2 + r * r / 6), (-np.expm1(-safe) / safe) * h)


def solve(lam, wstar, mult, times, gamma, eta):
    a = np.sqrt(mult * lam) * wstar
    u = a.copy()
    n = len(lam)
    E = np.zeros((n, n))
    c = 0.0
    Hprev = None
    hprev = 0.0
    losses = [float(u @ u)]
    for i in range(1, len(times)):
        h = times[i] - times[i - 1]
        Hcur = E + np.diag((1 + gamma * c) * lam)
        Hmid = Hcur if Hprev is None else Hcur + (h / (2 * hprev)) * (Hcur - Hprev)
        mu, Q = np.linalg.eigh(Hmid)
        p = Q.T @ u
        ep = np.exp(-eta * mu * h) * p
        fp = phi1(eta * mu, h) * p
        u_new = Q @ ep
        U = Q @ fp
        trS = float(np.sum(p * p * phi1(2 * eta * mu, h)))
        c_new = c + 2 * eta * (float(a @ U) - trS)
        W = np.outer(p, p) * phi1(eta * (mu[:, None] + mu[None, :]), h)
        S = Q @ W @ Q.T
        X = np.outer(U, a) - S
        E = E + eta * gamma * (lam[:, None] * X + (lam[:, None] * X).T)
        u, c, Hprev, hprev = u_new, c_new, Hcur, h
        losses.append(float(u @ u))
    return losses


def main():
    lam = np.array(cfg["lambda"])
    wstar = np.array(cfg["wstar"])
    mult = np.array(cfg["mult"])
    times = np.array(cfg["times"])
    t0 = time.perf_counter()
    losses = solve(lam, wstar, mult, times, float(cfg["gamma"]), float(cfg["eta"]))
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"seconds": seconds, "loss_final": losses[-1], "peak_rss_mib": rss}))


main()
