#!/usr/bin/python3
"""Trains the example digits CNN on images with rare hot pixels, and writes its calibration set.

Run with Debian's interpreter (python3-torch, python3-onnx, python3-sklearn):

    /usr/bin/python3 tests/models/outliers/train_outliers.py [--out DIR]

A model whose activations have outliers, for the calibration methods to be judged on: the data,
split, architecture and training are those of tests/models/digits/train_digits.py, but 2% of the
training images get one hot pixel (a sensor defect: value 20 to 40 where pixels are in [0, 1]),
which the network learns to live with. One of the 64 calibration images has such a pixel. Min/max
calibration then stretches the input's range, and every range after it, 30-fold for a value that
one pixel in 4096 takes; percentile, entropy and mse calibration clip it.

Written next to this script (all checked in):
    digits_hot_pixels.onnx       the fp32 model, input `image` [1,1,8,8], output `logits` [1,10]
    calibration/sample_XX.npy    64 training images, float32 [1,1,8,8] NCHW; sample_17 has the
                                 hot pixel
The held-out test split is the digits model's (tests/models/digits/test_images.npy).
Seeded and single-threaded: a second run on the same software writes the same bytes.
"""

import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "digits"))
import train_digits  # noqa: E402  (the digits model's data split, network and settings)

HOT_PIXEL_SHARE = 0.02
HOT_PIXEL_RANGE = (20.0, 40.0)
CALIBRATION_HOT_SAMPLE = 17
CALIBRATION_HOT_VALUE = 30.0


def add_hot_pixels(images, share, rng):
    """A copy of `images` (NCHW) where a `share` of them have one pixel set to a large value."""
    out = images.copy()
    chosen = np.flatnonzero(rng.random_sample(len(out)) < share)
    for i in chosen:
        y, x = rng.randint(0, 8, size=2)
        out[i, 0, y, x] = rng.uniform(*HOT_PIXEL_RANGE)
    return out, len(chosen)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                        help="output folder (default: this script's folder)")
    args = parser.parse_args()

    seed = train_digits.SEED
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    rng = np.random.RandomState(seed)

    digits = load_digits()
    images = (digits.images.astype(np.float32) / np.float32(16.0)).reshape(-1, 1, 8, 8)
    labels = digits.target.astype(np.int64)
    train_idx, test_idx = train_digits.stratified_split(labels, train_digits.TRAIN_FRACTION, rng)
    x_train, y_train = images[train_idx], labels[train_idx]
    x_test, y_test = images[test_idx], labels[test_idx]

    model = train_digits.DigitsNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=train_digits.LEARNING_RATE,
                                 weight_decay=1e-4)
    epochs = train_digits.EPOCHS
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    yt = torch.from_numpy(y_train)
    hot_total = 0
    for epoch in range(epochs):
        model.train()
        # Fresh defects every epoch: the network sees many, on different images and pixels.
        noisy, hot = add_hot_pixels(x_train, HOT_PIXEL_SHARE, rng)
        hot_total += hot
        xt = torch.from_numpy(noisy)
        order = torch.randperm(len(xt), generator=generator)
        for start in range(0, len(xt), train_digits.BATCH_SIZE):
            batch = order[start:start + train_digits.BATCH_SIZE]
            optimizer.zero_grad()
            loss_fn(model(xt[batch]), yt[batch]).backward()
            optimizer.step()
        schedule.step()

    model.eval()
    test_acc, _ = train_digits.accuracy(model, x_test, y_test)
    print(f"trained on {len(x_train)} images x {epochs} epochs, {hot_total} of them with a hot "
          f"pixel; held-out test accuracy {test_acc:.4f}")
    if test_acc < 0.95:
        print("error: test accuracy below 0.95", file=sys.stderr)
        return 1

    out = args.out
    os.makedirs(os.path.join(out, "calibration"), exist_ok=True)
    onnx_path = os.path.join(out, "digits_hot_pixels.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), onnx_path, opset_version=13,
                      input_names=["image"], output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    calibration = x_train[:train_digits.CALIBRATION_SAMPLES].copy()
    calibration[CALIBRATION_HOT_SAMPLE, 0, 3, 4] = CALIBRATION_HOT_VALUE
    for i, image in enumerate(calibration):
        np.save(os.path.join(out, "calibration", f"sample_{i:02d}.npy"),
                np.ascontiguousarray(image[None], dtype=np.float32))
    print(f"wrote {onnx_path} and {len(calibration)} calibration samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
