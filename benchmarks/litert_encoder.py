"""PyTorch's nn.TransformerEncoder written out in TensorFlow ops, for LiteRT.

onnx2tf cannot convert the encoder's ONNX graph (it takes the packed q/k/v projection of shape
[sequence, batch, 3 * d_model] for a channels-first tensor and transposes it, and the attention's
Reshape then fails), so litert_peer.py builds the same network from the PyTorch weights
(state_dict saved as .npz by compare.py) with the ops TensorFlow Lite has int8 kernels for:
FULLY_CONNECTED, BATCH_MATMUL, SOFTMAX, and LayerNorm as MEAN / SUB / MUL / RSQRT / ADD.
The semantics are those of nn.TransformerEncoderLayer with norm_first=False, ReLU, no dropout,
batch first, batch 1.
"""

import numpy as np


def encoder_function(weights, heads, sequence, eps=1e-5):
    """A tf.function [1, sequence, d_model] -> [1, sequence, d_model] holding the weights."""
    import tensorflow as tf
    layers = 1 + max(int(key.split(".")[1]) for key in weights if key.startswith("layers."))
    d_model = weights["layers.0.norm1.weight"].shape[0]
    head_size = d_model // heads

    def linear(x, weight, bias):
        # torch's Linear weight is [out, in]: x @ W^T, a constant right-hand side, which the
        # converter turns into FULLY_CONNECTED with per-channel int8 weights.
        return tf.matmul(x, tf.constant(np.ascontiguousarray(weight.T))) + tf.constant(bias)

    def dense(x, name):
        return linear(x, weights[name + "weight"], weights[name + "bias"])

    def layer_norm(x, name):
        mean = tf.reduce_mean(x, axis=-1, keepdims=True)
        centred = x - mean
        variance = tf.reduce_mean(centred * centred, axis=-1, keepdims=True)
        return (centred * tf.math.rsqrt(variance + eps) * tf.constant(weights[name + "weight"]) +
                tf.constant(weights[name + "bias"]))

    def split_heads(x):  # [sequence, d_model] -> [heads, sequence, head_size]
        return tf.transpose(tf.reshape(x, [sequence, heads, head_size]), [1, 0, 2])

    @tf.function(input_signature=[tf.TensorSpec([1, sequence, d_model], tf.float32)])
    def encode(x):
        h = tf.reshape(x, [sequence, d_model])
        for i in range(layers):
            prefix = f"layers.{i}."
            w = weights[prefix + "self_attn.in_proj_weight"]
            b = weights[prefix + "self_attn.in_proj_bias"]
            # the packed in_proj rows are q, k, v
            q, k, v = (split_heads(linear(h, w[j * d_model:(j + 1) * d_model],
                                          b[j * d_model:(j + 1) * d_model])) for j in range(3))
            scores = tf.matmul(q * (1.0 / np.sqrt(head_size)), k, transpose_b=True)
            attention = tf.matmul(tf.nn.softmax(scores, axis=-1), v)
            attention = tf.reshape(tf.transpose(attention, [1, 0, 2]), [sequence, d_model])
            h = layer_norm(h + dense(attention, prefix + "self_attn.out_proj."), prefix + "norm1.")
            feed_forward = dense(tf.nn.relu(dense(h, prefix + "linear1.")), prefix + "linear2.")
            h = layer_norm(h + feed_forward, prefix + "norm2.")
        return tf.reshape(h, [1, sequence, d_model])
    return encode
