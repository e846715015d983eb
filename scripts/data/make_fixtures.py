#!/usr/bin/env python3
"""Writes the small committed fixtures of Tests/LoupeDataTests/Fixtures/.

The gzip files are made by Python's gzip module, an implementation independent of the zlib
`inflate` calls they test. Run from the repository root: python3 scripts/data/make_fixtures.py
"""
import gzip
import os
import struct

root = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LoupeDataTests", "Fixtures")


def idx(dims, values):
    return struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)


def write(path, data):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data)


def pixel(image, r, c):
    return (image * 37 + r * 28 + c) % 256


# A 4-image MNIST training part (gzipped, mtime fixed so reruns are byte-identical) and a 2-image
# test part (raw).
train_images = [pixel(i, r, c) for i in range(4) for r in range(28) for c in range(28)]
write("mnist/train-images-idx3-ubyte.gz", gzip.compress(idx([4, 28, 28], train_images), mtime=0))
write("mnist/train-labels-idx1-ubyte.gz", gzip.compress(idx([4], [3, 1, 4, 1]), mtime=0))
test_images = [pixel(i + 10, r, c) for i in range(2) for r in range(28) for c in range(28)]
write("mnist/t10k-images-idx3-ubyte", idx([2, 28, 28], test_images))
write("mnist/t10k-labels-idx1-ubyte", idx([2], [5, 9]))

# Two gzip members back to back, as `cat a.gz b.gz` makes.
write("two-members.gz", gzip.compress(b"first member\n", mtime=0) + gzip.compress(b"second member\n", mtime=0))

write("iris-mini.csv", b"""sepal_length,sepal_width,species,petal_length
5.1,3.5,0,1.4
7.0,3.2,1,4.7\r
6.3, 3.3 ,2,6.0

""")
