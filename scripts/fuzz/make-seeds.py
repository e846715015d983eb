#!/usr/bin/env python3
"""Writes the small seed corpora under Fuzz/Corpus/<harness>/ (run from the repository root).

Seeds are valid, tiny inputs of each format; libFuzzer mutates them. Re-running rewrites the same
bytes, so the committed corpus can be regenerated and reviewed.
"""
import gzip, os, struct

ROOT = os.path.join("Fuzz", "Corpus")


def put(harness, name, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def copy(harness, path):
    put(harness, os.path.basename(path), open(path, "rb").read())


# --- GGUF (v3, little-endian): header, metadata, tensor infos, aligned data ----------------------
def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gval(kind, v):
    if kind == "u32": return struct.pack("<I", 4) + struct.pack("<I", v)
    if kind == "i32": return struct.pack("<I", 5) + struct.pack("<i", v)
    if kind == "f32": return struct.pack("<I", 6) + struct.pack("<f", v)
    if kind == "bool": return struct.pack("<I", 7) + struct.pack("<B", v)
    if kind == "str": return struct.pack("<I", 8) + gstr(v)
    if kind == "u64": return struct.pack("<I", 10) + struct.pack("<Q", v)
    if kind == "strs": return struct.pack("<I", 9) + struct.pack("<IQ", 8, len(v)) + b"".join(gstr(s) for s in v)
    if kind == "i32s": return struct.pack("<I", 9) + struct.pack("<IQ", 5, len(v)) + b"".join(struct.pack("<i", x) for x in v)
    raise ValueError(kind)


def gguf(metadata, tensors, alignment=32):
    """tensors: (name, shape, ggml type, byte count)."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, kind, v in metadata:
        out += gstr(key) + gval(kind, v)
    offset, blobs = 0, []
    for name, shape, t, size in tensors:
        out += gstr(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", n) for n in shape)
        out += struct.pack("<IQ", t, offset)
        blobs.append(bytes((i * 7) & 0xFF for i in range(size)))
        offset += (size + alignment - 1) // alignment * alignment
    out += b"\0" * (-len(out) % alignment)
    for b in blobs:
        out += b + b"\0" * (-len(b) % alignment)
    return out


tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "a", "b", "c", "Ġ", "ab", "Ġa", "abc"]
llama = [
    ("general.architecture", "str", "llama"),
    ("llama.block_count", "u32", 1), ("llama.embedding_length", "u32", 8),
    ("llama.attention.head_count", "u32", 2), ("llama.attention.head_count_kv", "u32", 1),
    ("llama.feed_forward_length", "u32", 16), ("llama.context_length", "u32", 64),
    ("llama.rope.freq_base", "f32", 10000.0), ("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5),
    ("tokenizer.ggml.model", "str", "gpt2"), ("tokenizer.ggml.tokens", "strs", tokens),
    ("tokenizer.ggml.token_type", "i32s", [3, 3, 3, 1, 1, 1, 1, 1, 1, 1]),
    ("tokenizer.ggml.merges", "strs", ["a b", "Ġ a", "ab c"]),
    ("tokenizer.ggml.bos_token_id", "u32", 1), ("tokenizer.ggml.eos_token_id", "u32", 2),
    ("tokenizer.chat_template", "str",
     "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"),
]
put("gguf", "llama-tiny.gguf", gguf(llama, [
    ("token_embd.weight", [8, 10], 0, 8 * 10 * 4),       # F32
    ("blk.0.attn_q.weight", [32, 2], 2, 2 * 18),         # Q4_0: 32 values in 18 bytes
    ("output_norm.weight", [8], 1, 8 * 2),               # F16
]))
put("gguf", "metadata-only.gguf", gguf([("general.alignment", "u32", 64), ("general.name", "str", "x"),
                                        ("flag", "bool", 1), ("n", "u64", 7)], [], alignment=64))
put("gguf", "empty.gguf", gguf([], []))

# --- safetensors: the committed test fixtures (written by the reference implementation and Loupe)
for name in ["read_dtypes", "read_numpy", "writer_empty", "writer_metadata_only", "writer_mixed", "writer_single"]:
    copy("safetensors", os.path.join("Tests/LoupeSafeTensorsTests/Fixtures", name + ".safetensors"))

# --- CSV: the first byte picks the reader's options (see FuzzHarness.csv) -------------------------
iris = open("Tests/LoupeDataTests/Fixtures/iris-mini.csv", "rb").read()
put("csv", "header-index", b"\x00" + iris)
put("csv", "named-label", b"\x01" + b"a,label,b\n1,2,3\n4,5,6\n")
put("csv", "regression", b"\x02" + b"x,y\n1.5,2.25\n-3e2,0.5\r\n")
put("csv", "no-header-semicolon", b"\x0c" + b"1;2;0\n\n3;4;1\n")
put("csv", "gzip", b"\x00" + gzip.compress(b"a,b\n1,0\n2,1\n", mtime=0))

# --- IDX: images [2, 2, 3] and labels [2], plain and gzipped -------------------------------------
images = b"\x00\x00\x08\x03" + struct.pack(">III", 2, 2, 3) + bytes(range(12))
labels = b"\x00\x00\x08\x01" + struct.pack(">I", 2) + b"\x03\x07"
put("idx", "images", images)
put("idx", "labels", labels)
put("idx", "labels.gz", gzip.compress(labels, mtime=0))

# --- CIFAR-10: one and two records ---------------------------------------------------------------
record = lambda label: bytes([label]) + bytes((i * 13) & 0xFF for i in range(3072))
put("cifar", "one-record", record(3))
put("cifar", "two-records", record(0) + record(9))

# --- tokenizer: text ---------------------------------------------------------------------------
put("tokenizer", "prose", "The three primary colors are red, yellow and blue.")
put("tokenizer", "special", "<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n")
put("tokenizer", "digits-spaces", "In 2024,   about 1234567 people  said: I'm   fine\t\n\n ok")
put("tokenizer", "unicode", "naïve café — 日本語 🙂 Ünïcödé\r\n")

# --- chat template: template NUL role NUL content ... (see FuzzHarness.chatTemplate) --------------
smol = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
        "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
put("chat-template", "smollm2", smol + "\0user\0Write a haiku.\0assistant\0Waves.")
put("chat-template", "system-first", smol + "\0system\0Be brief.\0user\0Hi")
put("chat-template", "no-default", "<|im_start|>{{role}}<|im_end|>\0user\0x")

# --- run files: the examples ---------------------------------------------------------------------
for d in ["examples", "examples/faults"]:
    for name in sorted(os.listdir(d)):
        if name.endswith(".toml"):
            copy("run-file", os.path.join(d, name))

# --- store: mode byte, then 4-byte edits (table, column, kind, value) or a database file ---------
# (see Sources/LoupeFuzz/StoreHarness.swift: tables and columns are taken modulo the store's own)
put("store", "no-edits", b"\x01")
put("store", "null-everywhere", b"\x01" + bytes(b for t in range(12) for b in (t, 0, 0, 0)))
put("store", "text-for-numbers", b"\x01" + bytes(b for t in range(12) for c in range(4) for b in (t, c, 1, 65)))
put("store", "huge-and-blobs", b"\x01" + bytes([3, 2, 4, 9, 5, 1, 5, 0, 7, 3, 6, 200, 2, 2, 7, 99]))
import sqlite3, tempfile
with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "s.sqlite")
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE run (id TEXT, name TEXT, status TEXT)")
    con.execute("INSERT INTO run VALUES ('0000000000000001', 'x', 'running')")
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()
    put("store", "foreign-database", b"\x00" + open(db, "rb").read())
