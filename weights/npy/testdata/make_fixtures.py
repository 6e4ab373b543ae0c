"""Writes the small .npy files the npy package's tests read.

Run with Debian's NumPy from this folder: /usr/bin/python3 make_fixtures.py
The outputs are committed, so the tests do not need NumPy.
"""

import numpy as np


def save(name, a, version=None):
    with open(name, "wb") as f:
        np.lib.format.write_array(f, a, version=version, allow_pickle=False)


def main():
    save("f4_2x3.npy", np.array([[1.5, -2, 0], [3.25, 1e-8, -1e30]], dtype="<f4"))
    save("u1_4.npy", np.array([0, 1, 128, 255], dtype="u1"))
    save("i1_2x2.npy", np.array([[-128, 127], [0, -1]], dtype="i1"))
    save("i4_3.npy", np.array([-(2 ** 31), 7, 2 ** 31 - 1], dtype="<i4"))
    save("i8_2.npy", np.array([-(2 ** 40), 5], dtype="<i8"))
    save("f8_scalar.npy", np.array(0.1, dtype="<f8"))
    save("f4_empty.npy", np.zeros((0, 3), dtype="<f4"))
    save("f4_v2.npy", np.arange(6, dtype="<f4").reshape(1, 2, 3), version=(2, 0))
    save("u1_v3.npy", np.arange(5, dtype="u1"), version=(3, 0))
    save("f4_fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
    save("f2_2.npy", np.array([1, 2], dtype="<f2"))
    save("f4_big_endian.npy", np.array([1, 2], dtype=">f4"))


if __name__ == "__main__":
    main()
