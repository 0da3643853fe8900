"""Lay Debian's Fashion-MNIST out the way torchvision (and so `data=fashion_mnist`) reads it.

    apt-get install dataset-fashion-mnist             # gzipped IDX files in /usr/share/datasets/fashion-mnist
    python benchmarks/paper_images/prepare.py         # -> benchmarks/.cache/data/FashionMNIST/raw/*-ubyte
    python search.py -m experiment=paper_denoise data=fashion_mnist data.root=benchmarks/.cache/data ...

torchvision's FashionMNIST (download=False) wants the uncompressed files
<root>/FashionMNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte; the Debian package ships them
gzipped, so they are decompressed once (about 55 MB). Prints the root to pass as data.root.
"""
from __future__ import annotations

import argparse
import gzip
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def prepare(source: Path, root: Path) -> Path:
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        target = raw / name
        if target.is_file():
            continue
        plain, packed = source / name, source / f"{name}.gz"
        if plain.is_file():
            target.symlink_to(plain.resolve())
        elif packed.is_file():
            with gzip.open(packed, "rb") as src, open(f"{target}.part", "wb") as dst:
                shutil.copyfileobj(src, dst)
            Path(f"{target}.part").rename(target)
        else:
            raise SystemExit(f"{packed} not found: apt-get install dataset-fashion-mnist (or pass --source)")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=Path("/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--root", type=Path, default=HERE.parent / ".cache" / "data")
    args = parser.parse_args()
    print(prepare(args.source, args.root).resolve())


if __name__ == "__main__":
    main()
