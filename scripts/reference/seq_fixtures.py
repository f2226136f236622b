#!/usr/bin/env python3
"""Records PyTorch's sequence layers for test/seq_reference_test.ts.

For each case a layer is built with a fixed seed at small sizes; the fixture holds the options (in
edgegrad's names), the state dict by PyTorch's names, the inputs, the outputs (output and final
states, or output and attention weights), an upstream gradient for each output, and the gradients
of L = sum over outputs of (output * upstream) with respect to every input and parameter. Random
upstream gradients (not a plain sum) make every element of every output count, with its own
weight, so a swapped gate or head shows up in the gradients as well as in the outputs.

Layers run in eval mode with dropout 0 (dropout is random; its own tests are in the TypeScript
suite). Boolean masks are stored as 0/1 integers.

Run with Debian's python3-torch (1.13):
    /usr/bin/python3 scripts/reference/seq_fixtures.py
which writes test/fixtures/seq_reference.json.
"""
import json
import os

import torch
from torch import nn

torch.set_num_threads(1)


def tensor_json(t):
    """Shape and values; the values as one string of numbers separated by spaces (nine
    significant digits give back the same float32; infinities, as in additive masks, are
    "inf" and "-inf"), which keeps the file small and one line per tensor under deno fmt."""
    flat = t.detach().flatten()
    if t.dtype == torch.bool:
        return {"shape": list(t.shape), "dtype": "bool",
                "values": " ".join(str(v) for v in flat.int().tolist())}
    return {"shape": list(t.shape), "values": " ".join("%.9g" % v for v in flat.tolist())}


def record(module, inputs, run, options):
    """Runs `run(module, inputs)` -> dict of outputs, and records everything for one case."""
    module.eval()
    leaves = {k: v.clone().requires_grad_(v.is_floating_point()) for k, v in inputs.items()}
    outputs = run(module, leaves)
    upstream = {k: torch.randn(v.shape) for k, v in outputs.items()}
    loss = sum((outputs[k] * upstream[k]).sum() for k in outputs)
    loss.backward()
    return {
        "options": options,
        "state": {k: tensor_json(v) for k, v in module.state_dict().items()},
        "inputs": {k: tensor_json(v) for k, v in inputs.items()},
        "outputs": {k: tensor_json(v) for k, v in outputs.items()},
        "upstream": {k: tensor_json(v) for k, v in upstream.items()},
        "inputGrads": {k: tensor_json(v.grad) for k, v in leaves.items() if v.grad is not None},
        "paramGrads": {k: tensor_json(p.grad) for k, p in module.named_parameters()},
    }


def recurrent_case(seed, kind, options, batch=2, steps=5, with_state=True):
    torch.manual_seed(seed)
    input_size, hidden = 3, 4
    layers, directions = options.get("numLayers", 1), 2 if options.get("bidirectional") else 1
    kwargs = {
        "num_layers": layers,
        "bidirectional": options.get("bidirectional", False),
        "batch_first": options.get("batchFirst", False),
        "bias": options.get("bias", True),
    }
    if kind == "RNN":
        kwargs["nonlinearity"] = options.get("nonlinearity", "tanh")
    module = getattr(nn, kind)(input_size, hidden, **kwargs)
    shape = (batch, steps, input_size) if kwargs["batch_first"] else (steps, batch, input_size)
    inputs = {"input": torch.randn(shape)}
    if with_state:
        inputs["h0"] = torch.randn(layers * directions, batch, hidden)
        if kind == "LSTM":
            inputs["c0"] = torch.randn(layers * directions, batch, hidden)

    def run(m, x):
        if kind == "LSTM":
            state = (x["h0"], x["c0"]) if with_state else None
            output, (h, c) = m(x["input"], state)
            return {"output": output, "h": h, "c": c}
        output, h = m(x["input"], x["h0"] if with_state else None)
        return {"output": output, "h": h}

    return record(module, inputs, run, {"inputSize": input_size, "hiddenSize": hidden, **options})


def cell_case(seed, kind, options):
    torch.manual_seed(seed)
    input_size, hidden, batch = 3, 4, 2
    kwargs = {"bias": options.get("bias", True)}
    if kind == "RNNCell":
        kwargs["nonlinearity"] = options.get("nonlinearity", "tanh")
    module = getattr(nn, kind)(input_size, hidden, **kwargs)
    inputs = {"input": torch.randn(batch, input_size), "h0": torch.randn(batch, hidden)}
    if kind == "LSTMCell":
        inputs["c0"] = torch.randn(batch, hidden)

    def run(m, x):
        if kind == "LSTMCell":
            h, c = m(x["input"], (x["h0"], x["c0"]))
            return {"h": h, "c": c}
        return {"h": m(x["input"], x["h0"])}

    return record(module, inputs, run, {"inputSize": input_size, "hiddenSize": hidden, **options})


def mha_case(seed, options, masks):
    torch.manual_seed(seed)
    embed, heads, batch, target, source = 8, 2, 2, 3, 4
    batch_first = options.get("batchFirst", False)
    module = nn.MultiheadAttention(embed, heads, batch_first=batch_first,
                                   bias=options.get("bias", True))

    def seq(length):
        return torch.randn((batch, length, embed) if batch_first else (length, batch, embed))

    inputs = {"query": seq(target), "key": seq(source), "value": seq(source)}
    if "keyPaddingMask" in masks:
        padding = torch.zeros(batch, source, dtype=torch.bool)
        padding[1, -1] = True
        inputs["keyPaddingMask"] = padding
    if masks.get("attnMask") == "bool":
        inputs["attnMask"] = torch.tensor([[False, False, True, False],
                                           [False, True, False, False],
                                           [False, False, False, True]])
    elif masks.get("attnMask") == "float":
        inputs["attnMask"] = torch.randn(target, source)
    average = options.get("averageAttnWeights", True)

    def run(m, x):
        output, weights = m(x["query"], x["key"], x["value"],
                            key_padding_mask=x.get("keyPaddingMask"),
                            attn_mask=x.get("attnMask"), need_weights=True,
                            average_attn_weights=average)
        return {"output": output, "weights": weights}

    return record(module, inputs, run, {"embedDim": embed, "numHeads": heads, **options})


def causal_float_mask(size):
    return torch.triu(torch.full((size, size), float("-inf")), diagonal=1)


def encoder_layer_case(seed, options):
    torch.manual_seed(seed)
    d_model, heads, ff, batch, length = 8, 2, 16, 2, 5
    module = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=ff, dropout=0.0,
                                        activation=options["activation"],
                                        norm_first=options["normFirst"],
                                        batch_first=options.get("batchFirst", False))
    shape = (batch, length, d_model) if options.get("batchFirst") else (length, batch, d_model)
    padding = torch.zeros(batch, length, dtype=torch.bool)
    padding[0, -1] = True
    inputs = {"src": torch.randn(shape), "srcMask": causal_float_mask(length),
              "srcKeyPaddingMask": padding}

    def run(m, x):
        return {"output": m(x["src"], src_mask=x["srcMask"],
                            src_key_padding_mask=x["srcKeyPaddingMask"])}

    return record(module, inputs, run, {"dModel": d_model, "nhead": heads,
                                        "dimFeedforward": ff, "dropout": 0, **options})


def decoder_layer_case(seed, options):
    torch.manual_seed(seed)
    d_model, heads, ff, batch, target, source = 8, 2, 16, 2, 4, 5
    module = nn.TransformerDecoderLayer(d_model, heads, dim_feedforward=ff, dropout=0.0,
                                        activation=options["activation"],
                                        norm_first=options["normFirst"])
    padding = torch.zeros(batch, source, dtype=torch.bool)
    padding[1, 0] = True
    inputs = {"tgt": torch.randn(target, batch, d_model),
              "memory": torch.randn(source, batch, d_model),
              "tgtMask": causal_float_mask(target), "memoryKeyPaddingMask": padding}

    def run(m, x):
        return {"output": m(x["tgt"], x["memory"], tgt_mask=x["tgtMask"],
                            memory_key_padding_mask=x["memoryKeyPaddingMask"])}

    return record(module, inputs, run, {"dModel": d_model, "nhead": heads,
                                        "dimFeedforward": ff, "dropout": 0, **options})


def transformer_case(seed):
    torch.manual_seed(seed)
    d_model, heads, ff, batch, target, source = 8, 2, 16, 2, 4, 5
    module = nn.Transformer(d_model, heads, num_encoder_layers=2, num_decoder_layers=1,
                            dim_feedforward=ff, dropout=0.0, batch_first=True)
    inputs = {"src": torch.randn(batch, source, d_model), "tgt": torch.randn(batch, target, d_model),
              "tgtMask": causal_float_mask(target)}

    def run(m, x):
        return {"output": m(x["src"], x["tgt"], tgt_mask=x["tgtMask"])}

    return record(module, inputs, run, {"dModel": d_model, "nhead": heads,
                                        "numEncoderLayers": 2, "numDecoderLayers": 1,
                                        "dimFeedforward": ff, "dropout": 0, "batchFirst": True})


def main():
    cases = {
        "rnn_tanh_2layer_bidirectional": recurrent_case(
            1, "RNN", {"numLayers": 2, "bidirectional": True, "nonlinearity": "tanh"}),
        "rnn_relu_batch_first_no_state": recurrent_case(
            2, "RNN", {"nonlinearity": "relu", "batchFirst": True}, with_state=False),
        "lstm_2layer_bidirectional": recurrent_case(
            3, "LSTM", {"numLayers": 2, "bidirectional": True}),
        "lstm_batch_first_no_bias_no_state": recurrent_case(
            4, "LSTM", {"batchFirst": True, "bias": False}, with_state=False),
        "gru_2layer_bidirectional": recurrent_case(
            5, "GRU", {"numLayers": 2, "bidirectional": True}),
        "gru_batch_first": recurrent_case(6, "GRU", {"batchFirst": True}),
        "rnn_cell_tanh": cell_case(7, "RNNCell", {"nonlinearity": "tanh"}),
        "rnn_cell_relu": cell_case(8, "RNNCell", {"nonlinearity": "relu"}),
        "lstm_cell": cell_case(9, "LSTMCell", {}),
        "gru_cell": cell_case(10, "GRUCell", {}),
        "mha_masks": mha_case(11, {}, {"keyPaddingMask": True, "attnMask": "bool"}),
        "mha_batch_first_float_mask_per_head": mha_case(
            12, {"batchFirst": True, "averageAttnWeights": False}, {"attnMask": "float"}),
        "encoder_layer_post_norm_relu": encoder_layer_case(
            13, {"normFirst": False, "activation": "relu"}),
        "encoder_layer_pre_norm_relu": encoder_layer_case(
            14, {"normFirst": True, "activation": "relu"}),
        "encoder_layer_post_norm_gelu": encoder_layer_case(
            15, {"normFirst": False, "activation": "gelu", "batchFirst": True}),
        "encoder_layer_pre_norm_gelu": encoder_layer_case(
            16, {"normFirst": True, "activation": "gelu"}),
        "decoder_layer_post_norm_relu": decoder_layer_case(
            17, {"normFirst": False, "activation": "relu"}),
        "decoder_layer_pre_norm_gelu": decoder_layer_case(
            18, {"normFirst": True, "activation": "gelu"}),
        "transformer_batch_first": transformer_case(19),
    }
    fixture = {
        "producedBy": "scripts/reference/seq_fixtures.py",
        "torch": torch.__version__,
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures",
                        "seq_reference.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=2, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
