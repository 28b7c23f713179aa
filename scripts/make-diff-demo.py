#!/usr/bin/env python3
"""Writes a "fine-tuned" copy of the demo checkpoint for the diff view's screenshots: per-layer noise growing with
depth, one layer's q_proj scaled by 2 (an exponent bump, exact), a tensor removed, a LoRA tensor added and changed
metadata. BF16 values are perturbed in their bit patterns, so no numpy is needed.

usage: make-diff-demo.py IN.safetensors OUT.safetensors
"""
import array
import json
import random
import re
import struct
import sys


def main(src, dst):
    with open(src, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    rng = random.Random(6)
    meta = dict(header.pop("__metadata__", {}))
    meta["modelspec.title"] = "SafeScope demo decoder (fine-tuned)"
    meta["finetune"] = '{"base": "demo-decoder", "steps": 300}'
    meta.pop("training_info", None)
    out_header = {"__metadata__": meta}
    chunks = []
    offset = 0
    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        if name == "model.layers.0.self_attn.rotary_emb.inv_freq":
            continue
        begin, end = t["data_offsets"]
        raw = data[begin:end]
        m = re.search(r"layers\.(\d+)\.", name)
        if t["dtype"] == "BF16" and m:
            layer = int(m.group(1))
            values = array.array("H", raw)
            if layer == 1 and "q_proj" in name:
                values = array.array("H", (v + 0x80 if (v & 0x7F80) not in (0, 0x7F80) else v for v in values))
            elif "mlp" in name or layer >= 2:
                spread = layer + (2 if "mlp" in name else 0)
                values = array.array("H", ((v + rng.randint(-spread, spread)) & 0xFFFF for v in values))
            raw = values.tobytes()
        out_header[name] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    lora = array.array("H", (0x3C00 + rng.randint(0, 255) for _ in range(8 * 256))).tobytes()
    out_header["model.layers.3.self_attn.lora_A.weight"] = {"dtype": "BF16", "shape": [8, 256],
                                                           "data_offsets": [offset, offset + len(lora)]}
    chunks.append(lora)
    text = json.dumps(out_header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for c in chunks:
            f.write(c)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
