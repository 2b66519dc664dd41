"""Casts a float32 ONNX graph to float16, inputs and outputs included, as the fp16 exports of Whisper
in the transformers.js layout (onnx-community's `*_fp16.onnx`) are.

    python3 to_fp16.py <in.onnx> <out.onnx>

Every float32 initializer, graph input/output, Cast target and tensor attribute (Constant nodes,
subgraphs included) becomes float16. Enough for the tiny random-weight Whisper of make_tiny_whisper.py,
whose fp16 variant drives the float16 input/output path of the engine on a GPU; not a general
converter (ONNX Runtime's CPU provider does not load the result).
"""

import sys

import numpy as np
import onnx
from onnx import numpy_helper

FLOAT, FLOAT16 = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16


def half_tensor(tensor):
    return numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float16), tensor.name)


def convert(graph):
    for i, init in enumerate(graph.initializer):
        if init.data_type == FLOAT:
            graph.initializer[i].CopyFrom(half_tensor(init))
    for value in list(graph.input) + list(graph.output):
        if value.type.tensor_type.elem_type == FLOAT:
            value.type.tensor_type.elem_type = FLOAT16
    del graph.value_info[:]
    for node in graph.node:
        for attr in node.attribute:
            if node.op_type == "Cast" and attr.name == "to" and attr.i == FLOAT:
                attr.i = FLOAT16
            elif attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type == FLOAT:
                attr.t.CopyFrom(half_tensor(attr.t))
            elif attr.type == onnx.AttributeProto.GRAPH:
                convert(attr.g)


def main():
    source, target = sys.argv[1], sys.argv[2]
    model = onnx.load(source)
    convert(model.graph)
    onnx.save(model, target)


if __name__ == "__main__":
    main()
