"""Reference data for nn's recurrent layers, from Debian's PyTorch 1.13:

    cd nn/testdata && /usr/bin/python3 make_rnn.py

For each case NAME it writes rnn_NAME_state.safetensors (the module's state
dict, PyTorch's names and layouts) and rnn_NAME_io.safetensors: the inputs
(x and the initial states), the weights r_* of the loss Σ out⊙r_out +
Σ h_n⊙r_h (+ Σ c_n⊙r_c for an LSTM), the outputs and the loss's gradients
with respect to the inputs (grad_NAME). Float64, fixed seeds.
"""
import torch

from attention_rnn_common import randomize, save_file

torch.set_default_dtype(torch.float64)
N, T, IN, H = 2, 3, 3, 4


def finish(name, module, inputs, outputs):
    loss = 0
    io = {}
    for k, v in outputs.items():
        r = torch.rand(v.shape) - 0.5
        io[k], io["r_" + k] = v, r
        loss = loss + (v * r).sum()
    loss.backward()
    for k, v in inputs.items():
        io[k], io["grad_" + k] = v, v.grad
    save_file(module.state_dict(), f"rnn_{name}_state.safetensors")
    save_file(io, f"rnn_{name}_io.safetensors")


for layers in [1, 2]:
    torch.manual_seed(10 + layers)
    m = torch.nn.LSTM(IN, H, num_layers=layers, batch_first=True)
    randomize(m)
    x = torch.rand(N, T, IN, requires_grad=True)
    h0 = torch.rand(layers, N, H, requires_grad=True)
    c0 = torch.rand(layers, N, H, requires_grad=True)
    out, (hn, cn) = m(x, (h0, c0))
    finish(f"lstm_l{layers}", m, {"x": x, "h0": h0, "c0": c0}, {"out": out, "hn": hn, "cn": cn})

    torch.manual_seed(20 + layers)
    m = torch.nn.GRU(IN, H, num_layers=layers, batch_first=True)
    randomize(m)
    x = torch.rand(N, T, IN, requires_grad=True)
    h0 = torch.rand(layers, N, H, requires_grad=True)
    out, hn = m(x, h0)
    finish(f"gru_l{layers}", m, {"x": x, "h0": h0}, {"out": out, "hn": hn})

torch.manual_seed(30)
m = torch.nn.LSTMCell(IN, H)
randomize(m)
x, h, c = (torch.rand(N, d, requires_grad=True) for d in (IN, H, H))
h2, c2 = m(x, (h, c))
finish("lstmcell", m, {"x": x, "h": h, "c": c}, {"h2": h2, "c2": c2})

torch.manual_seed(31)
m = torch.nn.GRUCell(IN, H)
randomize(m)
x, h = (torch.rand(N, d, requires_grad=True) for d in (IN, H))
finish("grucell", m, {"x": x, "h": h}, {"h2": m(x, h)})
