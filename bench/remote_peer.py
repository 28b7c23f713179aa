#!/usr/bin/python3
"""The peer of run_remote_bench.sh: reads the index and every shard header of a sharded checkpoint from an HTTP server
with urllib, one Range request after another (8 bytes for the length, then the header), as simple scripts do, and
parses each header with json.loads. Prints the number of tensors."""
import json
import struct
import sys
import urllib.request


def get(url, first=None, last=None):
    request = urllib.request.Request(url)
    if first is not None:
        request.add_header("Range", f"bytes={first}-{last}")
    with urllib.request.urlopen(request) as response:
        return response.read()


def main():
    index_url = sys.argv[1]
    base = index_url.rsplit("/", 1)[0]
    index = json.loads(get(index_url))
    tensors = 0
    for shard in dict.fromkeys(index["weight_map"].values()):
        url = f"{base}/{shard}"
        (length,) = struct.unpack("<Q", get(url, 0, 7))
        header = json.loads(get(url, 8, 8 + length - 1))
        tensors += sum(1 for key in header if key != "__metadata__")
    print(tensors)


if __name__ == "__main__":
    main()
