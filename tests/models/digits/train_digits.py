#!/usr/bin/python3
"""Trains the small CNN that ships with qrun as its example model, and writes its test assets.

Run with Debian's interpreter (it has python3-torch, python3-onnx, python3-sklearn):

    /usr/bin/python3 tests/models/digits/train_digits.py [--out DIR]

Data: scikit-learn's handwritten digits (sklearn.datasets.load_digits: 1797 images, 8x8 gray,
values 0..16, scaled to [0, 1] by /16). A stratified 70/30 split made with a fixed NumPy
permutation per class: the 30% held-out split is never trained on.

Model (NCHW, as PyTorch and ONNX see it):
    Conv(1->16, 3x3, pad 1) + BatchNorm + ReLU
    Conv(16->32, 3x3, pad 1) + BatchNorm + ReLU
    MaxPool 2x2                      -> [32, 4, 4]
    Conv(32->64, 3x3, pad 1) + ReLU
    Flatten (1024) -> Linear(1024->64) + ReLU -> Linear(64->10)
exported in eval mode to ONNX opset 13: input `image` [1,1,8,8] float32, output `logits` [1,10].

Written next to this script (all checked in):
    digits.onnx                  the fp32 model
    calibration/sample_XX.npy    64 training images, float32 [1,1,8,8] (NCHW, as the ONNX takes)
    test_images.npy              the held-out split, float32 [N,8,8,1] NHWC (as qrun takes)
    test_labels.npy              its labels, int64 [N]
    inputs/digit_<label>.bin     a few held-out images, raw float32 little-endian NHWC [1,8,8,1]
    inputs/README.md             the true label of each of them
    fp32_reference.txt           the fp32 PyTorch model's accuracy on the held-out split

Everything is seeded and runs on one thread with deterministic algorithms, so a second run on
the same software writes the same bytes.
"""

import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

SEED = 0
TRAIN_FRACTION = 0.7
EPOCHS = 40
BATCH_SIZE = 32
LEARNING_RATE = 2e-3
CALIBRATION_SAMPLES = 64
INPUT_LABELS = (0, 3, 7, 9)  # which digits get an inputs/digit_<label>.bin


class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64 * 4 * 4, 64), nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def stratified_split(labels, train_fraction, rng):
    """Indices of a train and a test split with each class in the same proportion."""
    train, test = [], []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        members = members[rng.permutation(len(members))]
        n_train = int(round(train_fraction * len(members)))
        train.append(members[:n_train])
        test.append(members[n_train:])
    train = np.concatenate(train)
    test = np.concatenate(test)
    # Interleave the classes, deterministically.
    return train[rng.permutation(len(train))], test[rng.permutation(len(test))]


def accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(images))
    return float((logits.argmax(1).numpy() == labels).mean()), logits.numpy()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                        help="output folder (default: this script's folder)")
    args = parser.parse_args()

    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # summation order, hence the bits, must not depend on the core count
    rng = np.random.RandomState(SEED)

    digits = load_digits()
    images = (digits.images.astype(np.float32) / np.float32(16.0)).reshape(-1, 1, 8, 8)  # NCHW
    labels = digits.target.astype(np.int64)
    train_idx, test_idx = stratified_split(labels, TRAIN_FRACTION, rng)
    x_train, y_train = images[train_idx], labels[train_idx]
    x_test, y_test = images[test_idx], labels[test_idx]
    print(f"train {len(x_train)} images, held-out test {len(x_test)} images")

    model = DigitsNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(xt), generator=generator)
        total = 0.0
        for start in range(0, len(xt), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = loss_fn(model(xt[batch]), yt[batch])
            loss.backward()
            optimizer.step()
            total += float(loss) * len(batch)
        schedule.step()
        if epoch % 10 == 9 or epoch == EPOCHS - 1:
            acc, _ = accuracy(model, x_test, y_test)
            print(f"epoch {epoch + 1:3d}: train loss {total / len(xt):.4f}, "
                  f"test accuracy {acc:.4f}")

    model.eval()
    test_acc, test_logits = accuracy(model, x_test, y_test)
    train_acc, _ = accuracy(model, x_train, y_train)
    print(f"fp32 PyTorch accuracy: train {train_acc:.4f}, held-out test {test_acc:.4f} "
          f"({int(round(test_acc * len(y_test)))}/{len(y_test)})")
    if test_acc < 0.95:
        print("error: test accuracy below 0.95", file=sys.stderr)
        return 1

    out = args.out
    os.makedirs(os.path.join(out, "calibration"), exist_ok=True)
    os.makedirs(os.path.join(out, "inputs"), exist_ok=True)

    onnx_path = os.path.join(out, "digits.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), onnx_path, opset_version=13,
                      input_names=["image"], output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    import onnx  # checked after the export: the file must load and pass the checker
    onnx.checker.check_model(onnx.load(onnx_path))

    for i in range(CALIBRATION_SAMPLES):
        np.save(os.path.join(out, "calibration", f"sample_{i:02d}.npy"),
                np.ascontiguousarray(x_train[i:i + 1], dtype=np.float32))

    np.save(os.path.join(out, "test_images.npy"),
            np.ascontiguousarray(x_test.transpose(0, 2, 3, 1), dtype=np.float32))  # NHWC
    np.save(os.path.join(out, "test_labels.npy"), y_test.astype(np.int64))

    # Inputs for `qrun model.qfb input.bin`: for each chosen digit, the held-out image the fp32
    # model classifies right with the widest margin between its top two logits.
    readme = ["# Sample inputs for the digits model",
              "",
              "Held-out test images (never trained on), raw float32 little-endian, NHWC [1,8,8,1]",
              "(256 bytes), pixel values in [0, 1]. Run e.g.",
              "`build/bin/qrun digits.qfb tests/models/digits/inputs/digit_3.bin`.",
              "",
              "| file | true label | index in test_images.npy |",
              "|---|---|---|"]
    top2 = np.sort(test_logits, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    for label in INPUT_LABELS:
        candidates = np.flatnonzero((y_test == label) & (test_logits.argmax(1) == label))
        index = int(candidates[np.argmax(margin[candidates])])
        image = np.ascontiguousarray(x_test[index].transpose(1, 2, 0)[None], dtype="<f4")
        name = f"digit_{label}.bin"
        write_bytes(os.path.join(out, "inputs", name), image.tobytes())
        readme.append(f"| {name} | {label} | {index} |")
    write_bytes(os.path.join(out, "inputs", "README.md"), ("\n".join(readme) + "\n").encode())

    write_bytes(os.path.join(out, "fp32_reference.txt"),
                (f"fp32 PyTorch accuracy on the held-out test split (test_images.npy): "
                 f"{test_acc:.4f} ({int(round(test_acc * len(y_test)))}/{len(y_test)})\n")
                .encode())

    size = os.path.getsize(onnx_path)
    params = sum(p.numel() for p in model.parameters())
    print(f"wrote {onnx_path}: {size} bytes, {params} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
