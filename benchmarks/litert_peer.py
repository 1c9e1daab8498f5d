"""LiteRT (TensorFlow Lite) with XNNPACK as a peer of benchmarks/compare.py, in its own venv.

TensorFlow needs a newer numpy than Debian's torch is built for, so the conversion and the timing
run in toolchains/python-venv-litert (made without the system site packages, from
benchmarks/requirements-litert.txt), and compare.py runs this script there:

  litert_peer.py convert (--model model.onnx | --torch-encoder state_dict.npz --heads N)
                 --calibration calibration.npy --workdir DIR
                 --int8-output model_int8.tflite --fp32-output model_fp32.tflite
      onnx2tf turns the ONNX graph into a TensorFlow SavedModel (NCHW images become NHWC); or,
      for nn.TransformerEncoder, whose ONNX graph onnx2tf cannot convert, litert_encoder.py
      writes the same network in TensorFlow ops from its PyTorch weights. Then TensorFlow's
      converter makes a full-integer model with the same calibration tensors as its
      representative data set: every op int8 (TFLITE_BUILTINS_INT8, the conversion fails rather
      than leave an op in float), per-channel int8 weights, fp32 input and output quantized /
      dequantized inside the model, as the other runtimes take them. The fp32 model is the same
      graph converted without quantization.
  litert_peer.py serve --model model_int8.tflite --input input.npy --output out.npy
      loads it with one thread and LiteRT's default delegate, XNNPACK (its int8 kernels),
      writes one output, then answers compare.py's timing requests (peer_server.py). The note
      it returns says whether XNNPACK took the whole graph.

calibration.npy holds the calibration tensors stacked on a new first axis, in the ONNX model's
layout; images are transposed to NHWC here, as onnx2tf transposes the model.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_server  # noqa: E402


def to_model_layout(array, rank):
    """onnx2tf makes 4-D NCHW inputs NHWC; the encoder's [batch, sequence, features] stays."""
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1)) if rank == 4 else array


# onnx2tf checks its conversion of an image model on sample images that it downloads unless a
# file of this name is in the working directory: it gets the calibration tensors instead.
ONNX2TF_SAMPLE_IMAGES = "calibration_image_sample_data_20x128x128x3_float32.npy"


def pad_max_pool_with_zero():
    """onnx2tf pads an ONNX MaxPool that TensorFlow's padding modes cannot express with the
    float minimum, which then sits in the calibrated range of the pooled tensor: its int8 scale
    becomes ~1e36 and the quantized model does not even load. Asked for its own int8 models
    (output_integer_quantized_tflite) it pads with 0 instead, exact behind a ReLU (every
    MaxPool of these models), but that flag also makes it produce four quantized variants of
    its own, minutes of work: the flag is given to its MaxPool conversion only, the one place
    that reads it."""
    import onnx2tf.ops.MaxPool as max_pool
    make_node = max_pool.make_node

    def make_node_padding_with_zero(*args, **kwargs):
        return make_node(*args, **dict(kwargs, output_integer_quantized_tflite=True))
    max_pool.make_node = make_node_padding_with_zero


def onnx2tf_saved_model(args, calibration):
    """onnx2tf's SavedModel of the ONNX model, in the current directory."""
    import onnx2tf
    pad_max_pool_with_zero()
    if calibration.ndim - 1 == 4:
        np.save(ONNX2TF_SAMPLE_IMAGES, np.concatenate([to_model_layout(sample, 4)
                                                       for sample in calibration]))
    try:
        onnx2tf.convert(input_onnx_file_path=args.model, output_folder_path="saved_model",
                        output_signaturedefs=True, non_verbose=True)
    except (Exception, SystemExit) as error:  # onnx2tf exits or raises, with a long trace
        message = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
        raise SystemExit(f"onnx2tf could not convert {os.path.basename(args.model)}: "
                         f"{type(error).__name__}: {message[:400]}")
    return "saved_model"


def convert(args):
    import tensorflow as tf
    calibration = np.load(args.calibration)
    rank = calibration.ndim - 1
    for name in ("model", "torch_encoder", "int8_output", "fp32_output"):
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))
    os.makedirs(args.workdir, exist_ok=True)
    os.chdir(args.workdir)
    if args.torch_encoder:
        import litert_encoder
        weights = dict(np.load(args.torch_encoder))
        encode = litert_encoder.encoder_function(weights, args.heads, calibration.shape[2])

        def new_converter():
            return tf.lite.TFLiteConverter.from_concrete_functions(
                [encode.get_concrete_function()], encode)
    else:
        saved_model = onnx2tf_saved_model(args, calibration)

        def new_converter():
            return tf.lite.TFLiteConverter.from_saved_model(saved_model)
    with open(args.fp32_output, "wb") as out:
        out.write(new_converter().convert())
    converter = new_converter()
    converter.optimizations = [tf.lite.Optimize.DEFAULT]

    def representative_data():
        for sample in calibration:
            yield [to_model_layout(sample, rank)]
    converter.representative_dataset = representative_data
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with open(args.int8_output, "wb") as out:
        out.write(converter.convert())


def xnnpack_share(interpreter):
    """What the XNNPACK delegate took: each partition it took is one DELEGATE node (this LiteRT
    does not log its replacement count at the default level). A single partition reading the
    model's input and writing its output ran the whole graph."""
    ops = interpreter._get_ops_details()
    partitions = [op for op in ops if op["op_name"] == "DELEGATE"]
    if not partitions:
        return "XNNPACK delegate not applied: LiteRT's own kernels run the model"
    inputs = {int(i) for op in partitions for i in op["inputs"]}
    outputs = {int(i) for op in partitions for i in op["outputs"]}
    whole = (interpreter.get_input_details()[0]["index"] in inputs and
             interpreter.get_output_details()[0]["index"] in outputs and len(partitions) == 1)
    original = len(ops) - len(partitions)
    return (f"XNNPACK delegate: {len(partitions)} partition(s) over the {original} ops" +
            (", the whole graph" if whole else ", not the whole graph: some ops run in LiteRT's "
             "own kernels"))


def make_interpreter(model):
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_path=model, num_threads=1)
    interpreter.allocate_tensors()
    return interpreter


def serve(args):
    import ai_edge_litert
    interpreter = make_interpreter(args.model)
    input_detail = interpreter.get_input_details()[0]
    output_index = interpreter.get_output_details()[0]["index"]
    test_input = np.load(args.input)
    test_input = to_model_layout(test_input, test_input.ndim).astype(input_detail["dtype"])
    if tuple(test_input.shape) != tuple(input_detail["shape"]):
        raise SystemExit(f"litert_peer: the model takes {input_detail['shape']}, "
                         f"the input is {test_input.shape}")

    def call():
        interpreter.set_tensor(input_detail["index"], test_input)
        interpreter.invoke()
        return interpreter.get_tensor(output_index)
    version = getattr(ai_edge_litert, "__version__", "")
    note = f"ai-edge-litert {version}; {xnnpack_share(interpreter)}".replace(" ;", ";")
    peer_server.serve(call, call(), args.output, note)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    convert_parser = commands.add_parser("convert")
    source = convert_parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="the ONNX model, converted by onnx2tf")
    source.add_argument("--torch-encoder", metavar="STATE_DICT.npz",
                        help="nn.TransformerEncoder's weights, built by litert_encoder.py")
    convert_parser.add_argument("--heads", type=int, default=4,
                                help="attention heads (--torch-encoder)")
    convert_parser.add_argument("--calibration", required=True)
    convert_parser.add_argument("--workdir", required=True)
    convert_parser.add_argument("--int8-output", required=True)
    convert_parser.add_argument("--fp32-output", required=True)
    serve_parser = commands.add_parser("serve")
    serve_parser.add_argument("--model", required=True)
    serve_parser.add_argument("--input", required=True)
    serve_parser.add_argument("--output", required=True)
    args = parser.parse_args()
    (convert if args.command == "convert" else serve)(args)


if __name__ == "__main__":
    main()
