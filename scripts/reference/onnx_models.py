"""Exports the small PyTorch models the ONNX import tests run, with inputs and PyTorch's outputs.

Run with Debian's PyTorch 1.13 and ONNX 1.12:  /usr/bin/python3 scripts/reference/onnx_models.py
Writes test/fixtures/onnx/<name>/{model.onnx, input_0.pb, output_0.pb, ...} (TensorProto files, as
the ONNX conformance suite stores them) and, for the fine-tuning test, labels and the loss before
and after one SGD step (lr 0.1) on cross-entropy, computed by PyTorch.
"""
import os

import onnx
import torch
from onnx import numpy_helper
from torch import nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "onnx")
torch.manual_seed(0)


class MnistCnn(nn.Module):
    """The W3 MNIST CNN architecture (conv5x5, pool, conv5x5, pool, dense, dense) at small width."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5, padding=2)
        self.conv2 = nn.Conv2d(8, 16, 5, padding=2)
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class ResBlockNet(nn.Module):
    """A ResNet basic block (conv-BN-ReLU-conv-BN + identity, ReLU) with a pooled linear head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(8)
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = F.relu(self.bn0(self.stem(x)))
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        x = F.relu(x + y)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head(x)


class TinyEncoder(nn.Module):
    """One transformer encoder layer (self-attention, GELU feed-forward, LayerNorm) and a head."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(
            d_model=16, nhead=2, dim_feedforward=32, dropout=0.0, activation="gelu", batch_first=True
        )
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.layer(x).mean(dim=1))


def save_tensor(path, array):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


def export(name, model, x, opset, labels=None, classes=None):
    model.eval()
    directory = os.path.join(OUT, name)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    torch.onnx.export(
        model,
        x,
        path,
        opset_version=opset,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        training=torch.onnx.TrainingMode.PRESERVE,
        do_constant_folding=False,
    )
    with torch.no_grad():
        y = model(x)
    save_tensor(os.path.join(directory, "input_0.pb"), x.numpy())
    save_tensor(os.path.join(directory, "output_0.pb"), y.numpy())
    if labels is not None:
        # One SGD step on cross-entropy, in evaluation mode (BatchNorm uses running statistics).
        save_tensor(os.path.join(directory, "labels.pb"), labels.numpy().astype("int64"))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = F.cross_entropy(model(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            after = F.cross_entropy(model(x), labels)
        save_tensor(os.path.join(directory, "loss_before.pb"), loss.detach().numpy())
        save_tensor(os.path.join(directory, "loss_after.pb"), after.numpy())
    return path


def randomize_norms(model):
    # Distinct values: the exporter merges equal initializers (two LayerNorms' ones and zeros)
    # into one, which would tie parameters that PyTorch trains separately.
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)


if __name__ == "__main__":
    cnn = MnistCnn()
    cnn_path = export("mnist_cnn", cnn, torch.randn(2, 1, 28, 28), 13, torch.tensor([3, 7]))
    # The same model with its weights in a side file (ONNX external data).
    external = os.path.join(OUT, "mnist_cnn_external")
    os.makedirs(external, exist_ok=True)
    onnx.save_model(
        onnx.load(cnn_path),
        os.path.join(external, "model.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="weights.bin",
        size_threshold=0,
    )

    res = ResBlockNet()
    randomize_norms(res)
    export("resnet_block", res, torch.randn(3, 3, 8, 8), 11, torch.tensor([0, 4, 2]))

    encoder = TinyEncoder()
    randomize_norms(encoder)
    export("tiny_encoder", encoder, torch.randn(2, 5, 16), 14, torch.tensor([1, 0]))
    for name in ["mnist_cnn", "resnet_block", "tiny_encoder"]:
        graph = onnx.load(os.path.join(OUT, name, "model.onnx")).graph
        print(name, sorted({n.op_type for n in graph.node}))
