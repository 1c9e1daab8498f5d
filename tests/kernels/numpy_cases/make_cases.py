#!/usr/bin/python3
"""Writes NumPy-computed expectations for qrun's int8 reference kernels.

    /usr/bin/python3 tests/kernels/numpy_cases/make_cases.py [--out DIR]

Each case is a folder `<case>/` beside this script with .npy files and a `params.txt` of
`key value` lines; tests/kernels/numpy_cases_test.cc runs the matching reference kernel on the
inputs and requires bit-identical output. The expectations are computed here independently of
the C++ loops, from the ops' definitions (ONNX / PyTorch) and the arithmetic the kernel headers
state (BRIEF section 3):

  requantize(acc, m) = clamp(round_half_to_even(float32(acc) * m) + zero_point, min, max)

with every product, sum and quotient rounded to float32 where the header says so (NumPy float32
arithmetic is IEEE single precision, np.rint rounds half to even).

  conv2d_qs8      acc = bias + sum (x - zp_in) * w, by int64 im2col + matmul over explicitly
                  padded input (asymmetric pads, stride, dilation, groups), checked against
                  torch.nn.functional.conv2d in float64 (exact for these integers);
                  files input [N,H,W,C] int8, weights OHWI int8, bias int32, multipliers float32,
                  expected [N,OH,OW,OC] int8
  fully_connected_qs8   acc = bias + (x - zp_in) @ W^T (int64); weights OI
  average_pool2d_qs8    sum of (x - zp_in) over the window (sliding windows over the padded input),
                  divisor = valid positions, or the whole window with count_include_pad (ONNX /
                  PyTorch, ceil_mode 0); q = requantize(float32(sum) * (m / float32(count)))
  max_pool2d_s8   the window's max over valid positions, clamped to [output_min, output_max]
  add_qs8         NumPy broadcasting of a [..] and b [..] (shapes from the files, rank <= 4);
                  q = requantize(float32(a - zp_a) * m_a + float32(b - zp_b) * m_b)
  softmax_qs8     table[d] = round(2^23 * exp(-s * d)), d = 0..255, in float64 (file exp_table,
                  int32); per row sum = int64 sum of table[max - x];
                  q = clamp(rint(float32(table[d]) * (256 / float32(sum))) - 128, -128, 127)

Everything is seeded: a second run writes the same bytes. Old case folders (those with a
params.txt) are removed first.
"""

import argparse
import os
import shutil
import sys

import numpy as np

INT32_MIN, INT32_MAX = -2**31, 2**31 - 1


# ----------------------------------------------------------------------------------------------
# Arithmetic shared by every op: the requantization of BRIEF section 3.

def requantize(acc_or_scaled, multiplier, zero_point, out_min, out_max):
    """acc int64 (converted to float32) times multiplier float32 (broadcast per channel), or an
    already scaled float32 value when multiplier is None."""
    if multiplier is None:
        scaled = np.asarray(acc_or_scaled, dtype=np.float32)
    else:
        acc = np.asarray(acc_or_scaled)
        assert acc.min() >= INT32_MIN and acc.max() <= INT32_MAX, "accumulator leaves int32"
        scaled = acc.astype(np.float32) * np.asarray(multiplier, dtype=np.float32)
        assert scaled.dtype == np.float32
    rounded = np.rint(scaled).astype(np.float64)  # half to even
    q = np.clip(rounded + zero_point, out_min, out_max)
    return q.astype(np.int8)


def count_ties(scaled):
    scaled = np.asarray(scaled, dtype=np.float64)
    return int(np.count_nonzero(np.abs(scaled - np.floor(scaled) - 0.5) == 0))


def exact_rounding_differs(acc, multipliers, zero_point, out_min, out_max):
    """How many outputs would differ if acc * multiplier were taken exactly (float64, no float32
    rounding of acc or of the product): a case with some decides the float32 steps."""
    exact = np.rint(np.asarray(acc, np.float64) * np.asarray(multipliers, np.float64))
    exact = np.clip(exact + zero_point, out_min, out_max).astype(np.int8)
    return int(np.count_nonzero(exact != requantize(acc, multipliers, zero_point, out_min,
                                                     out_max)))


def f32(x):
    """The exact decimal of a float32 (as the shortest double repr), for params.txt."""
    return repr(float(np.float32(x)))


# ----------------------------------------------------------------------------------------------
# Conv2D

def out_size(size, kernel, stride, dilation, pad_begin, pad_end):
    return (size + pad_begin + pad_end - dilation * (kernel - 1) - 1) // stride + 1


def conv2d_acc_im2col(x, zp, w_ohwi, bias, stride, dilation, pads, groups):
    """int64 accumulators [N,OH,OW,OC]: explicit padding with zeros after subtracting the zero
    point (a padded position holds the zero point), then im2col and one matmul per group."""
    n, h, wd, c = x.shape
    oc, kh, kw, cin_g = w_ohwi.shape
    pt, pl, pb, pr = pads
    sh, sw = stride
    dh, dw = dilation
    oh = out_size(h, kh, sh, dh, pt, pb)
    ow = out_size(wd, kw, sw, dw, pl, pr)
    xz = x.astype(np.int64) - zp
    padded = np.zeros((n, h + pt + pb, wd + pl + pr, c), np.int64)
    padded[:, pt:pt + h, pl:pl + wd, :] = xz
    columns = np.empty((n, oh, ow, kh, kw, c), np.int64)
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dh, kx * dw
            columns[:, :, :, ky, kx, :] = padded[:, y0:y0 + (oh - 1) * sh + 1:sh,
                                                 x0:x0 + (ow - 1) * sw + 1:sw, :]
    oc_g = oc // groups
    acc = np.empty((n, oh, ow, oc), np.int64)
    for g in range(groups):
        cols = columns[..., g * cin_g:(g + 1) * cin_g].reshape(n * oh * ow, kh * kw * cin_g)
        wg = w_ohwi[g * oc_g:(g + 1) * oc_g].astype(np.int64).reshape(oc_g, kh * kw * cin_g)
        acc[..., g * oc_g:(g + 1) * oc_g] = (cols @ wg.T).reshape(n, oh, ow, oc_g)
    return acc + bias.astype(np.int64)


def conv2d_acc_torch(x, zp, w_ohwi, bias, stride, dilation, pads, groups):
    """The same accumulators from PyTorch's definition of Conv2d (float64, exact here)."""
    import torch
    import torch.nn.functional as F
    pt, pl, pb, pr = pads
    xt = torch.from_numpy((x.astype(np.float64) - zp).transpose(0, 3, 1, 2).copy())
    xt = F.pad(xt, (pl, pr, pt, pb))  # zeros: (x - zp) of a padded position
    wt = torch.from_numpy(w_ohwi.astype(np.float64).transpose(0, 3, 1, 2).copy())  # OIHW
    y = F.conv2d(xt, wt, torch.from_numpy(bias.astype(np.float64)), stride=stride,
                 dilation=dilation, groups=groups)
    return np.rint(y.numpy().transpose(0, 2, 3, 1)).astype(np.int64)


def conv2d_case(rng, *, batch=1, hw=(6, 6), cin=4, cout=4, k=(3, 3), stride=(1, 1),
                dilation=(1, 1), pads=(1, 1, 1, 1), groups=1, zp_in=0, zp_out=0,
                out_range=(-128, 127), multipliers=None, x=None, w=None, bias=None,
                bias_range=2000, aim=None):
    h, wd = hw
    kh, kw = k
    cin_g = cin // groups
    assert cin % groups == 0 and cout % groups == 0
    if x is None:
        x = rng.randint(-128, 128, size=(batch, h, wd, cin)).astype(np.int8)
    if w is None:
        w = rng.randint(-127, 128, size=(cout, kh, kw, cin_g)).astype(np.int8)
    if bias is None:
        bias = rng.randint(-bias_range, bias_range + 1, size=cout).astype(np.int32)
    if aim is not None:
        # An output zero point at one end of the range leaves room on one side only: the bias
        # moves each channel's accumulators there ("negative": all <= 0, for zero point 127;
        # "positive": all >= 0, for zero point -128), and the multiplier spreads them over it.
        acc0 = conv2d_acc_im2col(x, zp_in, w, np.zeros(cout, np.int32), stride, dilation, pads,
                                 groups).reshape(-1, cout)
        if aim == "negative":
            bias = (-acc0.max(axis=0)).astype(np.int32)
        else:
            bias = (-acc0.min(axis=0)).astype(np.int32)
        span = np.maximum(acc0.max(axis=0) - acc0.min(axis=0), 1)
        multipliers = (rng.uniform(230.0, 290.0, size=cout) / span).astype(np.float32)
    acc = conv2d_acc_im2col(x, zp_in, w, bias, stride, dilation, pads, groups)
    acc_torch = conv2d_acc_torch(x, zp_in, w, bias, stride, dilation, pads, groups)
    assert np.array_equal(acc, acc_torch), "im2col and torch conv2d disagree"
    if multipliers is None:
        # Aim the largest accumulator of each channel at about the output range's edge, a few
        # past it (saturation).
        peak = np.maximum(np.abs(acc.reshape(-1, cout)).max(axis=0), 1)
        multipliers = (rng.uniform(80.0, 160.0, size=cout) / peak).astype(np.float32)
    multipliers = np.asarray(multipliers, dtype=np.float32)
    expected = requantize(acc, multipliers, zp_out, *out_range)
    _, oh, ow, _ = acc.shape
    params = dict(op="conv2d_qs8", batch=batch, input_height=h, input_width=wd,
                  input_channels=cin, output_height=oh, output_width=ow, output_channels=cout,
                  kernel_height=kh, kernel_width=kw, stride_height=stride[0],
                  stride_width=stride[1], dilation_height=dilation[0],
                  dilation_width=dilation[1], pad_top=pads[0], pad_left=pads[1],
                  pad_bottom=pads[2], pad_right=pads[3], groups=groups,
                  input_zero_point=zp_in, output_zero_point=zp_out, output_min=out_range[0],
                  output_max=out_range[1])
    arrays = dict(input=x, weights=w, bias=bias, multipliers=multipliers, expected=expected)
    stats = dict(ties=count_ties(acc.astype(np.float32) * multipliers),
                 float32_decides=exact_rounding_differs(acc, multipliers, zp_out, *out_range),
                 saturated=int(np.count_nonzero((expected == out_range[0]) |
                                                (expected == out_range[1]))),
                 max_abs_acc=int(np.abs(acc).max()))
    return params, arrays, stats


# ----------------------------------------------------------------------------------------------
# FullyConnected

def fully_connected_case(rng, *, batch, cin, cout, zp_in, zp_out, out_range=(-128, 127),
                         multipliers=None, x=None, w=None, bias=None):
    if x is None:
        x = rng.randint(-128, 128, size=(batch, cin)).astype(np.int8)
    if w is None:
        w = rng.randint(-127, 128, size=(cout, cin)).astype(np.int8)
    if bias is None:
        bias = rng.randint(-5000, 5001, size=cout).astype(np.int32)
    acc = (x.astype(np.int64) - zp_in) @ w.astype(np.int64).T + bias
    if multipliers is None:
        peak = np.maximum(np.abs(acc).max(axis=0), 1)
        multipliers = (rng.uniform(80.0, 160.0, size=cout) / peak).astype(np.float32)
    multipliers = np.asarray(multipliers, dtype=np.float32)
    expected = requantize(acc, multipliers, zp_out, *out_range)
    params = dict(op="fully_connected_qs8", batch=batch, input_channels=cin,
                  output_channels=cout, input_zero_point=zp_in, output_zero_point=zp_out,
                  output_min=out_range[0], output_max=out_range[1])
    arrays = dict(input=x, weights=w, bias=bias, multipliers=multipliers, expected=expected)
    stats = dict(ties=count_ties(acc.astype(np.float32) * multipliers),
                 float32_decides=exact_rounding_differs(acc, multipliers, zp_out, *out_range))
    return params, arrays, stats


# ----------------------------------------------------------------------------------------------
# Pooling

def pool_windows(x, k, stride, pads, fill):
    """Sliding windows [N,OH,OW,C,KH,KW] over x [N,H,W,C] padded (pt, pl, pb, pr) with fill."""
    pt, pl, pb, pr = pads
    padded = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=fill)
    windows = np.lib.stride_tricks.sliding_window_view(padded, k, axis=(1, 2))
    return windows[:, ::stride[0], ::stride[1]]


def pool_params(op, x, k, stride, pads, expected_shape, **extra):
    n, h, w, c = x.shape
    return dict(op=op, batch=n, input_height=h, input_width=w, channels=c,
                output_height=expected_shape[1], output_width=expected_shape[2],
                kernel_height=k[0], kernel_width=k[1], stride_height=stride[0],
                stride_width=stride[1], pad_top=pads[0], pad_left=pads[1], pad_bottom=pads[2],
                pad_right=pads[3], **extra)


def average_pool_case(rng, *, shape, k, stride, pads, count_include_pad, zp_in, zp_out,
                      multiplier, out_range=(-128, 127)):
    x = rng.randint(-128, 128, size=shape).astype(np.int8)
    return average_pool_case_from(x, k=k, stride=stride, pads=pads,
                                  count_include_pad=count_include_pad, zp_in=zp_in,
                                  zp_out=zp_out, multiplier=multiplier, out_range=out_range)


def average_pool_case_from(x, *, k, stride, pads, count_include_pad, zp_in, zp_out, multiplier,
                           out_range=(-128, 127)):
    shape = x.shape
    xz = x.astype(np.int64) - zp_in
    sums = pool_windows(xz, k, stride, pads, 0).sum(axis=(-2, -1))
    if count_include_pad:
        # ONNX / PyTorch: the window's positions inside input + pads (the whole window when
        # ceil_mode is 0, as here).
        inside = np.ones(shape, np.int64)
        counts = pool_windows(np.pad(inside, ((0, 0), (pads[0], pads[2]), (pads[1], pads[3]),
                                              (0, 0)), constant_values=1),
                              k, stride, (0, 0, 0, 0), 0).sum(axis=(-2, -1))
    else:
        counts = pool_windows(np.ones(shape, np.int64), k, stride, pads, 0).sum(axis=(-2, -1))
    assert counts.min() > 0
    m = np.float32(multiplier)
    per_count = m / counts.astype(np.float32)  # float32 quotient, as the header states
    assert per_count.dtype == np.float32
    scaled = sums.astype(np.float32) * per_count
    expected = requantize(scaled, None, zp_out, *out_range)
    params = pool_params("average_pool2d_qs8", x, k, stride, pads, expected.shape,
                         count_include_pad=int(count_include_pad), input_zero_point=zp_in,
                         multiplier=f32(m), output_zero_point=zp_out, output_min=out_range[0],
                         output_max=out_range[1])
    stats = dict(ties=count_ties(scaled), divisors=sorted(set(counts.ravel().tolist())))
    return params, dict(input=x, expected=expected), stats


def average_pool_order_case(rng, *, multiplier, zp_out, windows=14, channels=2):
    """Windows of 3x3, stride 3, no padding (divisor 9), whose sums are picked so that the
    header's order, float32(sum) * (m / 9), gives another result than (float32(sum) * m) / 9
    or than the exact sum * m / 9: a kernel that reorders the float32 steps fails here."""
    m = np.float32(multiplier)
    sums = np.arange(-9 * 128, 9 * 127 + 1)
    header = np.rint(sums.astype(np.float32) * (m / np.float32(9)))
    other = np.rint((sums.astype(np.float32) * m) / np.float32(9))
    exact = np.rint(sums * float(m) / 9.0)
    in_range = np.abs(header + zp_out) <= 127
    telling = sums[((header != other) | (header != exact)) & in_range]
    assert len(telling) >= windows * channels // 2, "too few telling sums"
    chosen = rng.choice(telling, size=windows * channels // 2, replace=False)
    chosen = np.concatenate([chosen, rng.randint(-9 * 128, 9 * 127 + 1, size=len(chosen))])
    rng.shuffle(chosen)
    # Nine int8 values with the chosen sum, for each window.
    values = np.empty((len(chosen), 9), np.int64)
    for i, target in enumerate(chosen):
        part = np.full(9, target // 9)
        part[:target % 9] += 1
        jitter = rng.randint(-20, 21, size=8)
        part[:8] += jitter
        part[8] -= jitter.sum()
        values[i] = part if np.abs(part).max() <= 127 and part.min() >= -128 else \
            np.concatenate([np.full(target % 9, target // 9 + 1), np.full(9 - target % 9,
                                                                           target // 9)])
        assert values[i].sum() == target
    rows, cols = 2, windows // 2
    x = values.reshape(rows, cols, channels, 3, 3).transpose(0, 3, 1, 4, 2)
    x = x.reshape(1, rows * 3, cols * 3, channels).astype(np.int8)
    params, arrays, stats = average_pool_case_from(x, k=(3, 3), stride=(3, 3),
                                                   pads=(0, 0, 0, 0), count_include_pad=False,
                                                   zp_in=0, zp_out=zp_out, multiplier=m)
    stats["telling_windows"] = len(chosen) // 2
    return params, arrays, stats


def max_pool_case(rng, *, shape, k, stride, pads, out_range):
    x = rng.randint(-128, 128, size=shape).astype(np.int8)
    windows = pool_windows(x.astype(np.int64), k, stride, pads, -10**9)  # padding never wins
    expected = np.clip(windows.max(axis=(-2, -1)), *out_range).astype(np.int8)
    params = pool_params("max_pool2d_s8", x, k, stride, pads, expected.shape,
                         output_min=out_range[0], output_max=out_range[1])
    return params, dict(input=x, expected=expected), {}


# ----------------------------------------------------------------------------------------------
# Add

def add_case(rng, *, a_shape, b_shape, zp_a, zp_b, m_a, m_b, zp_out, out_range=(-128, 127)):
    a = rng.randint(-128, 128, size=a_shape).astype(np.int8)
    b = rng.randint(-128, 128, size=b_shape).astype(np.int8)
    m_a, m_b = np.float32(m_a), np.float32(m_b)
    scaled_a = (a.astype(np.int32) - zp_a).astype(np.float32) * m_a
    scaled_b = (b.astype(np.int32) - zp_b).astype(np.float32) * m_b
    total = scaled_a + scaled_b  # NumPy broadcasting; float32 sum of two float32 products
    assert total.dtype == np.float32
    expected = requantize(total, None, zp_out, *out_range)
    params = dict(op="add_qs8", a_zero_point=zp_a, b_zero_point=zp_b, a_multiplier=f32(m_a),
                  b_multiplier=f32(m_b), output_zero_point=zp_out, output_min=out_range[0],
                  output_max=out_range[1])
    stats = dict(ties=count_ties(total), output_shape=list(expected.shape))
    return params, dict(a=a, b=b, expected=expected), stats


# ----------------------------------------------------------------------------------------------
# Softmax

def softmax_table(input_scale):
    d = np.arange(256, dtype=np.float64)
    table = np.round(2.0**23 * np.exp(-float(np.float32(input_scale)) * d))
    return table.astype(np.int32)


def softmax_telling_rows(rng, *, rows, length, input_scale):
    """Rows for which the header's order, float32(t) * (256 / float32(sum)), gives another
    result than float32(t) * 256 / float32(sum) or than the exact 256 t / sum, found by a seeded
    search over random rows."""
    table = softmax_table(input_scale).astype(np.int64)
    order, exactness = [], []
    while len(order) < rows // 2 or len(exactness) < rows - rows // 2:
        x = rng.randint(-128, 128, size=(4096, length))
        entries = table[x.max(axis=1, keepdims=True) - x]
        sums = entries.sum(axis=1, keepdims=True)
        header = np.rint(entries.astype(np.float32) *
                         (np.float32(256) / sums.astype(np.float32)))
        other = np.rint(entries.astype(np.float32) * np.float32(256) / sums.astype(np.float32))
        exact = np.rint(entries * 256.0 / sums)
        order.extend(x[np.flatnonzero((header != other).any(axis=1))])
        exactness.extend(x[np.flatnonzero((header != exact).any(axis=1))])
    return np.array(order[:rows // 2] + exactness[:rows - rows // 2], np.int8)


def softmax_case(rng, *, rows, length, input_scale, x=None):
    if x is None:
        x = rng.randint(-128, 128, size=(rows, length)).astype(np.int8)
    table = softmax_table(input_scale)
    d = x.max(axis=1, keepdims=True).astype(np.int64) - x.astype(np.int64)
    entries = table[d].astype(np.int64)
    sums = entries.sum(axis=1, keepdims=True)
    reciprocal = np.float32(256.0) / sums.astype(np.float32)  # 256 / float32(sum), in float32
    assert reciprocal.dtype == np.float32
    scaled = entries.astype(np.float32) * reciprocal
    expected = requantize(scaled, None, -128, -128, 127)
    params = dict(op="softmax_qs8", rows=x.shape[0], length=x.shape[1],
                  input_scale=f32(input_scale))
    stats = dict(ties=count_ties(scaled), zero_entries=int(np.count_nonzero(table == 0)))
    return params, dict(input=x, exp_table=table, expected=expected), stats


# ----------------------------------------------------------------------------------------------

def all_cases():
    rng = np.random.RandomState(20261121)
    cases = {}

    # Conv2D geometry
    cases["conv2d_asymmetric_pad"] = conv2d_case(
        rng, hw=(7, 6), cin=5, cout=7, pads=(1, 0, 2, 1), zp_in=-3, zp_out=5)
    cases["conv2d_stride2"] = conv2d_case(
        rng, hw=(9, 8), cin=3, cout=6, stride=(2, 2), pads=(0, 0, 1, 1), zp_in=10, zp_out=-7)
    cases["conv2d_stride2x1_5x3"] = conv2d_case(
        rng, batch=2, hw=(8, 7), cin=4, cout=5, k=(5, 3), stride=(2, 1), pads=(2, 1, 2, 1),
        zp_in=1, zp_out=0)
    cases["conv2d_dilation2"] = conv2d_case(
        rng, hw=(9, 10), cin=4, cout=6, dilation=(2, 2), pads=(2, 2, 2, 2), zp_in=-20, zp_out=3)
    cases["conv2d_dilation2x3_stride2"] = conv2d_case(
        rng, hw=(11, 12), cin=3, cout=4, dilation=(2, 3), stride=(2, 2), pads=(1, 3, 2, 0),
        zp_in=7, zp_out=-1)
    cases["conv2d_groups2"] = conv2d_case(
        rng, hw=(6, 7), cin=6, cout=8, groups=2, pads=(1, 1, 1, 1), zp_in=4, zp_out=-2)
    cases["conv2d_depthwise_multiplier2"] = conv2d_case(
        rng, hw=(7, 7), cin=5, cout=10, groups=5, pads=(1, 1, 1, 1), zp_in=-9, zp_out=11)
    cases["conv2d_depthwise_stride2"] = conv2d_case(
        rng, batch=2, hw=(8, 9), cin=7, cout=7, groups=7, stride=(2, 2), pads=(0, 1, 1, 1),
        zp_in=2, zp_out=-4)
    # 1x1 with power-of-two multipliers: float32(acc) * 2^-k lands on .5 often, so this case
    # decides round-half-to-even against any other tie rule.
    ties = np.random.RandomState(5)
    cases["conv2d_1x1_ties"] = conv2d_case(
        rng, batch=2, hw=(5, 4), cin=9, cout=6, k=(1, 1), pads=(0, 0, 0, 0), zp_in=-1,
        zp_out=0, multipliers=[2.0**-1, 2.0**-2, 2.0**-3, 2.0**-4, 2.0**-5, 2.0**-6],
        x=ties.randint(-8, 8, size=(2, 5, 4, 9)).astype(np.int8),
        w=ties.randint(-10, 11, size=(6, 1, 1, 9)).astype(np.int8), bias_range=50)
    # Extreme zero points.
    cases["conv2d_zero_points_-128_127"] = conv2d_case(
        rng, hw=(6, 5), cin=4, cout=5, pads=(1, 2, 1, 0), zp_in=-128, zp_out=127,
        aim="negative")
    cases["conv2d_zero_points_127_-128"] = conv2d_case(
        rng, hw=(5, 6), cin=3, cout=4, pads=(0, 1, 2, 1), zp_in=127, zp_out=-128,
        aim="positive")
    # A fused ReLU6: output scale 0.05 -> [zp, zp + 120].
    cases["conv2d_relu6_range"] = conv2d_case(
        rng, hw=(6, 6), cin=6, cout=5, pads=(1, 1, 1, 1), zp_in=3, zp_out=-100,
        out_range=(-100, 20))
    # Multipliers from 1e-10 (everything lands on the zero point) to 3.5 and 1000 (saturation),
    # with accumulators past 2^24 (x - zp = 255 nearly everywhere, |w| = 127), where float32(acc)
    # itself rounds.
    big = np.random.RandomState(7)
    x = np.where(big.rand(1, 6, 6, 64) < 0.03, -128, 127).astype(np.int8)
    w = np.full((8, 3, 3, 64), 127, np.int8)
    w[4:] = -127
    w[:, 1, 1, :4] = big.randint(-127, 128, size=(8, 4))
    cases["conv2d_extreme_multipliers"] = conv2d_case(
        rng, hw=(6, 6), cin=64, cout=8, pads=(1, 1, 1, 1), zp_in=-128, zp_out=-3, x=x, w=w,
        bias=np.array([2**20, -2**20, 12345, -1, 0, 7, -(2**24) - 3, -5], np.int32),
        multipliers=[1e-10, 2.0**-17, 1e-6, 3.5, 1000.0, 2.0**-24 * 3, 2.0**-18, 1.0 / 3.0])

    # FullyConnected
    cases["fully_connected"] = fully_connected_case(
        rng, batch=3, cin=37, cout=11, zp_in=-5, zp_out=9)
    cases["fully_connected_relu_zp_-128"] = fully_connected_case(
        rng, batch=2, cin=64, cout=10, zp_in=-128, zp_out=-128, out_range=(-128, 127))

    # Accumulators and multipliers for which rounding acc, or the product, to float32 changes
    # the result (see float32_decides): float32(1/6) * 15 = 2.5 in float32 (2.50000007 exactly);
    # 2^-17 * (2^24 + odd), where float32(acc) is a tie between two even neighbours; and
    # float32(1/131000) * 16833501, which rounds to 128 from float32(acc) but to 129 from the
    # exact acc even when the product is rounded to float32.
    small = np.random.RandomState(9)
    x = small.randint(-3, 4, size=(16, 4)).astype(np.int8)
    w = small.randint(-3, 4, size=(5, 4)).astype(np.int8)
    w[4] = [1, 0, 0, 0]
    cases["fully_connected_float32_rounding"] = fully_connected_case(
        rng, batch=16, cin=4, cout=5, zp_in=0, zp_out=-100, x=x, w=w,
        bias=np.array([0, 0, 0, 131072 * 150 + 65536, 16833501 - int(x[0, 0])], np.int32),
        multipliers=[1.0 / 6.0, 0.1, 1.0 / 3.0, 2.0**-17, 1.0 / 131000.0])

    # AveragePool2D
    cases["average_pool_pad_exclude"] = average_pool_case(
        rng, shape=(1, 7, 6, 5), k=(3, 3), stride=(2, 2), pads=(1, 1, 1, 1),
        count_include_pad=False, zp_in=-7, zp_out=3, multiplier=1.25)
    cases["average_pool_pad_include"] = average_pool_case(
        rng, shape=(2, 6, 7, 3), k=(3, 2), stride=(1, 2), pads=(1, 0, 1, 1),
        count_include_pad=True, zp_in=12, zp_out=-6, multiplier=0.8)
    cases["average_pool_global_like"] = average_pool_case(
        rng, shape=(1, 5, 5, 8), k=(5, 5), stride=(1, 1), pads=(0, 0, 0, 0),
        count_include_pad=False, zp_in=-128, zp_out=-128, multiplier=1.0)
    cases["average_pool_ties"] = average_pool_case(
        rng, shape=(1, 6, 6, 4), k=(2, 2), stride=(2, 2), pads=(1, 1, 1, 1),
        count_include_pad=False, zp_in=0, zp_out=0, multiplier=1.0)

    cases["average_pool_float32_order"] = average_pool_order_case(rng, multiplier=0.3,
                                                                  zp_out=0)

    # MaxPool2D (not asked for by the brief; cheap)
    cases["max_pool_pad_clamp"] = max_pool_case(
        rng, shape=(2, 7, 6, 3), k=(3, 3), stride=(2, 2), pads=(1, 1, 1, 1), out_range=(30, 90))

    # Add
    cases["add_same_shape"] = add_case(
        rng, a_shape=(1, 4, 5, 3), b_shape=(1, 4, 5, 3), zp_a=-3, zp_b=8, m_a=0.75, m_b=0.5,
        zp_out=1)
    cases["add_broadcast_channel"] = add_case(
        rng, a_shape=(2, 3, 4, 6), b_shape=(6,), zp_a=127, zp_b=-128, m_a=0.3, m_b=0.45,
        zp_out=-20)
    cases["add_broadcast_both"] = add_case(
        rng, a_shape=(2, 1, 4, 1), b_shape=(3, 1, 5), zp_a=5, zp_b=-7, m_a=1.7, m_b=2.5,
        zp_out=0, out_range=(0, 127))
    cases["add_broadcast_scalar_small_multiplier"] = add_case(
        rng, a_shape=(1, 3, 3, 4), b_shape=(1, 1, 1, 1), zp_a=0, zp_b=0, m_a=0.02, m_b=0.5,
        zp_out=0)

    # Softmax
    cases["softmax_scale_0.05"] = softmax_case(rng, rows=4, length=37, input_scale=0.05)
    cases["softmax_scale_0.5"] = softmax_case(rng, rows=3, length=10, input_scale=0.5)
    special = np.array([[-128, 127, -128, 127, 0, 0, 0, 0],      # d = 255 and ties at the max
                        [5, 5, 5, 5, 5, 5, 5, 5],                # flat row: 256/8 - 128 = -96
                        [-128, -128, -128, -128, -128, -128, -128, 127],  # one winner
                        [1, 2, 3, 4, 5, 6, 7, 8]], np.int8)
    cases["softmax_special_rows"] = softmax_case(rng, rows=4, length=8, input_scale=0.1,
                                                 x=special)
    cases["softmax_float32_order"] = softmax_case(
        rng, rows=6, length=12, input_scale=0.03,
        x=softmax_telling_rows(rng, rows=6, length=12, input_scale=0.03))
    cases["softmax_scale_0.001_one_element"] = softmax_case(rng, rows=5, length=1,
                                                            input_scale=0.001)
    cases["softmax_scale_0.02_length_100"] = softmax_case(rng, rows=2, length=100,
                                                          input_scale=0.02)
    return cases


def write_case(folder, params, arrays):
    os.makedirs(folder)
    for name, array in arrays.items():
        np.save(os.path.join(folder, name + ".npy"), np.ascontiguousarray(array))
    with open(os.path.join(folder, "params.txt"), "w") as f:
        for key, value in params.items():
            f.write(f"{key} {value}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()
    cases = all_cases()
    for entry in sorted(os.listdir(args.out)):
        path = os.path.join(args.out, entry)
        if os.path.isdir(path) and os.path.isfile(os.path.join(path, "params.txt")):
            shutil.rmtree(path)
    for name, (params, arrays, stats) in cases.items():
        write_case(os.path.join(args.out, name), params, arrays)
        expected = arrays["expected"]
        hist = f"min {int(expected.min())} max {int(expected.max())}, " \
               f"{len(np.unique(expected))} distinct"
        extra = ", ".join(f"{k} {v}" for k, v in stats.items())
        print(f"{name:40s} {params['op']:22s} out {list(expected.shape)} {hist}; {extra}")
    total = sum(os.path.getsize(os.path.join(root, f))
                for root, _, files in os.walk(args.out) for f in files)
    print(f"{len(cases)} cases, folder {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
