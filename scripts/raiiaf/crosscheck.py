#!/usr/bin/env python3
"""Developer cross-check of our RAIIAF files against the Python stack the upstream `raiiaf` package uses.

Not needed by the product or the tests (which read the fixtures this script writes). Needs Debian's
python3-zfpy, python3-zstandard and python3-numpy (`apt-get install python3-zfpy python3-zstandard python3-numpy`,
then run with /usr/bin/python3).

  check DIR      read every *.raiiaf in DIR the way the upstream decoder does (header struct, zstd, zfpy,
                 astype, reshape), verify sha256, and check that json.dumps(indent=2), zstd level 3 and
                 zfpy.compress_numpy reproduce our manifest text, frames and lossless zfp streams byte for byte.
  fixtures DIR   write files shaped like upstream's encoder output (unsqueezed 4-D zfp, stale manifest
                 file_size, uncompressed float16, and the older 29-byte header) for our reader's tests, plus
                 bare zfpy streams (*.zfp) for the byte-identity test of our zfp calls.
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np
import zfpy
import zstandard

HEADER_33 = "<6sBBBIIIQI"
HEADER_29 = "<6sBBBIIIII"
CHUNK = "<4s 4s I"


def exact(seed, shape):
    """((i*7919 + 31*seed) mod 2001 - 1000) / 256, the tests' exact values."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.int64)
    return (((i * 7919 + 31 * seed) % 2001 - 1000) / 256.0).astype(np.float32).reshape(shape)


def read_file(path):
    data = open(path, "rb").read()
    legacy = data[29:33] != b"\0\0\0\0"
    fmt = HEADER_29 if legacy else HEADER_33
    head = struct.unpack(fmt, data[: struct.calcsize(fmt)])
    assert head[0] == b"raiiaf" and head[1] >= 1, head
    offset, size = head[4], head[5]
    meta_frame = data[offset: offset + size]
    meta_raw = zstandard.ZstdDecompressor().decompress(meta_frame)
    _, _, json_len = struct.unpack(CHUNK, meta_raw[:12])
    text = meta_raw[12: 12 + json_len].decode("utf-8")
    manifest = json.loads(text)
    return data, head, meta_frame, meta_raw, text, manifest


def check(directory):
    failures = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".raiiaf"):
            continue
        data, head, meta_frame, meta_raw, text, manifest = read_file(os.path.join(directory, name))
        notes = []
        same_json = json.dumps(manifest, indent=2) == text
        same_meta = zstandard.ZstdCompressor(level=3).compress(meta_raw) == meta_frame
        for rec in manifest["raiiaf_metadata"]["chunks"]:
            chunk = data[rec["offset"]: rec["offset"] + rec["compressed_size"]]
            if rec["type"] == "LATN":
                shape = tuple(rec["extra"]["shape"])
                dtype = np.dtype("float16" if rec["flags"] == "F16" else "float32")
                if rec["compressed"]:
                    lh, ld = rec["len_header"], rec["len_data"]
                    header = zstandard.ZstdDecompressor().decompress(chunk[:lh])
                    _, flags, _ = struct.unpack(CHUNK, header)
                    stream = chunk[lh: lh + ld]
                    arr = zfpy.decompress_numpy(stream)
                    zfp_shape = arr.shape
                    arr = arr.astype(dtype).reshape(shape)
                    same_header = zstandard.ZstdCompressor(level=3).compress(header) == chunk[:lh]
                    redo = zfpy.compress_numpy(arr.astype(np.float32).reshape(zfp_shape))
                    same_zfp = redo == stream
                    notes.append(f"LATN {rec['extra']['key']} {shape} {dtype} zfp{zfp_shape} "
                                 f"zstd-header-identical={same_header} zfpy-reencode-identical={same_zfp}")
                else:
                    _, flags, size = struct.unpack(CHUNK, chunk[:12])
                    arr = np.frombuffer(chunk[12: 12 + size], dtype=dtype).reshape(shape)
                    notes.append(f"LATN {rec['extra']['key']} {shape} {dtype} raw")
                ok = hashlib.sha256(arr.tobytes()).hexdigest() == rec["hash"]
            else:
                raw = zstandard.ZstdDecompressor().decompress(chunk)
                payload = raw[12:]
                ok = hashlib.sha256(payload).hexdigest() == rec["hash"]
                same = zstandard.ZstdCompressor().compress(raw) == chunk
                notes.append(f"{rec['type']} {len(payload)} B zstd-identical={same}")
            failures += not ok
            notes[-1] += f" sha256-ok={ok}"
        print(f"{name}: header={head[1]}.{head[2]} file_size={head[7]} len={len(data)} "
              f"json-dumps-identical={same_json} meta-zstd-identical={same_meta}")
        for n in notes:
            print("   ", n)
    return failures


def manifest_for(records, file_size):
    return {"raiiaf_metadata": {
        "file_info": {"magic": "raiiaf", "version_major": 1, "version_minor": 0, "file_size": file_size,
                      "chunk_count": len(records)},
        "model_info": {"model_name": "upstream-like", "version": "0.1", "date": "2026-02-01T00:00:00+00:00",
                       "prompt": "fixture", "tags": ["fixture"],
                       "generation_settings": {"seed": 7, "steps": 10, "sampler": "euler", "cfg_scale": 7.5,
                                               "scheduler": "karras", "eta": 0.0, "guidance": "", "precision": "fp32",
                                               "deterministic": True},
                       "hardware_info": {"machine_name": "", "os": "Linux", "cpu": "", "cpu_cores": 2, "gpu": [],
                                         "ram_gb": 15.5, "framework": "", "compute_lib": ""}},
        "chunks": [dict(index=i, **{k: r.get(k) for k in ("type", "flags", "offset", "compressed_size",
                                                          "uncompressed_size", "hash", "extra", "compressed",
                                                          "len_header", "len_data")})
                   for i, r in enumerate(records)]}}


def write_like_upstream(path, latents, compress, to_f16, header_fmt, png=None):
    """Follows the upstream encoder's order and quirks (stale manifest file_size, unsqueezed zfp)."""
    header_size = struct.calcsize(header_fmt)
    offset, records, chunks = header_size, [], []
    for key, arr in latents.items():
        if to_f16:
            arr = arr.astype(np.float16)
        flags = b"F16\x00" if arr.dtype == np.float16 else b"F32\x00"
        raw = arr.tobytes()
        if compress:
            head = zstandard.ZstdCompressor(level=3).compress(struct.pack(CHUNK, b"LATN", flags, arr.nbytes))
            body = zfpy.compress_numpy(arr)
            chunk, lh, ld = head + body, len(head), len(body)
        else:
            chunk = struct.pack(CHUNK, b"LATN", flags, len(raw)) + raw
            lh, ld = 12, len(raw)
        records.append({"type": "LATN", "flags": flags.decode("ascii").strip("\x00"), "offset": offset,
                        "compressed_size": len(chunk), "compressed": compress, "uncompressed_size": len(raw),
                        "len_header": lh, "len_data": ld, "hash": hashlib.sha256(raw).hexdigest(),
                        "extra": {"shape": list(arr.shape), "dtype": str(arr.dtype), "key": key}})
        chunks.append(chunk)
        offset += len(chunk)
    blobs = []
    if png is not None:
        blobs.append(("DATA", png))
    env = json.dumps({"env_version": 1, "components": [
        {"component_id": "numpy", "cononical_str": "name=numpy;version=1.24.2",
         "component_sha256_digest": hashlib.sha256(b"name=numpy;version=1.24.2").hexdigest()}]}, indent=2).encode()
    blobs.append(("ENVC", env))
    for kind, payload in blobs:
        chunk = zstandard.ZstdCompressor().compress(struct.pack(CHUNK, kind.encode(), b"0000", len(payload)) + payload)
        records.append({"type": kind, "flags": "0000", "offset": offset, "compressed_size": len(chunk),
                        "uncompressed_size": len(payload), "hash": hashlib.sha256(payload).hexdigest(),
                        "extra": {}, "compressed": True})
        chunks.append(chunk)
        offset += len(chunk)

    def meta_bytes(file_size):
        text = json.dumps(manifest_for(records, file_size), indent=2).encode("utf-8")
        return zstandard.ZstdCompressor().compress(struct.pack(CHUNK, b"META", b"0000", len(text)) + text)

    first = meta_bytes(0)
    meta = meta_bytes(offset + len(first))  # stale by design, as upstream
    total = offset + len(meta)
    header = struct.pack(header_fmt, b"raiiaf", 1, 0, 0, offset, len(meta), len(records), total, 0)
    with open(path, "wb") as f:
        f.write(header + b"".join(chunks) + meta)
    print("wrote", path, total, "bytes")


def fixtures(directory):
    png = open(os.path.join(directory, "tiny.png"), "rb").read() if os.path.exists(
        os.path.join(directory, "tiny.png")) else None
    write_like_upstream(os.path.join(directory, "upstream-f32-zfp4d.raiiaf"),
                        {"samples": exact(11, (1, 4, 8, 8)), "second": exact(12, (2, 4, 4, 4))},
                        compress=True, to_f16=False, header_fmt=HEADER_33, png=png)
    write_like_upstream(os.path.join(directory, "upstream-f16-uncompressed.raiiaf"),
                        {"samples": exact(13, (1, 4, 8, 8))}, compress=False, to_f16=True, header_fmt=HEADER_33)
    write_like_upstream(os.path.join(directory, "upstream-legacy29.raiiaf"),
                        {"samples": exact(14, (1, 4, 8, 8))}, compress=True, to_f16=False, header_fmt=HEADER_29)
    # Bare zfpy streams, to check that our libzfp calls write byte-identical streams.
    for name, stream in [("zfpy-reversible-4x8x8.zfp", zfpy.compress_numpy(exact(21, (4, 8, 8)))),
                         ("zfpy-tol0.01-4x8x8.zfp", zfpy.compress_numpy(exact(21, (4, 8, 8)), tolerance=0.01)),
                         ("zfpy-reversible-2x3x5x7.zfp", zfpy.compress_numpy(exact(22, (2, 3, 5, 7))))]:
        with open(os.path.join(directory, name), "wb") as f:
            f.write(stream)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "fixtures"):
        sys.exit(__doc__)
    sys.exit(check(sys.argv[2]) if sys.argv[1] == "check" else fixtures(sys.argv[2]))
