#!/usr/bin/env python3
"""Peer and fixture generator for bench/run_quant_bench.sh (issue 14).

  np_dequant.py gen-float DIR --mib N --dtype F32|BF16   one tensor "weight" of N MiB (normal values)
  np_dequant.py gen-fp8 DIR --mib N                      DeepSeek-V3 layout: F8_E4M3 "model.layers.0.mlp.
                                                         down_proj.weight" of N MiB + F32 "..._scale_inv" per
                                                         128x128 block, and config.json
  np_dequant.py stats-fp8 FILE NAME                      the peer: dequantize with the reference formula
                                                         (weight_dequant: fp8 value * s[i//128, j//128]), then
                                                         min/max/mean/std and a 256-bin histogram, as SafeScope
  np_dequant.py gen-gptq DIR --mib N                     GPTQ int4, group 128: I32 "model.layers.0.mlp.down_proj.
                                                         qweight" of N MiB, qzeros, F16 scales, and config.json
  np_dequant.py stats-gptq FILE STEM                     the peer: AutoGPTQ's formula ((q - (z + 1)) * scale per
                                                         group), a slab of rows at a time, then the same statistics
Needs python3-numpy. Prints one line with the seconds taken.
"""
import json, os, struct, sys, time
import numpy as np

BLOCK = 128
# A name as DeepSeek-V3 has them: block scales are recognised by the ".weight_scale_inv" suffix.
FP8_NAME = "model.layers.0.mlp.down_proj.weight"


def write(path, tensors):
    header, offset = {}, 0
    for name, dtype, shape, arr in tensors:
        nbytes = arr.nbytes
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, arr in tensors:
            arr.tofile(f)


def square(elements):
    cols = 8192
    return elements // cols, cols


def e4m3_table():
    """The 256 E4M3 values from the format definition (bias 7, no infinities, 0x7f/0xff NaN)."""
    table = np.zeros(256, dtype=np.float32)
    for code in range(256):
        sign = -1.0 if code & 0x80 else 1.0
        exp, man = (code >> 3) & 0xF, code & 0x7
        if exp == 0xF and man == 0x7:
            table[code] = np.nan
        elif exp == 0:
            table[code] = sign * (man / 8.0) * 2.0 ** -6
        else:
            table[code] = sign * (1.0 + man / 8.0) * 2.0 ** (exp - 7)
    return table


def gen_float(folder, mib, dtype):
    os.makedirs(folder, exist_ok=True)
    rows, cols = square(mib * 2**20 // (4 if dtype == "F32" else 2))
    rng = np.random.default_rng(1)
    values = (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02)
    if dtype == "BF16":
        values = (values.view(np.uint32) >> 16).astype(np.uint16)
    write(os.path.join(folder, "model.safetensors"), [("weight", dtype, (rows, cols), values)])


def gen_fp8(folder, mib):
    os.makedirs(folder, exist_ok=True)
    rows, cols = square(mib * 2**20)
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 256, size=(rows, cols), dtype=np.uint8)
    codes[(codes & 0x7F) == 0x7F] = 0x38  # no NaN codes: the statistics compare values
    scales = rng.uniform(0.5, 2.0, size=((rows + BLOCK - 1) // BLOCK, (cols + BLOCK - 1) // BLOCK)).astype(np.float32)
    write(os.path.join(folder, "model.safetensors"),
          [(FP8_NAME, "F8_E4M3", (rows, cols), codes), (FP8_NAME + "_scale_inv", "F32", scales.shape, scales)])
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"quantization_config": {"quant_method": "fp8", "weight_block_size": [BLOCK, BLOCK]}}, f)


def stats_fp8(path, name):
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    w, s = header[name], header[name + "_scale_inv"]
    rows, cols = w["shape"]
    codes = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n + w["data_offsets"][0], shape=(rows, cols))
    scales = np.memmap(path, dtype=np.float32, mode="r", offset=8 + n + s["data_offsets"][0], shape=tuple(s["shape"]))
    table = e4m3_table()
    # The reference formula, a row block at a time (DeepSeek-V3's weight_dequant: x * s per 128x128 tile).
    parts = []
    for r in range(0, rows, BLOCK):
        tile = table[codes[r:r + BLOCK]]
        tile *= np.repeat(scales[r // BLOCK], BLOCK)[:cols]
        parts.append(tile)
    a = np.concatenate(parts).ravel()
    mn, mx = float(a.min()), float(a.max())
    mean = float(a.mean(dtype=np.float64))
    std = float(a.std(dtype=np.float64))
    hist, _ = np.histogram(a, bins=256, range=(mn, mx))
    t1 = time.perf_counter()
    print(f"numpy dequant+stats {t1 - t0:.2f} s; min {mn:.4f} max {mx:.4f} mean {mean:.5f} std {std:.5f}")


GPTQ_STEM = "model.layers.0.mlp.down_proj"
GPTQ_GROUP = 128


def gen_gptq(folder, mib):
    """AutoGPTQ's layout: qweight [in / 8, out] (eight 4-bit codes of consecutive inputs per word, low bits first),
    qzeros [groups, out / 8] (zero - 1, packed along the outputs), scales [groups, out]."""
    os.makedirs(folder, exist_ok=True)
    out = 8192
    in_ = mib * 2**20 * 2 // out
    groups = in_ // GPTQ_GROUP
    rng = np.random.default_rng(3)
    qweight = rng.integers(0, 2**32, size=(in_ // 8, out), dtype=np.uint32).view(np.int32)
    qzeros = rng.integers(0, 2**32, size=(groups, out // 8), dtype=np.uint32).view(np.int32)
    scales = rng.uniform(0.001, 0.01, size=(groups, out)).astype(np.float16)
    write(os.path.join(folder, "model.safetensors"),
          [(GPTQ_STEM + ".qweight", "I32", qweight.shape, qweight), (GPTQ_STEM + ".qzeros", "I32", qzeros.shape, qzeros),
           (GPTQ_STEM + ".scales", "F16", scales.shape, scales)])
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": GPTQ_GROUP,
                                           "desc_act": False}}, f)


def stats_gptq(path, stem):
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))

    def tensor(name, dtype):
        t = header[name]
        return np.memmap(path, dtype=dtype, mode="r", offset=8 + n + t["data_offsets"][0], shape=tuple(t["shape"]))

    qweight = tensor(stem + ".qweight", np.uint32)
    qzeros = tensor(stem + ".qzeros", np.uint32)
    scales = tensor(stem + ".scales", np.float16)
    shifts = np.arange(0, 32, 4, dtype=np.uint32)
    words_per_group = GPTQ_GROUP // 8

    def groups():
        # AutoGPTQ QuantLinear.forward: unpack zeros (+1) and weights, then (w - zeros) * scales, group by group.
        for g in range(qzeros.shape[0]):
            z = ((qzeros[g][:, None] >> shifts[None, :]) & 15).reshape(-1).astype(np.float32) + 1
            w = (qweight[g * words_per_group:(g + 1) * words_per_group][:, None, :] >> shifts[None, :, None]) & 15
            yield (w.reshape(GPTQ_GROUP, -1).astype(np.float32) - z) * scales[g].astype(np.float32)

    mn, mx, total, total_sq, count = np.inf, -np.inf, 0.0, 0.0, 0
    for v in groups():
        mn, mx = min(mn, float(v.min())), max(mx, float(v.max()))
        total += float(v.sum(dtype=np.float64))
        total_sq += float(np.square(v, dtype=np.float64).sum())
        count += v.size
    hist = np.zeros(256, dtype=np.int64)
    for v in groups():
        hist += np.histogram(v, bins=256, range=(mn, mx))[0]
    mean = total / count
    std = max(total_sq / count - mean * mean, 0.0) ** 0.5
    t1 = time.perf_counter()
    print(f"numpy dequant+stats {t1 - t0:.2f} s; min {mn:.5f} max {mx:.5f} mean {mean:.6f} std {std:.6f}")


def main():
    cmd = sys.argv[1]
    if cmd == "gen-float":
        gen_float(sys.argv[2], int(sys.argv[sys.argv.index("--mib") + 1]), sys.argv[sys.argv.index("--dtype") + 1])
    elif cmd == "gen-fp8":
        gen_fp8(sys.argv[2], int(sys.argv[sys.argv.index("--mib") + 1]))
    elif cmd == "stats-fp8":
        stats_fp8(sys.argv[2], sys.argv[3])
    elif cmd == "gen-gptq":
        gen_gptq(sys.argv[2], int(sys.argv[sys.argv.index("--mib") + 1]))
    elif cmd == "stats-gptq":
        stats_gptq(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
