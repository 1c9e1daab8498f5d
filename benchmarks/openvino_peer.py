"""OpenVINO as a peer of benchmarks/compare.py, run in its own virtual environment.

NNCF imports torch when it finds one and needs a newer one than Debian's, so OpenVINO and NNCF
live in toolchains/python-venv-openvino (made without the system site packages, from
benchmarks/requirements-openvino.txt) and compare.py runs this script there:

  openvino_peer.py quantize --model model.onnx --calibration calibration.npy
                   --model-type cnn|transformer --output model_int8.xml
      NNCF post-training quantization (its default: int8 activations and per-channel weights,
      min-max style ranges from every calibration tensor, fast bias correction), saved as IR.
  openvino_peer.py serve --model model.onnx|model_int8.xml --input input.npy --output out.npy
      compiles for the CPU plugin with one inference thread, one stream, the latency hint and
      fp32 as the inference precision (no silent bf16 on CPUs that have it), writes one output,
      then answers compare.py's timing requests (peer_server.py).

calibration.npy holds the calibration tensors stacked on a new first axis.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_server  # noqa: E402


def quantize(args):
    import nncf
    import openvino as ov
    model = ov.Core().read_model(args.model)
    calibration = np.load(args.calibration)
    model_type = nncf.ModelType.TRANSFORMER if args.model_type == "transformer" else None
    quantized = nncf.quantize(model, nncf.Dataset(list(calibration)),
                              subset_size=len(calibration), model_type=model_type)
    ov.save_model(quantized, args.output)


def int8_layer_share(compiled):
    """How many of the executed matrix-multiplying layers run in int8, from the runtime graph."""
    heavy = ("Convolution", "GroupConvolution", "FullyConnected", "MatMul")
    total = int8 = 0
    for op in compiled.get_runtime_model().get_ops():
        info = op.get_rt_info()
        if "layerType" not in info or info["layerType"].astype(str) not in heavy:
            continue
        total += 1
        int8 += info["runtimePrecision"].astype(str).lower() in ("i8", "u8")
    return f"{int8} of {total} convolution / matmul layers run in int8"


def serve(args):
    import openvino as ov
    core = ov.Core()
    compiled = core.compile_model(args.model, "CPU", {
        "INFERENCE_NUM_THREADS": 1, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "f32", "ENABLE_CPU_PINNING": True})
    request = compiled.create_infer_request()
    test_input = np.load(args.input)

    def call():
        return request.infer({0: test_input}, share_inputs=True)[0]
    note = f"OpenVINO {ov.__version__.split('-')[0]}; {int8_layer_share(compiled)}"
    peer_server.serve(call, call(), args.output, note)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    quantize_parser = commands.add_parser("quantize")
    quantize_parser.add_argument("--model", required=True)
    quantize_parser.add_argument("--calibration", required=True)
    quantize_parser.add_argument("--model-type", choices=("cnn", "transformer"), default="cnn")
    quantize_parser.add_argument("--output", required=True)
    serve_parser = commands.add_parser("serve")
    serve_parser.add_argument("--model", required=True)
    serve_parser.add_argument("--input", required=True)
    serve_parser.add_argument("--output", required=True)
    args = parser.parse_args()
    (quantize if args.command == "quantize" else serve)(args)


if __name__ == "__main__":
    main()
