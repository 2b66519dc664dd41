"""Export a tiny-canary checkpoint in the layout of the onnx-asr Canary exports
(istupakov/canary-1b-v2-onnx): encoder-model.onnx, decoder-model.onnx, vocab.txt, config.json.
No front end: the engine brings NeMo's 128-bin one (tiny-en's nemo128.onnx, whose very module
computed the training features)."""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aed  # noqa: E402
import lexicon as L  # noqa: E402

OPSET = 17
features = L.tiny_en_module("features")
tiny_export = L.tiny_en_module("export")


class EncoderWrap(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, audio_signal, length):
        _, _, emb, mask = self.net.encode(audio_signal, length)
        return emb, mask


class DecoderWrap(torch.nn.Module):
    """NeMo's export: log-probabilities of the last position only, and the new cache."""

    def __init__(self, net):
        super().__init__()
        self.decoder = net.decoder

    def forward(self, input_ids, encoder_embeddings, encoder_mask, decoder_mems):
        logits, mems = self.decoder(input_ids, encoder_embeddings, encoder_mask, decoder_mems)
        return torch.log_softmax(logits[:, -1:], -1), mems


def store_weights_as_float16(path):
    """Keeps every float weight of the graph as float16 followed by a Cast back to float: the file is
    half the size, the inputs, outputs and arithmetic stay float32 (ONNX Runtime folds the casts away
    when it loads the graph). The checkpoint's weights are float16 already, so nothing is lost."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(path)
    graph = model.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or len(init.dims) == 0:
            continue
        array = numpy_helper.to_array(init)
        name = init.name
        init.CopyFrom(numpy_helper.from_array(array.astype("float16"), f"{name}_fp16"))
        casts.append(helper.make_node("Cast", [f"{name}_fp16"], [name], to=TensorProto.FLOAT, name=f"{name}_cast"))
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    ck = torch.load(args.ckpt)
    net = aed.from_checkpoint(ck).eval()

    front = features.MelFrontend().eval()
    wav = torch.randn(2, 16000) * 0.1
    feats, fl = front(wav, torch.tensor([16000, 12345]))
    enc_file = os.path.join(args.out, "encoder-model.onnx")
    torch.onnx.export(EncoderWrap(net), (feats, fl), enc_file,
                      input_names=["audio_signal", "length"],
                      output_names=["encoder_embeddings", "encoder_mask"],
                      dynamic_axes={"audio_signal": {0: "batch", 2: "frames"}, "length": {0: "batch"},
                                    "encoder_embeddings": {0: "batch", 1: "enc_frames"},
                                    "encoder_mask": {0: "batch", 1: "enc_frames"}},
                      opset_version=OPSET, do_constant_folding=True)

    with torch.no_grad():
        emb, mask = EncoderWrap(net)(feats, fl)
    layers, d = len(net.decoder.layers), net.decoder.d
    ids = torch.tensor([L.prompt("en", "de")] * 2)
    mems = torch.zeros(layers, 2, 3, d)
    dec_file = os.path.join(args.out, "decoder-model.onnx")
    # decoder_mems keeps its layer and width axes fixed: onnx-asr reads them from the graph.
    torch.onnx.export(DecoderWrap(net), (ids, emb, mask, mems), dec_file,
                      input_names=["input_ids", "encoder_embeddings", "encoder_mask", "decoder_mems"],
                      output_names=["logits", "decoder_hidden_states"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                    "encoder_embeddings": {0: "batch", 1: "enc_frames"},
                                    "encoder_mask": {0: "batch", 1: "enc_frames"},
                                    "decoder_mems": {1: "batch", 2: "cached"},
                                    "logits": {0: "batch"},
                                    "decoder_hidden_states": {1: "batch", 2: "positions"}},
                      opset_version=OPSET, do_constant_folding=True)

    tiny_export.write_vocab_and_config(args.out, L.VOCAB, {
        "model_type": "nemo-conformer-aed", "features_size": features.N_MELS,
        "subsampling_factor": 2 * aed.tiny_en.SUBSAMPLING, "max_sequence_length": aed.MAX_POSITIONS})
    import onnx
    for n in (enc_file, dec_file):
        store_weights_as_float16(n)
        onnx.checker.check_model(onnx.load(n))
    print("exported", ck.get("step"), "steps,", sum(p.numel() for p in net.parameters()), "params")


if __name__ == "__main__":
    main()
