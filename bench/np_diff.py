#!/usr/bin/python3
"""The numpy peer of the diff benchmark, and the writer of its second model.

  np_diff.py perturb A OUT      OUT = A with every BF16 weight (norms excepted) multiplied by 1 + 0.01 N(0, 1),
                                as a short fine-tune leaves it; same header, so same layout
  np_diff.py diff A B [--atol X] [--rtol Y]
                                what a numpy user writes to compare two BF16 checkpoints: per tensor max |d| and where,
                                mean |d|, RMS d, relative L2, cosine, count beyond tolerance, NaN/Inf mismatches,
                                sums in float64 (BLAS dot products), memory-mapped, in chunks so it fits in memory
numpy has no bfloat16: BF16 is viewed as uint16 and shifted into the top half of a float32, as a fair person would.
"""
import argparse, json, struct, sys, time
import numpy as np

CHUNK = 1 << 22


def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n))
    h.pop("__metadata__", None)
    return h, 8 + n


def bf16(raw):
    return (raw.astype(np.uint32) << 16).view(np.float32)


def perturb(a):
    h, start = header(a.a)
    rng = np.random.default_rng(7)
    with open(a.a, "rb") as src, open(a.out, "wb") as dst:
        dst.write(src.read(start))
    src = np.memmap(a.a, dtype=np.uint8, mode="r")
    with open(a.out, "ab") as dst:
        for name, t in sorted(h.items(), key=lambda kv: kv[1]["data_offsets"][0]):
            b, e = t["data_offsets"]
            raw = src[start + b:start + e]
            if t["dtype"] != "BF16" or "norm" in name:
                dst.write(raw.tobytes())
                continue
            v = raw.view(np.uint16)
            for s in range(0, v.size, CHUNK):
                x = bf16(v[s:s + CHUNK])
                y = x * (1 + 0.01 * rng.standard_normal(x.size, dtype=np.float32))
                dst.write((y.view(np.uint32) >> 16).astype(np.uint16).tobytes())


def compare(a16, b16, atol, rtol):
    identical = True
    best, where = -1.0, 0
    s_abs = s_dd = s_aa = s_bb = s_ab = 0.0
    beyond = nan_mm = inf_mm = finite = 0
    for s in range(0, a16.size, CHUNK):
        ra, rb = a16[s:s + CHUNK], b16[s:s + CHUNK]
        if identical and not np.array_equal(ra, rb):
            identical = False
        a = bf16(ra).astype(np.float64)
        b = bf16(rb).astype(np.float64)
        ok = np.isfinite(a) & np.isfinite(b)
        if not ok.all():
            na, nb = np.isnan(a), np.isnan(b)
            nan_mm += int(np.count_nonzero(na != nb))
            ia, ib = np.isinf(a) & ~nb, np.isinf(b) & ~na
            inf_mm += int(np.count_nonzero((ia | ib) & (a != b)))
            a, b = np.where(ok, a, 0.0), np.where(ok, b, 0.0)
        d = a - b
        ad = np.abs(d)
        i = int(np.argmax(ad))
        if ad[i] > best:
            best, where = float(ad[i]), s + i
        s_abs += float(ad.sum())
        s_dd += float(np.dot(d, d))
        s_aa += float(np.dot(a, a))
        s_bb += float(np.dot(b, b))
        s_ab += float(np.dot(a, b))
        beyond += int(np.count_nonzero(ok & (ad > atol + rtol * np.abs(b))))
        finite += int(np.count_nonzero(ok))
    beyond += nan_mm + inf_mm
    n = max(finite, 1)
    na, nb = np.sqrt(s_aa), np.sqrt(s_bb)
    return dict(identical=identical, max_abs=best, index=where, mean_abs=s_abs / n, rms=np.sqrt(s_dd / n),
                rel_l2=np.sqrt(s_dd) / na if na else 0.0, cosine=s_ab / (na * nb) if na and nb else 1.0,
                beyond=beyond, nan=nan_mm, inf=inf_mm)


def diff(a):
    t0 = time.perf_counter()
    ha, sa = header(a.a)
    hb, sb = header(a.b)
    ma = np.memmap(a.a, dtype=np.uint8, mode="r")
    mb = np.memmap(a.b, dtype=np.uint8, mode="r")
    results, nbytes = {}, 0
    for name, t in ha.items():
        u = hb.get(name)
        if u is None or u["shape"] != t["shape"] or t["dtype"] != "BF16" or u["dtype"] != "BF16":
            continue
        (b0, e0), (b1, e1) = t["data_offsets"], u["data_offsets"]
        results[name] = compare(ma[sa + b0:sa + e0].view(np.uint16), mb[sb + b1:sb + e1].view(np.uint16),
                                a.atol, a.rtol)
        nbytes += (e0 - b0) + (e1 - b1)
    dt = time.perf_counter() - t0
    changed = sum(1 for r in results.values() if not r["identical"])
    worst = max(results.items(), key=lambda kv: kv[1]["rel_l2"])
    print(f"diff {dt:.2f} s; {nbytes / dt / 1e9:.2f} GB/s; {len(results)} pairs, {changed} differ; "
          f"max rel_l2 {worst[1]['rel_l2']:.6g} ({worst[0]}); beyond {sum(r['beyond'] for r in results.values())}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("perturb"); s.add_argument("a"); s.add_argument("out"); s.set_defaults(f=perturb)
    s = sub.add_parser("diff"); s.add_argument("a"); s.add_argument("b")
    s.add_argument("--atol", type=float, default=0.0); s.add_argument("--rtol", type=float, default=0.0)
    s.set_defaults(f=diff)
    a = p.parse_args(); a.f(a)
