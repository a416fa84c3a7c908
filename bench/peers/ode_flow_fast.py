"""numpy peer of richscale's rich ODE solver with method 'fast' (native/theory/ode.cc RunFlowFast, SPEC 3.2 / 3.3 /
8.2), same method: the frozen-H exponential step of ode_flow.py, Galerkin-projected onto the active bins plus two
directions of the untouched tail (q0 ∝ Λa, q1 ∝ a ⊥ q0 on the tail bins); a bin becomes active when
η·λ_j·(1+γc)·t_i ≥ tol, with the exact change of basis x' = Rx, E' = R E Rᵀ.

Usage: python3 ode_flow_fast.py INPUT.json  (lambda, wstar, mult, times, gamma, eta, threads, deflation_tol);
prints JSON {"seconds": ..., "loss_final": ..., "max_dim": ..., "peak_rss_mib": ...}.
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


def tail_basis(lam, a, nA):
    at = a[nA:]
    zt = lam[nA:] * at
    if len(at) == 0 or not np.any(zt):
        return np.zeros((len(at), 0))
    q0 = zt / np.linalg.norm(zt)
    q1 = at.copy()
    for _ in range(2):
        q1 = q1 - (q0 @ q1) * q0
    w = np.linalg.norm(q1)
    if len(at) == 1 or w <= 1e-12 * np.linalg.norm(at):
        return q0[:, None]
    return np.stack([q0, q1 / w], axis=1)


def setup(lam, a, nA):
    Qt = tail_basis(lam, a, nA)
    d = nA + Qt.shape[1]
    Lam = np.zeros((d, d))
    Lam[:nA, :nA] = np.diag(lam[:nA])
    Lam[nA:, nA:] = Qt.T @ (lam[nA:, None] * Qt)
    return Qt, Lam, np.concatenate([a[:nA], Qt.T @ a[nA:]])


def solve(lam, wstar, mult, times, gamma, eta, tol):
    a = np.sqrt(mult * lam) * wstar
    nA = 0
    Qt, Lam, aV = setup(lam, a, nA)
    x = aV.copy()
    E = np.zeros((len(x), len(x)))
    c, Eprev, cprev, hprev, max_dim = 0.0, None, 0.0, 0.0, len(x)
    losses = [float(x @ x)]
    for i in range(1, len(times)):
        h = times[i] - times[i - 1]
        act = np.nonzero(eta * (1 + gamma * c) * times[i] * lam >= tol)[0]
        nA2 = max(nA, int(act[-1]) + 1 if len(act) else 0)
        if nA2 > nA and Qt.shape[1] > 0:
            Qt2, Lam2, aV2 = setup(lam, a, nA2)
            k = nA2 - nA
            R = np.zeros((nA2 + Qt2.shape[1], len(x)))
            R[:nA, :nA] = np.eye(nA)
            R[nA:nA2, nA:] = Qt[:k]
            R[nA2:, nA:] = Qt2.T @ Qt[k:]
            x, E = R @ x, R @ E @ R.T
            if Eprev is not None:
                Eprev = R @ Eprev @ R.T
            nA, Qt, Lam, aV = nA2, Qt2, Lam2, aV2
        max_dim = max(max_dim, len(x))
        Hcur = E + (1 + gamma * c) * Lam
        Hmid = Hcur if Eprev is None else Hcur + (h / (2 * hprev)) * (Hcur - (Eprev + (1 + gamma * cprev) * Lam))
        Eprev, cprev, hprev = E, c, h
        mu, Q = np.linalg.eigh(Hmid)
        p = Q.T @ x
        U = Q @ (phi1(eta * mu, h) * p)
        x = Q @ (np.exp(-eta * mu * h) * p)
        c = c + 2 * eta * (float(aV @ U) - float(np.sum(p * p * phi1(2 * eta * mu, h))))
        S = Q @ (np.outer(p, p) * phi1(eta * (mu[:, None] + mu[None, :]), h)) @ Q.T
        LX = Lam @ (np.outer(U, aV) - S)
        E = E + eta * gamma * (LX + LX.T)
        losses.append(float(x @ x))
    return losses, max_dim


def main():
    lam = np.array(cfg["lambda"])
    t0 = time.perf_counter()
    losses, max_dim = solve(lam, np.array(cfg["wstar"]), np.array(cfg["mult"]), np.array(cfg["times"]),
                            float(cfg["gamma"]), float(cfg["eta"]), float(cfg.get("deflation_tol", 1e-3)))
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"seconds": seconds, "loss_final": losses[-1], "max_dim": max_dim, "peak_rss_mib": rss}))


main()
