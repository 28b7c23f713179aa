#!/usr/bin/python3
"""Writes an FP8 quantization of the demo checkpoint, as DeepSeek-V3's fp8 checkpoints store it, for the screenshot
of a float original against its quantization: every 2-D BF16 weight of the layers becomes F8_E4M3 codes plus an F32
`weight_scale_inv` per 128 x 128 block (edge blocks included), the value being code * scale; a config.json beside it
declares the block size. Codes round to the nearest E4M3 value (ties to the even code). Needs python3-numpy.

usage: make-quant-demo.py IN.safetensors OUTDIR   (OUTDIR must not hold model.safetensors or config.json yet)
"""
import json
import os
import struct
import sys

import numpy as np

BLOCK = 128


def e4m3_table():
    """Every finite E4M3 value by code (sign, 4 exponent bits with bias 7, 3 mantissa bits; S.1111.111 is NaN)."""
    values = np.zeros(256, dtype=np.float64)
    for code in range(256):
        sign = -1.0 if code & 0x80 else 1.0
        exponent = (code >> 3) & 0xF
        mantissa = code & 0x7
        if exponent == 0:
            values[code] = sign * mantissa / 8.0 * 2.0 ** -6
        else:
            values[code] = sign * (1.0 + mantissa / 8.0) * 2.0 ** (exponent - 7)
        if exponent == 0xF and mantissa == 0x7:
            values[code] = np.nan
    return values


def quantize(weight, table):
    """Codes and per-block inverse scales of a float matrix (scale = block amax / 448, as the reference casts)."""
    rows, cols = weight.shape
    srows, scols = -(-rows // BLOCK), -(-cols // BLOCK)
    scales = np.ones((srows, scols), dtype=np.float32)
    codes = np.zeros(weight.shape, dtype=np.uint8)
    finite = np.where(~np.isnan(table))[0]
    order = finite[np.argsort(table[finite], kind="stable")]
    sorted_values = table[order]
    for br in range(srows):
        for bc in range(scols):
            block = weight[br * BLOCK:(br + 1) * BLOCK, bc * BLOCK:(bc + 1) * BLOCK].astype(np.float64)
            amax = float(np.max(np.abs(block))) if block.size else 0.0
            scale = np.float32(amax / 448.0 if amax > 0 else 1.0)
            scales[br, bc] = scale
            x = block / np.float64(scale)
            right = np.clip(np.searchsorted(sorted_values, x), 1, len(sorted_values) - 1)
            left = right - 1
            pick = np.where(np.abs(x - sorted_values[left]) <= np.abs(sorted_values[right] - x), left, right)
            codes[br * BLOCK:(br + 1) * BLOCK, bc * BLOCK:(bc + 1) * BLOCK] = order[pick]
    return codes, scales


def main(src, out_dir):
    with open(src, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    table = e4m3_table()
    meta = dict(header.pop("__metadata__", {}))
    meta["modelspec.title"] = "SafeScope demo decoder (FP8 e4m3, 128x128 block scales)"
    out = {"__metadata__": meta}
    chunks, offset = [], 0

    def put(name, dtype, shape, raw):
        nonlocal offset
        out[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)

    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = t["data_offsets"]
        raw = data[begin:end]
        if t["dtype"] == "BF16" and len(t["shape"]) == 2 and ".layers." in name and name.endswith(".weight"):
            bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            weight = bits.view(np.float32).reshape(t["shape"])
            codes, scales = quantize(weight, table)
            put(name, "F8_E4M3", t["shape"], codes.tobytes())
            put(name + "_scale_inv", "F32", list(scales.shape), scales.tobytes())
        else:
            put(name, t["dtype"], t["shape"], raw)
    targets = [os.path.join(out_dir, name) for name in ("model.safetensors", "config.json")]
    if any(os.path.lexists(path) for path in targets):
        sys.exit(f"{out_dir} already holds model.safetensors or config.json: not overwritten")
    text = json.dumps(out, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                   "quantization_config": {"quant_method": "fp8", "fmt": "e4m3",
                                           "activation_scheme": "dynamic", "weight_block_size": [BLOCK, BLOCK]}},
                  f, indent=2)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
