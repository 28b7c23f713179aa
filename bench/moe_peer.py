# The Python peer of run_moe_bench.sh: what a script does to list a sharded checkpoint's tensors. Reads the index
# with json.loads, then the 8-byte length and JSON header of every shard it names, with json.loads.
#   python3 moe_peer.py INDEX
import json
import os
import struct
import sys

index_path = sys.argv[1]
with open(index_path, 'rb') as f:
    weight_map = json.loads(f.read())['weight_map']
folder = os.path.dirname(index_path)
tensors = 0
for shard in dict.fromkeys(weight_map.values()):
    with open(os.path.join(folder, shard), 'rb') as f:
        (n,) = struct.unpack('<Q', f.read(8))
        header = json.loads(f.read(n))
    tensors += len(header) - ('__metadata__' in header)
if tensors != len(weight_map):
    sys.exit('the shards hold %d tensors, the index lists %d' % (tensors, len(weight_map)))
