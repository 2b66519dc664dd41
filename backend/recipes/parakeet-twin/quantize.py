"""int8 weights with the operator pattern of ONNX Runtime's dynamic quantization, in plain onnx.

Every MatMul whose weight is a constant becomes
  DynamicQuantizeLinear(x) -> MatMulInteger(x_q, w_q, x_zp, w_zp) -> Cast(float) -> Mul(x_scale * w_scale)
with symmetric per-tensor int8 weights (quantize_dynamic's defaults: QInt8 weights, uint8
activations). ONNX Runtime fuses it into DynamicQuantizeMatMul when it loads the graph.
Convolutions (the conformer's pointwise and depthwise convs, the subsampling) stay float: ONNX
Runtime's CPU ConvInteger takes no int8 weights, so an int8 export that loads must leave them.
LSTM weights stay float too (quantize_dynamic would write com.microsoft DynamicQuantizeLSTM).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_file(src: str, dst: str) -> int:
    """Writes the int8 graph of `src` to `dst` as one file; returns how many MatMuls it quantized."""
    model = onnx.load(src)
    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    uses = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    quantized_inputs = {}
    nodes, new_inits, dropped = [], [], set()
    count = 0

    def quantized_input(name: str):
        if name not in quantized_inputs:
            outs = [f"{name}_quantized", f"{name}_scale", f"{name}_zero_point"]
            nodes.append(helper.make_node("DynamicQuantizeLinear", [name], outs, name=f"{name}_QuantizeLinear"))
            quantized_inputs[name] = outs
        return quantized_inputs[name]

    for node in graph.node:
        w_name = node.input[1] if len(node.input) > 1 else None
        w = weights.get(w_name)
        if node.op_type != "MatMul" or w is None or len(w.dims) != 2 or w.data_type != TensorProto.FLOAT:
            nodes.append(node)
            continue
        array = numpy_helper.to_array(w).astype(np.float32)
        scale = np.float32(max(float(np.abs(array).max()), 1e-12) / 127.0)
        q = np.clip(np.rint(array / scale), -127, 127).astype(np.int8)
        base = f"{w_name}_{count}"
        new_inits += [numpy_helper.from_array(q, f"{base}_quantized"),
                      numpy_helper.from_array(np.array(scale, dtype=np.float32), f"{base}_scale"),
                      numpy_helper.from_array(np.array(0, dtype=np.int8), f"{base}_zero_point")]
        x_q, x_scale, x_zp = quantized_input(node.input[0])
        out = node.output[0]
        integer = f"{out}_output_quantized"
        nodes += [
            helper.make_node("MatMulInteger", [x_q, f"{base}_quantized", x_zp, f"{base}_zero_point"],
                             [integer], name=f"{node.name}_quant"),
            helper.make_node("Cast", [integer], [f"{integer}_cast_output"], to=TensorProto.FLOAT,
                             name=f"{node.name}_cast"),
            helper.make_node("Mul", [x_scale, f"{base}_scale"], [f"{out}_scales_mul"],
                             name=f"{node.name}_scales_mul"),
            helper.make_node("Mul", [f"{integer}_cast_output", f"{out}_scales_mul"], [out],
                             name=f"{node.name}_output_scale_mul"),
        ]
        count += 1
        uses[w_name] -= 1
        if uses[w_name] == 0:
            dropped.add(w_name)

    kept = [i for i in graph.initializer if i.name not in dropped]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    for init in graph.initializer:  # everything in one file now: forget where the float weights lived
        if init.data_location == TensorProto.EXTERNAL:
            init.data_location = TensorProto.DEFAULT
            del init.external_data[:]
    onnx.save_model(model, dst)
    onnx.checker.check_model(dst)
    return count
